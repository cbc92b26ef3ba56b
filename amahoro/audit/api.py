"""REST endpoints of the audit log (mounted under /api/v1/): read it (JSON, paginated) and export it (CSV).

Both are scoped by the policy like the audit page; the export is itself recorded in the log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.roles import Perm

from . import selectors
from . import serializers as s
from .export import audit_csv_export
from .models import AuditEvent


def _is_schema(view: object) -> bool:
    """drf-spectacular builds the views without a request user to read their querysets."""
    return bool(getattr(view, "swagger_fake_view", False))


@extend_schema(
    summary="Read the audit log",
    parameters=[s.AuditListQuery],
    responses={200: s.AuditEventSerializer(many=True), **rest.errors(400, 404)},
)
class AuditList(generics.ListAPIView[AuditEvent]):
    """The audit log of your organisation and part of the country, newest first."""

    serializer_class = s.AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if _is_schema(self):
            return AuditEvent.objects.none()
        policy.require(self.request.user, Perm.AUDIT_VIEW)
        filters = s.AuditFilters.selector_arguments(rest.parse_query(s.AuditListQuery, self.request))
        return selectors.events_visible_to(user=self.request.user, **filters)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        # What the reader may see of each row (anonymous authors, case places): see audit.selectors.
        return None if page is None else list(selectors.events_shown(page))


@extend_schema(
    summary="Export the audit log as CSV (the export is itself audited)",
    parameters=[s.AuditFilters],
    responses={(200, "text/csv"): OpenApiTypes.STR, **rest.errors(400)},
)
class AuditCsv(APIView):
    """The audit log as CSV; the export itself is recorded in the log."""

    def get(self, request: Request) -> StreamingHttpResponse:
        policy.require(request.user, Perm.AUDIT_EXPORT)
        filters = s.AuditFilters.selector_arguments(rest.parse_query(s.AuditFilters, request))
        return audit_csv_export(actor=request.user, filters=filters)
