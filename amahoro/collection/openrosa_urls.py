"""/openrosa/: the OpenRosa server, once with HTTP Basic and once under a collector token."""

from django.urls import URLPattern, include, path

from . import openrosa

routes: list[URLPattern] = [
    path("formList", openrosa.form_list, name="formlist"),
    path("forms/<str:form_id>/form.xml", openrosa.form_download, name="form-download"),
    path("forms/<str:form_id>/manifest", openrosa.form_manifest, name="form-manifest"),
    path("forms/<str:form_id>/media/<str:filename>", openrosa.form_media, name="form-media"),
    path("submission", openrosa.submission, name="submission"),
]

app_name = "openrosa"
urlpatterns = [
    *routes,
    path("c/<str:token>/", include((routes, "openrosa_token"), namespace="token")),
]
