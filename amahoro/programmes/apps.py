from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "amahoro.programmes"
    label = "programmes"
    verbose_name = "Programmes, participants and scales"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import programmes_demo_step

        register_rules()
        if programmes_demo_step not in demo.DEMO_STEPS:
            demo.register_step(programmes_demo_step)
