from django.apps import AppConfig


class WarningConfig(AppConfig):
    name = "amahoro.warning"
    label = "warning"
    verbose_name = "Early warning and early response (NAP outcome P2.O3)"

    def ready(self) -> None:
        from .access import register_rules
        from .events import register_events
        from .odk import connect as connect_odk

        register_rules()
        register_events()
        connect_odk()
