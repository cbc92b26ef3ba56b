from django.urls import path

from . import setup_views as views

app_name = "setup"
urlpatterns = [
    path("", views.index, name="index"),
    path("data-sets/", views.data_set_list, name="data-sets"),
    path("data-sets/new/", views.data_set_create, name="data-set-create"),
    path("data-sets/places/", views.place_search, name="place-search"),
    path("data-sets/<str:code>/edit/", views.data_set_edit, name="data-set-edit"),
    path("validation-rules/", views.rule_list, name="rules"),
    path("validation-rules/new/", views.rule_create, name="rule-create"),
    path("validation-rules/<str:code>/edit/", views.rule_edit, name="rule-edit"),
]
