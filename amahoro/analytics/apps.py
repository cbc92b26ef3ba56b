from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "amahoro.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from amahoro.core import health

        from .store import store_age_seconds

        health.register_store_age(store_age_seconds)
