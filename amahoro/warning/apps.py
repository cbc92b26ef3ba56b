from django.apps import AppConfig


class WarningConfig(AppConfig):
    name = "amahoro.warning"
    label = "warning"
    verbose_name = "Early warning and early response (NAP outcome P2.O3)"
