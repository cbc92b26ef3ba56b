from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "amahoro.geo"
    label = "geo"
    verbose_name = "Places (org units)"
