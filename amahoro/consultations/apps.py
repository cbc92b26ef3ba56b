from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "amahoro.consultations"
    label = "consultations"
    verbose_name = "Civil-society consultations"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import consultations_demo_step

        register_rules()
        if consultations_demo_step not in demo.DEMO_STEPS:
            demo.register_step(consultations_demo_step)
