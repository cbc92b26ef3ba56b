from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "amahoro.collection"
    label = "collection"
    verbose_name = "Field data collection"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import collection_demo_step

        register_rules()
        if collection_demo_step not in demo.DEMO_STEPS:
            demo.register_step(collection_demo_step)
