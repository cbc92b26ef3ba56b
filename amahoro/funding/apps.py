from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "amahoro.funding"
    label = "funding"
    verbose_name = "Funding and IATI"

    def ready(self) -> None:
        from amahoro.core import demo

        from .access import register_rules
        from .demo import funding_demo_step

        register_rules()
        if funding_demo_step not in demo.DEMO_STEPS:
            demo.register_step(funding_demo_step)
