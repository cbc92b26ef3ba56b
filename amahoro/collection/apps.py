from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "amahoro.collection"
    label = "collection"
    verbose_name = "Field data collection"

    def ready(self) -> None:
        from .access import register_rules

        register_rules()
