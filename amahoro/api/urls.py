"""/api/v1/: the platform core endpoints (api/views.py) plus each domain app's api_urls."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import IsAuthenticated

from . import views

app_name = "api"
urlpatterns = [
    # The schema needs credentials like every other endpoint.
    path(
        "openapi.json", SpectacularJSONAPIView.as_view(permission_classes=[IsAuthenticated]), name="openapi"
    ),
    path("orgunits", views.OrgUnitList.as_view(), name="orgunit-list"),
    path("orgunits.geojson", views.OrgUnitGeoJSON.as_view(), name="orgunit-geojson"),
    path("orgunits/<str:code>", views.OrgUnitDetail.as_view(), name="orgunit-detail"),
    path("orgunits/<str:code>/children", views.OrgUnitChildren.as_view(), name="orgunit-children"),
    path("organisations", views.OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<str:code>", views.OrganisationDetail.as_view(), name="organisation-detail"),
    path("users", views.UserList.as_view(), name="user-list"),
    path("users/<str:username>", views.UserDetail.as_view(), name="user-detail"),
    path("me", views.Me.as_view(), name="me"),
    path("role-assignments", views.RoleAssignmentList.as_view(), name="roleassignment-list"),
    path("role-assignments/<int:pk>", views.RoleAssignmentDetail.as_view(), name="roleassignment-detail"),
    path("audit", views.AuditList.as_view(), name="audit-list"),
    path("audit.csv", views.AuditCsv.as_view(), name="audit-csv"),
    path("", include("amahoro.metadata.api_urls")),
    path("", include("amahoro.frameworks.api_urls")),
    path("", include("amahoro.data.api_urls")),
    path("", include("amahoro.consultations.api_urls")),
    path("", include("amahoro.participation.api_urls")),
    path("", include("amahoro.cases.api_urls")),
    path("", include("amahoro.funding.api_urls")),
    path("", include("amahoro.collection.api_urls")),
    path("", include("amahoro.programmes.api_urls")),
]
