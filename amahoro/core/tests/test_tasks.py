"""run_task: queued on commit, in-process without a broker, sent to Celery with one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from amahoro.core import tasks

CALLS: list[tuple[Any, ...]] = []


def record(*ids: Any) -> None:
    """A task for these tests."""
    CALLS.append(ids)


HERE = f"{__name__}.record"


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


def test_runs_in_process_after_commit_without_a_broker(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.run_task(HERE, 7, "abc")
        assert CALLS == []  # not before the transaction commits
    assert len(callbacks) == 1
    assert CALLS == [(7, "abc")]


def test_never_runs_when_the_transaction_rolls_back(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            tasks.run_task(HERE, 1)
            raise RuntimeError("rolled back")
        tasks.run_task(HERE, 2)
    assert len(callbacks) == 1
    assert CALLS == [(2,)]


def test_sends_to_celery_when_a_broker_is_configured(
    db: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from amahoro.celery import app

    sent: list[tuple[str, list[Any]]] = []
    monkeypatch.setattr(app, "send_task", lambda name, args: sent.append((name, args)))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_task(HERE, 42)
    assert sent == [(tasks.CELERY_TASK_NAME, [HERE, 42])]
    assert CALLS == []


def test_the_worker_side_calls_the_function() -> None:
    tasks.run_path.apply(args=[HERE, 5])  # what a worker does with the message
    assert CALLS == [(5,)]


@pytest.mark.parametrize(
    "path", ["os.system", "amahoro", "amahoro.core.tasks.nope", "amahoro.core.tasks.ALLOWED_PREFIX"]
)
def test_refuses_anything_but_a_function_of_the_project(path: str) -> None:
    with pytest.raises(ValueError, match="task"):
        tasks.run_task(path, 1)


def test_refuses_objects_as_arguments(db: Any) -> None:
    with pytest.raises(TypeError, match="ids"):
        tasks.run_task(HERE, object())  # type: ignore[arg-type]
