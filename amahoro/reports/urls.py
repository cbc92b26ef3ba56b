"""Report pages (mounted under /reports/)."""

from django.urls import URLPattern, URLResolver, path

from . import subscription_views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    # Subscriptions (helper subs)
    path("subscriptions/", subscription_views.subscription_list, name="subscriptions"),
    path("subscriptions/new", subscription_views.subscription_create, name="subscription_create"),
    path("subscriptions/<uuid:uuid>/edit", subscription_views.subscription_edit, name="subscription_edit"),
    path(
        "subscriptions/<uuid:uuid>/delete", subscription_views.subscription_delete, name="subscription_delete"
    ),
]
