from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "amahoro.worklist"
    label = "worklist"
    verbose_name = "My work (each role's worklist)"
