from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "amahoro.data"
    label = "data"
    verbose_name = "Data values and periods"

    def ready(self) -> None:
        from amahoro.core import demo

        from . import approval_notices, dataset_metadata, reminders
        from .access import register_rules
        from .demo import data_demo_step

        register_rules()
        dataset_metadata.register()
        reminders.register_events()
        approval_notices.register_events()
        if data_demo_step not in demo.DEMO_STEPS:
            demo.register_step(data_demo_step)
