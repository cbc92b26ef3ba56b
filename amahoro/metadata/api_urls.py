"""REST endpoints of the metadata app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("metadata", api.MetadataView.as_view(), name="metadata"),
]
