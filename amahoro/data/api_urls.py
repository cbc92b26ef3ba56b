"""REST endpoints of the data app (mounted under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("dataValueSets", api.DataValueSetsView.as_view(), name="data-value-sets"),
    re_path(
        r"^dataValueSets\.(?P<fmt>json|csv|xml|adx)$",
        api.DataValueSetsFormatView.as_view(),
        name="data-value-sets-format",
    ),
    re_path(
        r"^dataValues/template\.(?P<fmt>xlsx|csv)$", api.TemplateView.as_view(), name="data-values-template"
    ),
    path("dataValues/import", api.FileImportView.as_view(), name="data-values-import"),
    path("dataValues/outliers", api.OutlierView.as_view(), name="data-values-outliers"),
    path("validationResults", api.ValidationResultsView.as_view(), name="validation-results"),
    path("dataApprovals", api.ApprovalStateView.as_view(), name="data-approvals"),
    path("dataApprovals/<str:action>", api.ApprovalActionView.as_view(), name="data-approvals-action"),
    path("dataLocks", api.LockListView.as_view(), name="data-locks"),
    path(
        "completeDataSetRegistrations",
        api.CompleteDataSetRegistrationsView.as_view(),
        name="complete-registrations",
    ),
    path("dataLocks/<int:pk>", api.LockDetailView.as_view(), name="data-lock"),
]
