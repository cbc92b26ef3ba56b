"""REST endpoints of participation (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("participation/peacekeeping", api.PeacekeepingImport.as_view(), name="participation-peacekeeping"),
    path("participation/parity", api.Parity.as_view(), name="participation-parity"),
    path("participation/representation", api.Representation.as_view(), name="participation-representation"),
]
