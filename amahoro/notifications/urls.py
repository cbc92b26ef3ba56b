"""Notification pages (mounted under /notifications/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "notifications"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="list"),
    path("bell/count", views.bell_count, name="bell_count"),
    path("bell/list", views.bell_list, name="bell_list"),
    path("read-all", views.notification_read_all, name="read_all"),
    path("settings", views.preferences, name="preferences"),
    path("failures", views.delivery_failures, name="failures"),
    path("<uuid:uuid>/read", views.notification_read, name="read"),
    path("deliveries/<int:id>/retry", views.delivery_retry, name="delivery_retry"),
]
