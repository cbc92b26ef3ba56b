from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "amahoro.worklist"
    label = "worklist"
    verbose_name = "My work (each role's worklist)"

    def ready(self) -> None:
        from amahoro.core import demo

        from .demo import worklist_demo_step
        from .notices import connect, register_events

        register_events()
        connect()
        if worklist_demo_step not in demo.DEMO_STEPS:
            demo.register_step(worklist_demo_step)
