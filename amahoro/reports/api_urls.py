"""REST endpoints of the reports app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import subscription_api

urlpatterns: list[URLPattern | URLResolver] = [
    # Subscriptions (helper subs)
    path("reports/subscriptions", subscription_api.SubscriptionList.as_view(), name="report-subscriptions"),
    path(
        "reports/subscriptions/<uuid:uuid>",
        subscription_api.SubscriptionDetail.as_view(),
        name="report-subscription",
    ),
]
