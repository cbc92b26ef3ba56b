"""REST endpoints of the audit log (mounted under /api/v1/): read it (JSON, paginated) and export it (CSV).

Both are scoped by the policy like the audit page; the export is itself recorded in the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.tabular import csv_lines
from amahoro.roles import Perm

from . import selectors
from . import serializers as s
from .models import AuditAction, AuditEvent
from .services import audit_record


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


# ---------------------------------------------------------------------------------------------------------
# The CSV export (kept apart so that the audit page and this endpoint can share one: see issue 12, item 4)

CSV_COLUMNS = [
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "organisation",
    "org_unit_path",
    "sensitive",
    "changes",
    "message",
    "ip_address",
    "request_id",
]


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The audit log as CSV lines, every cell escaped (object names and messages are user text)."""

    def rows() -> Iterator[list[Any]]:
        yield CSV_COLUMNS
        for e in selectors.events_shown(events.iterator(chunk_size=2000)):
            yield [
                e.at.isoformat(),
                e.actor_username,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.organisation.code if e.organisation else "",
                e.org_unit_path,
                "yes" if e.sensitive else "no",
                json.dumps(e.changes, ensure_ascii=False, sort_keys=True, default=str) if e.changes else "",
                e.message,
                e.ip_address,
                e.request_id,
            ]

    return csv_lines(rows())


def audit_csv_export(*, actor: Any, filters: dict[str, Any]) -> StreamingHttpResponse:
    """The events `actor` may export matching `filters` (keyword arguments of selectors.events_visible_to) as a
    streamed CSV download; the export is recorded first. The caller has checked audit.export."""
    events = selectors.events_visible_to(user=actor, perm=Perm.AUDIT_EXPORT, **filters)
    orgs = policy.organisations_with(actor, Perm.AUDIT_EXPORT)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="audit.auditevent",
        object_repr="audit log CSV",
        organisation_id=next(iter(orgs)) if orgs is not None and len(orgs) == 1 else None,
        changes={
            "filters": {k: str(v) for k, v in filters.items() if v is not None},
            "rows": events.count(),
        },
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="amahoro-audit-{stamp}.csv"'
    return response
