from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "amahoro.core"
    label = "core"
    verbose_name = "Core"
