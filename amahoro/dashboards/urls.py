from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "dashboards"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard_list, name="list"),
    path("new", views.dashboard_create, name="create"),
    path("favourites/save", views.favourite_save, name="favourite_save"),
    path("favourites/<uuid:uuid>/delete", views.favourite_delete, name="favourite_delete"),
    path("favourites/<uuid:uuid>/data", views.favourite_data, name="favourite_data"),
    path("<uuid:uuid>/", views.dashboard_detail, name="detail"),
    path("<uuid:uuid>/delete", views.dashboard_delete, name="delete"),
    path("<uuid:uuid>/items/add", views.item_add, name="item_add"),
    path("<uuid:uuid>/items/<uuid:item>/", views.item_partial, name="item"),
    path("<uuid:uuid>/items/<uuid:item>/remove", views.item_remove, name="item_remove"),
    path("<uuid:uuid>/items/<uuid:item>/move", views.item_move, name="item_move"),
]
