"""REST endpoints of organisations (mounted under /api/v1/ with the `api` namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("organisations", api.OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<str:code>", api.OrganisationDetail.as_view(), name="organisation-detail"),
]
