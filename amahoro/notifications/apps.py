from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "amahoro.notifications"
    label = "notifications"
    verbose_name = "Notifications (in-app, e-mail, SMS)"

    def ready(self) -> None:
        from django.core import checks

        from amahoro.core import health

        from .checks import sms_gateway
        from .selectors import delivery_problem_counts

        checks.register(sms_gateway)
        health.register_delivery_counts(delivery_problem_counts)
