from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "amahoro.geo"
    label = "geo"
    verbose_name = "Places (org units)"

    def ready(self) -> None:
        from amahoro.core import reference

        from .reference import load_rwanda

        reference.register("rwanda", load_rwanda)
