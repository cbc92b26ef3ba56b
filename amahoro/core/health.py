"""What `/health/live` and `/health/ready` report, and the worker heartbeat they read.

Live: the process answers. Ready: this host can serve: the database answers, Redis answers (when configured),
every migration is applied; it also reports, without failing on them, how old the analytics store and the
last worker heartbeat are, and how many e-mail and SMS notifications failed or are being retried (a dead
worker or gateway must not take every app host out of the load balancer; monitoring reads the warnings, or
asks `/health/ready?strict=1`, which fails on them too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

OK, WARN, FAIL = "ok", "warn", "fail"
HEARTBEAT_KEY = "amahoro:worker-heartbeat"
HEARTBEAT_TASK = "amahoro.core.health.worker_heartbeat"
# Celery beat writes a heartbeat this often; ready warns once it is older than AMAHORO_HEARTBEAT_MAX_AGE.
HEARTBEAT_EVERY_SECONDS = 30


@dataclass
class Report:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, status: str, **details: Any) -> None:
        self.checks[name] = {"status": status, **details}

    def status(self, *, strict: bool = False) -> str:
        states = {c["status"] for c in self.checks.values()}
        if FAIL in states or (strict and WARN in states):
            return FAIL
        return WARN if WARN in states else OK

    def as_json(self, *, strict: bool = False) -> dict[str, Any]:
        return {"status": self.status(strict=strict), "checks": self.checks}


def _error(exc: BaseException) -> str:
    # The exception class and its first line: enough to act on, never a query or a connection string.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:200]


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"status": FAIL, "error": _error(exc)}
    return {"status": OK}


def redis_url() -> str:
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    return str(getattr(settings, "REDIS_URL", "") or "") or (broker if broker.startswith("redis") else "")


def check_redis() -> dict[str, Any]:
    url = redis_url()
    if not url:
        return {"status": OK, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        return {"status": FAIL, "configured": True, "error": _error(exc)}
    return {"status": OK, "configured": True}


_migrations_applied = False


def check_migrations() -> dict[str, Any]:
    """Unapplied migrations mean this code runs against an older schema: not ready. Once all are applied
    the answer holds for the life of the process (new migrations come with new code, hence a restart)."""
    global _migrations_applied
    if _migrations_applied:
        return {"status": OK}
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return {"status": FAIL, "error": _error(exc)}
    if plan:
        return {"status": FAIL, "unapplied": len(plan), "error": "run `amahoro migrate`"}
    _migrations_applied = True
    return {"status": OK}


# How old the analytics store is, in seconds (None: not built yet). The analytics app, which sits above
# core, registers its reader from AppConfig.ready(); /health/ready and /metrics ask through it.
_store_age_reader: Callable[[], float | None] | None = None


def register_store_age(reader: Callable[[], float | None]) -> None:
    global _store_age_reader
    _store_age_reader = reader


def store_age_seconds() -> float | None:
    return None if _store_age_reader is None else _store_age_reader()


def check_analytics_store() -> dict[str, Any]:
    try:
        age = store_age_seconds()
    except (OSError, ValueError) as exc:
        return {"status": WARN, "error": _error(exc)}
    if age is None:
        # Queries answer from the database until the worker has built the store.
        return {"status": WARN, "age_seconds": None, "error": "no analytics store yet"}
    limit = float(getattr(settings, "AMAHORO_ANALYTICS_MAX_AGE", 3 * 3600))
    return {"status": OK if age <= limit else WARN, "age_seconds": round(age, 1)}


# Notification deliveries in trouble ({"failed": n, "retrying": n}); the notifications app, above core,
# registers its reader from AppConfig.ready(); /health/ready and /metrics ask through it.
_delivery_counts_reader: Callable[[], dict[str, int]] | None = None


def register_delivery_counts(reader: Callable[[], dict[str, int]]) -> None:
    global _delivery_counts_reader
    _delivery_counts_reader = reader


def delivery_counts() -> dict[str, int] | None:
    return None if _delivery_counts_reader is None else _delivery_counts_reader()


def check_notifications() -> dict[str, Any]:
    """Warns while e-mails or SMS fail: given up on in the last 24 hours, or failed twice and being retried
    (a gateway out of credit, a mail server refusing). Never fails readiness by itself."""
    try:
        counts = delivery_counts()
    except DatabaseError as exc:
        return {"status": WARN, "error": _error(exc)}
    if counts is None:
        return {"status": OK, "configured": False}
    failing = counts.get("failed", 0) or counts.get("retrying", 0)
    return {
        "status": WARN if failing else OK,
        "failed_24h": counts.get("failed", 0),
        "retrying": counts.get("retrying", 0),
    }


def worker_heartbeat() -> None:
    """Run by Celery beat on a worker: proves a worker is taking tasks from the queue."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def heartbeat_age_seconds() -> float | None:
    beat = cache.get(HEARTBEAT_KEY)
    return None if beat is None else max(0.0, time.time() - float(beat))


def celery_configured() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", "")) and not getattr(
        settings, "CELERY_TASK_ALWAYS_EAGER", False
    )


def check_worker() -> dict[str, Any]:
    if not celery_configured():
        return {"status": OK, "mode": "in-process", "detail": "no broker configured: tasks run in-process"}
    try:
        age = heartbeat_age_seconds()
    except Exception as exc:  # any cache backend error: report it, the host itself can still serve
        return {"status": WARN, "mode": "celery", "error": _error(exc)}
    if age is None:
        return {"status": WARN, "mode": "celery", "age_seconds": None, "error": "no worker heartbeat yet"}
    limit = float(getattr(settings, "AMAHORO_HEARTBEAT_MAX_AGE", 5 * HEARTBEAT_EVERY_SECONDS))
    return {"status": OK if age <= limit else WARN, "mode": "celery", "age_seconds": round(age, 1)}


def ready() -> Report:
    report = Report()
    report.add("database", **check_database())
    report.add("redis", **check_redis())
    migrations = check_migrations() if report.checks["database"]["status"] == OK else {"status": FAIL}
    report.add("migrations", **migrations)
    report.add("analytics_store", **check_analytics_store())
    report.add("worker", **check_worker())
    if report.checks["database"]["status"] == OK:
        report.add("notifications", **check_notifications())
    return report


def legacy() -> Report:
    """`/health` as it always was: the database answers."""
    report = Report()
    report.add("database", **check_database())
    return report
