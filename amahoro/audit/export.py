"""The audit log as CSV: the one export behind the audit page's /audit/export.csv and the API's
/api/v1/audit.csv (same columns, same escaping, streamed), itself recorded in the log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Max, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from amahoro import policy
from amahoro.core import tabular
from amahoro.roles import Perm

from . import selectors
from .models import AuditAction, AuditEvent
from .services import audit_record

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


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[list[Any]]:
    """The header, then a row per event as its reader may see it (see audit.selectors.event_shown)."""
    yield CSV_COLUMNS
    for e in selectors.events_shown(events):
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


def audit_csv_export(*, actor: Any, filters: dict[str, Any]) -> StreamingHttpResponse:
    """The events `actor` may export (audit.export) matching `filters` (keyword arguments of
    selectors.events_visible_to) as a streamed CSV download, every cell escaped (object names and
    messages are user text); the export is recorded first. The caller has checked audit.export."""
    events: QuerySet[AuditEvent] = selectors.events_visible_to(user=actor, perm=Perm.AUDIT_EXPORT, **filters)
    # The log as it stands now: the rows counted are the rows streamed, without this export's own row.
    last = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    events = events.filter(pk__lte=last)
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
    lines = tabular.csv_lines(audit_csv_rows(events.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(lines, content_type=tabular.CSV_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="amahoro-audit-{stamp}.csv"'
    return response
