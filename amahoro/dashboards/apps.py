from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "amahoro.dashboards"
    label = "dashboards"
    verbose_name = "Favourites and dashboards"
