from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "amahoro.dashboards"
    label = "dashboards"
    verbose_name = "Favourites and dashboards"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import dashboards_demo_step

        register_rules()
        if dashboards_demo_step not in demo.DEMO_STEPS:
            demo.register_step(dashboards_demo_step)
