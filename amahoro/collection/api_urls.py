"""REST endpoints of the collection app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("forms", api.FormListView.as_view(), name="forms"),
    path("forms/<str:form_id>", api.FormDetailView.as_view(), name="form-detail"),
    path("forms/<str:form_id>/submissions", api.SubmissionListView.as_view(), name="form-submissions"),
    path(
        "forms/<str:form_id>/submissions/import",
        api.SubmissionImportView.as_view(),
        name="form-submissions-import",
    ),
    path(
        "forms/<str:form_id>/submissions/<str:instance_id>/review",
        api.SubmissionReviewView.as_view(),
        name="form-submission-review",
    ),
    path(
        "forms/<str:form_id>/submissions/<str:instance_id>/attachments/<str:filename>",
        api.AttachmentView.as_view(),
        name="form-submission-attachment",
    ),
    re_path(
        r"^forms/(?P<form_id>[^/]+)/export\.(?P<fmt>csv|xlsx|geojson)$",
        api.ExportView.as_view(),
        name="form-export",
    ),
    path("forms/<str:form_id>/private-key", api.PrivateKeyView.as_view(), name="form-private-key"),
    path("forms/<str:form_id>/media", api.MediaView.as_view(), name="form-media"),
    path("forms/<str:form_id>/mapping-rules", api.MappingRuleListView.as_view(), name="form-mapping-rules"),
    path(
        "forms/<str:form_id>/mapping-rules/<int:pk>",
        api.MappingRuleDetailView.as_view(),
        name="form-mapping-rule",
    ),
    path(
        "forms/<str:form_id>/mapping-rules/<int:pk>/run",
        api.MappingRuleRunView.as_view(),
        name="form-mapping-rule-run",
    ),
    path("collector-tokens", api.TokenListView.as_view(), name="collector-tokens"),
    path("collector-tokens/<int:pk>", api.TokenDetailView.as_view(), name="collector-token"),
]
