from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("", views.places, name="places"),
    path("map/", views.places_map, name="map"),
    path("search", views.search, name="search"),
    path("districts.geojson", views.districts_geojson, name="districts_geojson"),
    path("<str:code>/children", views.children, name="children"),
    path("<str:code>/", views.detail, name="detail"),
]
