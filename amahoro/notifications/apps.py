from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "amahoro.notifications"
    label = "notifications"
    verbose_name = "Notifications (in-app, e-mail, SMS)"

    def ready(self) -> None:
        from django.core import checks

        from .checks import sms_gateway

        checks.register(sms_gateway)
