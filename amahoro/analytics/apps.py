from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "amahoro.analytics"
    label = "analytics"
    verbose_name = "Analytics"
