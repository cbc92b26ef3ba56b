from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "amahoro.consultations"
    label = "consultations"
    verbose_name = "Civil-society consultations"

    def ready(self) -> None:
        from amahoro.audit.selectors import register_hidden_authors
        from amahoro.core import demo

        from .access import anonymous_assessment_events, register_rules
        from .demo import consultations_demo_step

        register_rules()
        register_hidden_authors(anonymous_assessment_events)
        if consultations_demo_step not in demo.DEMO_STEPS:
            demo.register_step(consultations_demo_step)
