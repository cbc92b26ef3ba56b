from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "amahoro.cases"
    label = "cases"
    verbose_name = "GBV case management"

    def ready(self) -> None:
        from amahoro.core import demo

        from . import deadline_notices
        from .access import register_rules
        from .demo import cases_demo_step
        from .events import register_events
        from .notices import register_events as register_closure_events

        register_rules()
        register_events()
        register_closure_events()
        deadline_notices.register_events()
        if cases_demo_step not in demo.DEMO_STEPS:
            demo.register_step(cases_demo_step)
