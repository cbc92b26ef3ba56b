"""Pages of field data collection (mounted at /collection/)."""

from django.urls import URLPattern, path

from . import views

app_name = "collection"
urlpatterns: list[URLPattern] = [
    path("", views.form_list, name="forms"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke", views.token_revoke, name="token-revoke"),
    path("forms/<str:form_id>/", views.form_detail, name="form"),
    path("forms/<str:form_id>/settings", views.form_settings, name="form-settings"),
    path("forms/<str:form_id>/rules", views.rule_save, name="form-rules"),
    path("forms/<str:form_id>/import", views.submissions_import, name="form-import"),
    path("forms/<str:form_id>/submissions/<str:instance_id>/", views.submission_detail, name="submission"),
]
