from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "amahoro.participation"
    label = "participation"
    verbose_name = "Women's participation statistics"

    def ready(self) -> None:
        from amahoro.core import demo

        from .demo import participation_demo_step

        if participation_demo_step not in demo.DEMO_STEPS:
            demo.register_step(participation_demo_step)
