"""Report runs: created after the parameters are checked, rendered as the owner with progress recorded,
kept encrypted, owner-only, rendered in a thread when there is no worker, and purged after a week."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.reports import runs, tasks
from amahoro.reports.models import ReportRun, RunStatus

from .conftest import CODE, make_framework, places_under

pytestmark = pytest.mark.django_db


def create(user: Any, fw: Any, capture: Any, **params: str) -> ReportRun:
    with capture(execute=True):
        run = runs.run_create(
            actor=user,
            kind=CODE,
            fmt=params.pop("fmt", "pdf"),
            params={"framework": fw.code, "period": "2026", **params},
        )
    run.refresh_from_db()
    return run


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_run_goes_from_queued_to_done_with_progress_and_an_encrypted_file(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = runs.run_create(
            actor=cast.me_nyarugenge,
            kind=CODE,
            fmt="pdf",
            params={"framework": framework.code, "period": "2026"},
        )
    assert (run.status, run.progress, run.owner) == (RunStatus.QUEUED, 0, cast.me_nyarugenge)
    assert run.params == {"framework": framework.code, "period": "2026", "lang": "en"}
    assert len(callbacks) == 1  # the render waits for the commit
    callbacks[0]()
    run.refresh_from_db()
    # While building, the run was running and showed the build's progress and stage.
    assert fake_kind.seen == [(RunStatus.RUNNING, 40, "Counting places")]
    assert (run.status, run.progress, run.stage, run.error) == (RunStatus.DONE, 100, "", "")
    assert run.started_at is not None and run.finished_at is not None
    assert run.filename == f"{CODE}-{framework.code}-2026-en.pdf" and run.content_type == "application/pdf"
    content = run.content
    assert content is not None and run.size == len(content)
    assert content not in bytes(run.content_enc)  # stored encrypted
    assert f"Places: {places_under('11')}" in pdf_text(content)  # counted as the owner (district 11)


def test_bad_parameters_are_refused_before_anything_is_stored(
    cast: Any, fake_kind: Any, framework: Any
) -> None:
    cases = [
        ({"framework": framework.code, "period": "26"}, "pdf", "period"),
        ({"period": "2026"}, "pdf", "framework"),
        ({"framework": framework.code, "period": "2026", "lang": "de"}, "pdf", "lang"),
        ({"framework": framework.code, "period": "2026"}, "docx", "format"),
        ({"framework": framework.code, "period": ["2026"]}, "pdf", "params.period"),
        ({"framework": framework.code, "period": "2" * 300}, "pdf", "params.period"),
    ]
    for params, fmt, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            runs.run_create(actor=cast.me_nyarugenge, kind=CODE, fmt=fmt, params=params)
        assert exc.value.field == field, (params, fmt)
    with pytest.raises(ValidationFailed):
        runs.run_create(actor=cast.me_nyarugenge, kind=CODE, fmt="pdf", params="period=2026")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        runs.run_create(actor=cast.me_nyarugenge, kind="no-such-report", fmt="pdf", params={})
    with pytest.raises(PermissionDenied):
        runs.run_create(
            actor=cast.nobody, kind=CODE, fmt="pdf", params={"framework": framework.code, "period": "2026"}
        )
    assert not ReportRun.objects.exists()


def test_a_render_that_fails_says_why_in_words(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = create(
        cast.me_nyarugenge, framework, django_capture_on_commit_callbacks, org_unit="21"
    )  # outside district 11
    assert run.status == RunStatus.FAILED and run.error == "org unit '21' not found"
    assert run.content is None
    fake_kind.fail_with = RuntimeError("boom")
    run = create(cast.me_nyarugenge, framework, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "error on the server" in run.error and "boom" not in run.error
    with pytest.raises(Conflict):
        runs.run_content(user=cast.me_nyarugenge, uuid=run.uuid)


def test_a_framework_the_owner_may_not_see_fails_the_run(
    cast: Any, fake_kind: Any, django_capture_on_commit_callbacks: Any
) -> None:

    police_plan = make_framework(cast.police, "RNP-SP")
    run = create(cast.me_nyarugenge, police_plan, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED and "RNP-SP" in run.error


def test_render_run_is_idempotent(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = create(cast.me_nyarugenge, framework, django_capture_on_commit_callbacks, fmt="xlsx")
    before = (run.finished_at, bytes(run.content_enc))
    tasks.render_run(run.pk)
    tasks.render_run(10**9)  # a run deleted meanwhile
    run.refresh_from_db()
    assert (run.finished_at, bytes(run.content_enc)) == before
    assert len(fake_kind.seen) == 1


def test_runs_are_their_owners_alone(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = create(cast.me_nyarugenge, framework, django_capture_on_commit_callbacks)
    assert runs.run_get(user=cast.me_nyarugenge, uuid=run.uuid) == run
    assert list(runs.runs_of(user=cast.me_nyarugenge)) == [run]
    for other in (cast.me_gasabo, cast.sysadmin, cast.ngo_admin):
        with pytest.raises(NotFound):
            runs.run_get(user=other, uuid=run.uuid)
        with pytest.raises(NotFound):
            runs.run_content(user=other, uuid=run.uuid)
        assert not runs.runs_of(user=other).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not runs.runs_of(user=AnonymousUser()).exists()
    with pytest.raises(NotFound):
        runs.run_content(user=AnonymousUser(), uuid=run.uuid)


def test_purge_old_deletes_runs_older_than_seven_days(
    cast: Any, fake_kind: Any, framework: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = create(cast.me_nyarugenge, framework, django_capture_on_commit_callbacks)
    recent = create(cast.me_nyarugenge, framework, django_capture_on_commit_callbacks)
    now = timezone.now()
    ReportRun.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=7, minutes=1))
    ReportRun.objects.filter(pk=recent.pk).update(created_at=now - dt.timedelta(days=6, hours=23))
    assert runs.purge_old(now=now) == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_render_runs_in_a_thread_and_the_caller_does_not_wait(
    hierarchy: None, cast: Any, fake_kind: Any, framework: Any, settings: Any
) -> None:
    settings.AMAHORO_REPORTS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = ""
    fake_kind.gate = threading.Event()
    run = runs.run_create(
        actor=cast.me_nyarugenge, kind=CODE, fmt="pdf", params={"framework": framework.code, "period": "2026"}
    )
    # Outside a transaction the task was dispatched at once, in a thread that now waits at the gate: the
    # caller got its run back while the render is still going.
    thread = next(t for t in threading.enumerate() if t.name == f"report-run-{run.pk}")
    assert fake_kind.reached.wait(timeout=60)
    run.refresh_from_db()
    assert (run.status, run.progress, run.stage) == (RunStatus.RUNNING, 40, "Counting places")
    fake_kind.gate.set()
    thread.join(timeout=60)
    assert not thread.is_alive()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert f"Places: {places_under('11')}" in pdf_text(run.content or b"")


@pytest.mark.django_db(transaction=True)
def test_the_dispatcher_returns_the_thread_it_started(
    hierarchy: None, cast: Any, fake_kind: Any, framework: Any, settings: Any
) -> None:
    run = ReportRun.objects.create(
        owner=cast.me_nyarugenge,
        kind=CODE,
        format="xlsx",
        params={"framework": framework.code, "period": "2026", "lang": "en"},
    )
    settings.AMAHORO_REPORTS_RUN_INLINE = False
    thread = tasks.render_run(run.pk)
    assert thread is not None
    thread.join(timeout=60)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.content_type.endswith("spreadsheetml.sheet")
    settings.AMAHORO_REPORTS_RUN_INLINE = True
    assert tasks.render_run(run.pk) is None
