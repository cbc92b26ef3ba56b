"""The task behind a report run: render it as its owner, recording progress, and keep the file encrypted.

With a broker, `render_run` runs in a Celery worker. Without one, `core.tasks` calls it in the web process
right after the request's transaction commits, i.e. before the page answers: so it starts a thread and
returns at once (the page polls the run), unless AMAHORO_REPORTS_RUN_INLINE asks to render in place."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from amahoro.core import crypto
from amahoro.core.errors import AmahoroError
from amahoro.core.tasks import in_background

from . import services
from .models import ReportRun, RunStatus

log = logging.getLogger(__name__)

STAGE_MAX = 200


def render_run(run_id: int) -> threading.Thread | None:
    """Render run `run_id` (the task `runs.run_create` queues): in a thread when there is no worker to hand it
    to and inline rendering is off (the thread is returned, for tests to join), else here and now."""
    inline = bool(settings.CELERY_BROKER_URL) or settings.AMAHORO_REPORTS_RUN_INLINE
    return in_background(render_now, run_id, name=f"report-run-{run_id}", inline=inline)


def _set(run_id: int, **fields: object) -> None:
    ReportRun.objects.filter(pk=run_id).update(updated_at=timezone.now(), **fields)


def render_now(run_id: int) -> None:
    """Idempotent: a run already done or failed is left as it is (a worker may get the message twice)."""
    run = ReportRun.objects.select_related("owner").filter(pk=run_id).first()
    if run is None or run.status in (RunStatus.DONE, RunStatus.FAILED):
        return
    _set(
        run_id, status=RunStatus.RUNNING, progress=1, stage=_("Starting"), started_at=timezone.now(), error=""
    )

    def progress(percent: int, stage: str) -> None:
        _set(run_id, progress=max(0, min(100, int(percent))), stage=str(stage)[:STAGE_MAX])

    try:
        rendered = services.render(
            user=run.owner, kind=run.kind, params=run.params, fmt=run.format, progress=progress
        )
    except AmahoroError as exc:
        _set(run_id, status=RunStatus.FAILED, error=exc.message, stage="", finished_at=timezone.now())
        return
    except Http404:
        _set(
            run_id,
            status=RunStatus.FAILED,
            error=_("Something the report names was not found, or is not visible to you."),
            stage="",
            finished_at=timezone.now(),
        )
        return
    except Exception:
        log.exception("report run %s failed", run_id)
        _set(
            run_id,
            status=RunStatus.FAILED,
            error=_(
                "The report could not be rendered because of an error on the server; it has been logged."
            ),
            stage="",
            finished_at=timezone.now(),
        )
        return
    _set(
        run_id,
        status=RunStatus.DONE,
        progress=100,
        stage="",
        content_enc=crypto.encrypt_bytes(rendered.content),
        filename=rendered.filename,
        content_type=rendered.content_type,
        size=len(rendered.content),
        finished_at=timezone.now(),
    )
