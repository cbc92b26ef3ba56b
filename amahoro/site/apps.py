from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: the signed-in home page, about/help, and the demo orchestration (`load_demo`)
    that calls every app's registered demo step. Nothing below imports it."""

    name = "amahoro.site"
    label = "site"
    verbose_name = "Site"
