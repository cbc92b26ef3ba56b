from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("<uuid:uuid>/", views.round_detail, name="detail"),
    path("<uuid:uuid>/summary/", views.round_summary, name="summary"),
    path("<uuid:uuid>/assessments/", views.assessment_create, name="assess"),
    path("<uuid:uuid>/<str:action>/", views.round_action, name="action"),
    path("assessments/<uuid:uuid>/edit/", views.assessment_edit, name="edit"),
    path("assessments/<uuid:uuid>/respond/", views.assessment_respond, name="respond"),
    path("assessments/<uuid:uuid>/moderate/", views.assessment_moderate, name="moderate"),
    path("attachments/<uuid:uuid>/", views.attachment_download, name="attachment"),
]
