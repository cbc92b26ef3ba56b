"""Report runs (contract R7): a render asked for on a page or through the API, done by a task while the page
polls its progress. A run belongs to its owner alone; its file is kept encrypted and deleted after a week.

`run_create` validates the parameters at once (a bad period is a 400 on the form, not a failed run) and
queues `tasks.render_run`; `run_get` / `runs_of` are the one door to a user's runs; `purge_old` is called by
the daily `send_due_reports` command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import Conflict, NotFound, ValidationFailed
from amahoro.core.tasks import run_task

from . import kinds
from .models import ReportRun, RunStatus

KEEP_DAYS = 7
RENDER_TASK = "amahoro.reports.tasks.render_run"
PARAMS_MAX = 20  # parameters a run may carry (a kind takes at most a handful)
PARAM_MAX_LENGTH = 200

__all__ = ["KEEP_DAYS", "purge_old", "run_content", "run_create", "run_get", "runs_of"]


def _clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(params, Mapping):
        raise ValidationFailed("params must be an object of parameter names to values", field="params")
    if len(params) > PARAMS_MAX:
        raise ValidationFailed(f"params holds more than {PARAMS_MAX} parameters", field="params")
    out: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationFailed(f"parameter '{name}' must be a text value", field=f"params.{name}")
        text = str(value).strip()
        if len(text) > PARAM_MAX_LENGTH:
            raise ValidationFailed(
                f"parameter '{name}' is longer than {PARAM_MAX_LENGTH} characters", field=f"params.{name}"
            )
        out[str(name)] = text
    return out


@transaction.atomic
def run_create(*, actor: Any, kind: str, fmt: str, params: Mapping[str, Any]) -> ReportRun:
    """A queued run of `kind` as `fmt` for `actor`; the render starts when the transaction commits.

    Unknown kind → NotFound; missing permission → PermissionDenied; bad format or parameters →
    ValidationFailed naming the field, all before anything is stored."""
    policy.check_actor(actor)
    report_kind = kinds.get(kind)
    policy.require(actor, report_kind.perm)
    if fmt not in report_kind.formats:
        raise ValidationFailed(
            f"format must be one of {', '.join(report_kind.formats)}, not '{fmt}'", field="format"
        )
    clean = report_kind.parse(_clean_params(params))
    run = ReportRun.objects.create(
        owner=actor,
        created_by=actor,
        kind=report_kind.code,
        format=fmt,
        params=clean,
        filename=report_kind.filename(clean, fmt),
    )
    run_task(RENDER_TASK, run.pk)
    return run


def runs_of(*, user: Any) -> QuerySet[ReportRun]:
    """The user's own runs, newest first (nobody sees another's run, not even an administrator)."""
    if not getattr(user, "is_authenticated", False):
        return ReportRun.objects.none()
    return ReportRun.objects.filter(owner=user).defer("content_enc")


def run_get(*, user: Any, uuid: UUID | str) -> ReportRun:
    """The user's run `uuid`; NotFound for a missing run and for another user's alike."""
    run = runs_of(user=user).filter(uuid=uuid).first()
    if run is None:
        raise NotFound("report run not found")
    return run


def run_content(*, user: Any, uuid: UUID | str) -> tuple[ReportRun, bytes]:
    """A finished run of the user and its file (decrypted); NotFound as `run_get`, Conflict while not done."""
    run = ReportRun.objects.filter(owner=user, uuid=uuid).first() if user.is_authenticated else None
    if run is None:
        raise NotFound("report run not found")
    content = run.content
    if run.status != RunStatus.DONE or content is None:
        raise Conflict(f"the report is not ready (status: {run.status})", field="status")
    return run, content


def purge_old(*, now: dt.datetime | None = None, days: int = KEEP_DAYS) -> int:
    """Delete runs (with their files) created more than `days` ago; the number deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = ReportRun.objects.filter(created_at__lt=cutoff).delete()
    return deleted
