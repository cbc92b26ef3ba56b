"""Report pages (mounted under /reports/). The fixed paths come before `<slug:code>/`."""

from django.urls import URLPattern, URLResolver, path

from . import subscription_views, views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.report_list, name="list"),
    path("subscriptions/", subscription_views.subscription_list, name="subscriptions"),
    path("subscriptions/new", subscription_views.subscription_create, name="subscription_create"),
    path("subscriptions/<uuid:uuid>/edit", subscription_views.subscription_edit, name="subscription_edit"),
    path(
        "subscriptions/<uuid:uuid>/delete", subscription_views.subscription_delete, name="subscription_delete"
    ),
    path("runs/<uuid:uuid>/", views.run_detail, name="run"),
    path("runs/<uuid:uuid>/download", views.run_download, name="run_download"),
    path("<slug:code>/", views.report_form, name="kind"),
    path("<slug:code>/preview-frame", views.report_preview_frame, name="preview_frame"),
    path("<slug:code>/preview", views.report_preview, name="preview"),
]
