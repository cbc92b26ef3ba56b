from django.urls import path, re_path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("summary.csv", views.summary_csv, name="summary_csv"),
    re_path(r"^records\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.upload, name="upload"),
    path("iati/", views.iati_page, name="iati"),
    path("iati/<uuid:pk>/map/", views.iati_map, name="iati_map"),
    path("iati/rules/", views.rule_create, name="rule_create"),
]
