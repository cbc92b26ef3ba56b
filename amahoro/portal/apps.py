from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "amahoro.portal"
    label = "portal"
    verbose_name = "Public transparency portal"
