from django.apps import AppConfig


class MetadataConfig(AppConfig):
    name = "amahoro.metadata"
    label = "metadata"
    verbose_name = "DHIS2 metadata: data elements, disaggregations, periods"

    def ready(self) -> None:
        from .access import register_rules

        register_rules()
