from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "amahoro.accounts"
    label = "accounts"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in audit receivers)
        from .access import register_rules

        register_rules()
