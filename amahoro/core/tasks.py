"""Background work behind one call: `run_task("amahoro.app.tasks.func", *ids)`.

The task is queued when the surrounding transaction commits (so a worker never sees rows that were rolled
back). Without a broker (CELERY_BROKER_URL/REDIS_URL unset: development, tests, small installations) it then
runs in-process; with one it goes to a Celery worker (`celery -A amahoro worker`). Tasks take ids, not
objects, and must be idempotent: a worker may run one twice after a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger(__name__)

TaskArg = int | str
# Only functions of this project may be named in a task message, never an arbitrary import path.
ALLOWED_PREFIX = "amahoro."
CELERY_TASK_NAME = "amahoro.core.tasks.run_path"


def resolve(func_path: str) -> Callable[..., Any]:
    if not func_path.startswith(ALLOWED_PREFIX) or "." not in func_path.removeprefix(ALLOWED_PREFIX):
        raise ValueError(f"task '{func_path}' must be a function under the amahoro package")
    module_path, _, name = func_path.rpartition(".")
    func = getattr(import_module(module_path), name, None)
    if not callable(func):
        raise ValueError(f"task '{func_path}' is not a function")
    return func  # type: ignore[no-any-return]


def run_task(func_path: str, *ids: TaskArg) -> None:
    """Queue `func_path(*ids)` to run after the current transaction commits (at once outside one)."""
    resolve(func_path)  # fail now, in the caller, rather than later in a worker
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError(f"task arguments are ids (int or str), not {type(value).__name__}")
    transaction.on_commit(lambda: _dispatch(func_path, ids))


def _dispatch(func_path: str, ids: tuple[TaskArg, ...]) -> None:
    if settings.CELERY_BROKER_URL:
        from amahoro.celery import app

        app.send_task(CELERY_TASK_NAME, args=[func_path, *ids])
    else:
        resolve(func_path)(*ids)


@shared_task(name=CELERY_TASK_NAME)
def run_path(func_path: str, *ids: TaskArg) -> None:
    """The Celery side: the worker imports the function and calls it with the ids."""
    log.info("task %s%s", func_path, ids)
    resolve(func_path)(*ids)


def in_background(func: Callable[..., Any], *args: Any, name: str, inline: bool) -> threading.Thread | None:
    """Call `func(*args)` in a daemon thread named `name` (returned, for tests to join), or here and now when
    `inline`. For work that runs in the web process without a broker and must not hold the request (a
    render, an e-mail, an SMS): the thread logs what escapes it and closes its own database connection."""
    if inline:
        func(*args)
        return None

    def run() -> None:
        try:
            func(*args)
        except Exception:  # a thread's exception would only reach stderr
            log.exception("background work %s failed", name)
        finally:
            connection.close()  # the thread's own connection, never returned to a pool

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
