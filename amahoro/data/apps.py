from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "amahoro.data"
    label = "data"
    verbose_name = "Data values and periods"

    def ready(self) -> None:
        from . import dataset_metadata
        from .access import register_rules

        register_rules()
        dataset_metadata.register()
