"""REST endpoints of the reports app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports", api.ReportList.as_view(), name="reports"),
    path("reports/runs", api.RunList.as_view(), name="report-runs"),
    path("reports/runs/<uuid:uuid>", api.RunDetail.as_view(), name="report-run"),
    path("reports/runs/<uuid:uuid>/file", api.RunFile.as_view(), name="report-run-file"),
    re_path(
        r"^reports/(?P<code>[a-z0-9-]+)\.(?P<fmt>[a-z0-9]+)$", api.ReportFile.as_view(), name="report-file"
    ),
]
