"""/api/v1/: the OpenAPI document plus each app's api_urls (the endpoints live with their apps)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import IsAuthenticated

app_name = "api"
urlpatterns = [
    # The schema needs credentials like every other endpoint.
    path(
        "openapi.json", SpectacularJSONAPIView.as_view(permission_classes=[IsAuthenticated]), name="openapi"
    ),
    path("", include("amahoro.geo.api_urls")),
    path("", include("amahoro.organisations.api_urls")),
    path("", include("amahoro.accounts.api_urls")),
    path("", include("amahoro.audit.api_urls")),
    path("", include("amahoro.metadata.api_urls")),
    path("", include("amahoro.frameworks.api_urls")),
    path("", include("amahoro.data.api_urls")),
    path("", include("amahoro.consultations.api_urls")),
    path("", include("amahoro.participation.api_urls")),
    path("", include("amahoro.cases.api_urls")),
    path("", include("amahoro.directory.api_urls")),
    path("", include("amahoro.funding.api_urls")),
    path("", include("amahoro.collection.api_urls")),
    path("", include("amahoro.programmes.api_urls")),
    path("", include("amahoro.visualizer.api_urls")),
    path("", include("amahoro.dashboards.api_urls")),
    path("", include("amahoro.reports.api_urls")),
    path("", include("amahoro.notifications.api_urls")),
    path("", include("amahoro.warning.api_urls")),
    path("", include("amahoro.warning.alarms_urls")),
    path("", include("amahoro.warning.sms_urls")),
    path("", include("amahoro.worklist.api_urls")),
]
