"""DHIS2-compatible paths, mounted at /api/ and /api/<version>/ (see amahoro.api.dhis2)."""

from django.urls import URLPattern, URLResolver, path, re_path

from amahoro.data import api as data_api
from amahoro.frameworks import api as frameworks_api

from . import dhis2

urlpatterns: list[URLPattern | URLResolver] = [
    path("dataValueSets", data_api.DataValueSetsView.as_view(dhis2_web_message=True)),
    re_path(
        r"^dataValueSets\.(?P<fmt>json|csv|xml|adx)$",
        data_api.DataValueSetsFormatView.as_view(dhis2_web_message=True),
    ),
    path("metadata", frameworks_api.MetadataView.as_view(dhis2_web_message=True)),
    path("metadata.json", frameworks_api.MetadataView.as_view(dhis2_web_message=True)),
    path("system/info", dhis2.SystemInfo.as_view()),
    path("system/info.json", dhis2.SystemInfo.as_view()),
    path("me", dhis2.Me.as_view()),
    path("me.json", dhis2.Me.as_view()),
]
