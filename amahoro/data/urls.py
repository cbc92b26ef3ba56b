from django.urls import path

from . import views

app_name = "data"
urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("entry/save/", views.entry_save, name="entry_save"),
    path("entry/places/", views.entry_places, name="entry_places"),
    path("entry/periods/", views.entry_periods, name="entry_periods"),
    path("entry/csrf/", views.entry_csrf, name="entry_csrf"),
    path("entry/sw.js", views.entry_service_worker, name="entry_sw"),
    path("entry/approval/<str:action>/", views.entry_approval, name="entry_approval"),
    path("approvals/", views.approvals_page, name="approvals"),
    path("entry/registration/<str:action>/", views.entry_complete, name="entry_complete"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("upload/", views.upload, name="upload"),
]
