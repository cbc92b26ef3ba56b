"""REST endpoints of the visualizer app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("analytics", api.Analytics.as_view(), name="analytics"),
    path("analytics.json", api.AnalyticsAlias.as_view(), name="analytics-json"),
    path("analytics.csv", api.AnalyticsCsv.as_view(), name="analytics-csv"),
    path("analytics.xlsx", api.AnalyticsXlsx.as_view(), name="analytics-xlsx"),
]
