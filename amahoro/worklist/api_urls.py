"""REST endpoints of the glue above cases and warning (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("ewer/signals/<str:ident>/case", api.SignalCaseOpen.as_view(), name="ewer-signal-case"),
]
