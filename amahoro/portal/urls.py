from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("participation/", views.participation, name="participation"),
    path("consultations/<uuid:uuid>/", views.consultation, name="consultation"),
    path("views/<uuid:uuid>/", views.favourite, name="favourite"),
    path("data/<str:dataset>.<str:fmt>", views.download, name="download"),
]
