"""REST endpoints of the dashboards app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("favourites", api.FavouriteList.as_view(), name="favourites"),
    path("favourites/<uuid:uuid>", api.FavouriteDetail.as_view(), name="favourite"),
    path("dashboards", api.DashboardList.as_view(), name="dashboards"),
    path("dashboards/<uuid:uuid>", api.DashboardDetail.as_view(), name="dashboard"),
    path("dashboards/<uuid:uuid>/items", api.DashboardItems.as_view(), name="dashboard-items"),
]
