from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "amahoro.organisations"
    label = "organisations"
    verbose_name = "Organisations"
