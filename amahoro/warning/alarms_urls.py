"""The detect endpoint of the statistical alarms (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import alarms_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("ewer/detect", alarms_api.Detect.as_view(), name="ewer-detect"),
]
