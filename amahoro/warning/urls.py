from django.urls import path

from . import views

app_name = "warning"
urlpatterns = [
    path("", views.signal_list, name="list"),
    path("see/", views.signal_see, name="see"),
    path("see/map.geojson", views.signal_map, name="see_map"),
    path("<str:ident>/", views.signal_detail, name="detail"),
    path("<str:ident>/transition/", views.signal_transition, name="transition"),
]
