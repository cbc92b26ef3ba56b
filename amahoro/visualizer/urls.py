from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "visualizer"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.page, name="page"),
    path("search/data", views.search_data, name="search_data"),
    path("search/places", views.search_places, name="search_places"),
    path("periods", views.periods, name="periods"),
    path("items", views.items, name="items"),
]
