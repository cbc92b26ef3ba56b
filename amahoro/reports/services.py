"""Rendering a report (contract R2): the one path the API, the page runs and the subscriptions share.

`render()` validates the parameters, builds the figures as `user` (their scope decides what is in it),
renders the format in the report's language and audits the export. Runs and subscriptions (tasks.py,
subscriptions.py) call it with the owner as `user`."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation

from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import ValidationFailed
from amahoro.policy import Actor

from . import kinds
from .kinds import CONTENT_TYPES, Progress, Rendered, no_progress


def render(
    *,
    user: Actor,
    kind: str,
    params: Mapping[str, str],
    fmt: str,
    progress: Progress = no_progress,
    audit: bool = True,
) -> Rendered:
    report_kind = kinds.get(kind)
    if fmt not in (*report_kind.formats, "html"):
        raise ValidationFailed(
            f"format must be one of {', '.join(report_kind.formats)}, not '{fmt}'", field="format"
        )
    clean = report_kind.parse(params)
    with translation.override(clean["lang"]):
        progress(5, str(report_kind.title))
        report = report_kind.build(user=user, params=clean, progress=progress)
        progress(80, fmt.upper())
        content = report_kind.render(report, fmt=fmt)
    if audit and fmt != "html":
        audit_record(
            actor=user,
            action=AuditAction.EXPORT,
            object_type=f"reports.{report_kind.code}",
            object_repr=report_kind.filename(clean, fmt),
            changes={"report": report_kind.code, "format": fmt, **clean},
            sensitive=report_kind.perm.value.startswith("case."),
        )
    progress(100, "")
    return Rendered(content, CONTENT_TYPES[fmt], report_kind.filename(clean, fmt))
