from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_create, name="create"),
    path("<str:ident>/", views.provider_detail, name="detail"),
    path("<str:ident>/edit/", views.provider_edit, name="edit"),
]
