"""REST endpoints of notifications (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications", api.NotificationList.as_view(), name="notifications"),
    path("notifications/read-all", api.NotificationReadAll.as_view(), name="notifications-read-all"),
    path("notifications/preferences", api.PreferenceDetail.as_view(), name="notifications-preferences"),
    path("notifications/<uuid:uuid>/read", api.NotificationRead.as_view(), name="notification-read"),
]
