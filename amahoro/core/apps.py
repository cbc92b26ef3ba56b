from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "amahoro.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from amahoro.core import checks  # noqa: F401  (registers the deploy checks)
