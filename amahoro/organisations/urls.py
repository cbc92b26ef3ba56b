from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("<slug:code>/", views.organisation_detail, name="detail"),
    path("<slug:code>/edit/", views.organisation_edit, name="edit"),
]
