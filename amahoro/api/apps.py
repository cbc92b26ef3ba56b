from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "amahoro.api"
    label = "api"
    verbose_name = "REST API"
