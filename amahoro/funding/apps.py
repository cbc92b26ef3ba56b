from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "amahoro.funding"
    label = "funding"
    verbose_name = "Funding and IATI"

    def ready(self) -> None:
        from .access import register_rules

        register_rules()
