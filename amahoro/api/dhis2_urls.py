"""DHIS2-compatible paths, mounted at /api/ and /api/<version>/ (see amahoro.api.dhis2; analytics: the
visualizer app's view)."""

from django.urls import URLPattern, URLResolver, path, re_path

from amahoro.visualizer import api as visualizer_api

from . import dhis2

urlpatterns: list[URLPattern | URLResolver] = [
    path("dataValueSets", dhis2.DataValueSets.as_view()),
    re_path(
        r"^dataValueSets\.(?P<fmt>json|csv|xml|adx)$",
        dhis2.DataValueSetsFormat.as_view(),
    ),
    path("completeDataSetRegistrations", dhis2.CompleteDataSetRegistrations.as_view()),
    path("completeDataSetRegistrations.json", dhis2.CompleteDataSetRegistrations.as_view()),
    path("metadata", dhis2.Metadata.as_view()),
    path("metadata.json", dhis2.Metadata.as_view()),
    path("system/info", dhis2.SystemInfo.as_view()),
    path("system/info.json", dhis2.SystemInfo.as_view()),
    path("analytics", visualizer_api.AnalyticsAlias.as_view()),
    path("analytics.json", visualizer_api.AnalyticsAlias.as_view()),
    path("me", dhis2.Me.as_view()),
    path("me.json", dhis2.Me.as_view()),
]
