"""REST endpoints of the audit log (mounted under /api/v1/ with the `api` namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("audit", api.AuditList.as_view(), name="audit-list"),
    path("audit.csv", api.AuditCsv.as_view(), name="audit-csv"),
]
