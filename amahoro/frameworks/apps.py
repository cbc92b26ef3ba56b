from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "amahoro.frameworks"
    label = "frameworks"
    verbose_name = "Results frameworks and indicators"

    def ready(self) -> None:
        from amahoro.core import demo, reference

        from . import data_uses, indicator_metadata
        from .access import register_rules
        from .demo import frameworks_demo_step
        from .reference import load_nap_rw_2018

        register_rules()
        indicator_metadata.register()
        data_uses.register()
        reference.register("nap-rw-2018", load_nap_rw_2018)
        if frameworks_demo_step not in demo.DEMO_STEPS:
            demo.register_step(frameworks_demo_step)
