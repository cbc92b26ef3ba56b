from django.apps import AppConfig


class VisualizerConfig(AppConfig):
    name = "amahoro.visualizer"
    label = "visualizer"
    verbose_name = "Data visualizer"
