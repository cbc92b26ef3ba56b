from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "amahoro.directory"
    label = "directory"
    verbose_name = "Service directory (who provides which GBV service where)"
