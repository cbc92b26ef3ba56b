from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "amahoro.notifications"
    label = "notifications"
    verbose_name = "Notifications (in-app, e-mail, SMS)"
