"""Report pages (mounted under /reports/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.report_list, name="list"),
    path("runs/<uuid:uuid>/", views.run_detail, name="run"),
    path("runs/<uuid:uuid>/download", views.run_download, name="run_download"),
    path("<slug:code>/", views.report_form, name="kind"),
    path("<slug:code>/preview-frame", views.report_preview_frame, name="preview_frame"),
    path("<slug:code>/preview", views.report_preview, name="preview"),
]
