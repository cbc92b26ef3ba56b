from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "amahoro.directory"
    label = "directory"
    verbose_name = "Service directory (who provides which GBV service where)"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import directory_demo_step

        register_rules()
        if directory_demo_step not in demo.DEMO_STEPS:
            demo.register_step(directory_demo_step)
