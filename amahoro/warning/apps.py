from django.apps import AppConfig


class WarningConfig(AppConfig):
    name = "amahoro.warning"
    label = "warning"
    verbose_name = "Early warning and early response (NAP outcome P2.O3)"

    def ready(self) -> None:
        from amahoro.core import demo, reference

        from .access import register_rules
        from .demo import warning_demo_step
        from .events import register_events
        from .odk import connect as connect_odk
        from .reference import load_ewer_default, load_ewer_nap

        register_rules()
        register_events()
        reference.register("ewer-default", load_ewer_default)
        reference.register("ewer-nap", load_ewer_nap)
        if warning_demo_step not in demo.DEMO_STEPS:
            demo.register_step(warning_demo_step)
        connect_odk()
