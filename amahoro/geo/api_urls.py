"""REST endpoints of the place hierarchy (mounted under /api/v1/ with the `api` namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("orgunits", api.OrgUnitList.as_view(), name="orgunit-list"),
    path("orgunits.geojson", api.OrgUnitGeoJSON.as_view(), name="orgunit-geojson"),
    path("orgunits/<str:code>", api.OrgUnitDetail.as_view(), name="orgunit-detail"),
    path("orgunits/<str:code>/children", api.OrgUnitChildren.as_view(), name="orgunit-children"),
]
