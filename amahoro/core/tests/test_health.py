"""/health, /health/live and /health/ready: JSON with 200/503, answered over plain HTTP and for any Host
even with SECURE_SSL_REDIRECT on, and each readiness check failing the way it should."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client, override_settings

from amahoro.core import health

pytestmark = pytest.mark.django_db

# What production looks like to a load balancer probing an app server directly.
PROD_LIKE = {"SECURE_SSL_REDIRECT": True, "ALLOWED_HOSTS": ["amahoro.example.org"], "DEBUG": False}
LB_HOST = "10.0.0.5:8000"


@pytest.fixture(autouse=True)
def _fresh_state(settings: Any, tmp_path: Path) -> None:
    settings.AMAHORO_ANALYTICS_DIR = str(tmp_path / "analytics")
    health._migrations_applied = False
    cache.delete(health.HEARTBEAT_KEY)


@override_settings(**PROD_LIKE)
@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready"])
def test_health_answers_plain_http_and_any_host_without_redirect(path: str) -> None:
    client = Client()
    # The same settings send every other page to HTTPS and refuse the load balancer's Host:
    assert client.get("/accounts/login/", HTTP_HOST="amahoro.example.org").status_code == 301
    assert client.get("/accounts/login/", HTTP_HOST=LB_HOST, secure=True).status_code == 400
    for host in (LB_HOST, "amahoro.example.org", "[::1]:8000"):
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 200, (host, response.status_code, response.content)
        assert response["Content-Type"] == "application/json"
        assert response["Cache-Control"] == "no-store"
        assert response.json()["status"] in ("ok", "warn")


def test_health_keeps_its_original_answer() -> None:
    assert Client().get("/health").json() == {"status": "ok"}


def test_live_is_just_the_process() -> None:
    assert Client().get("/health/live").json() == {"status": "ok"}


def test_ready_reports_each_check() -> None:
    body = Client().get("/health/ready").json()
    checks = body["checks"]
    assert set(checks) == {"database", "redis", "migrations", "analytics_store", "worker", "notifications"}
    assert checks["database"] == {"status": "ok"}
    assert checks["redis"] == {"status": "ok", "configured": False}
    assert checks["migrations"] == {"status": "ok"}
    # No store yet: a warning (queries answer from the database), not a failure.
    assert checks["analytics_store"]["status"] == "warn" and checks["analytics_store"]["age_seconds"] is None
    assert checks["worker"]["mode"] == "in-process" and checks["worker"]["status"] == "ok"
    assert body["status"] == "warn"


class BrokenConnection:
    def cursor(self) -> Any:
        raise OperationalError("connection to server at 10.0.0.9, port 5432 failed: Connection refused")


def test_database_down_is_503_on_ready_and_health_but_live_stays_200(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "connection", BrokenConnection())
    client = Client()
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["error"].startswith("OperationalError: connection to server")
    assert body["checks"]["migrations"]["status"] == "fail"
    legacy = client.get("/health")
    assert legacy.status_code == 503 and legacy.json()["status"] == "error"
    assert client.get("/health/live").status_code == 200


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_configured_redis_that_does_not_answer_is_503() -> None:
    response = Client().get("/health/ready")
    assert response.status_code == 503
    redis_check = response.json()["checks"]["redis"]
    assert redis_check["status"] == "fail" and redis_check["configured"] is True
    assert "ConnectionError" in redis_check["error"]


def test_unapplied_migrations_are_503(monkeypatch: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)])
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "status": "fail",
        "unapplied": 1,
        "error": "run `amahoro migrate`",
    }


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/15", CELERY_TASK_ALWAYS_EAGER=False)
def test_worker_heartbeat_age_is_reported_and_strict_mode_fails_on_a_stale_one() -> None:
    client = Client()
    monkeypatched_redis_ok = {"status": "ok", "configured": True}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(health, "check_redis", lambda: monkeypatched_redis_ok)
        missing = client.get("/health/ready")
        assert missing.status_code == 200  # a dead worker must not take the app servers out of rotation
        assert missing.json()["checks"]["worker"] == {
            "status": "warn",
            "mode": "celery",
            "age_seconds": None,
            "error": "no worker heartbeat yet",
        }
        assert client.get("/health/ready?strict=1").status_code == 503

        health.worker_heartbeat()
        fresh = client.get("/health/ready?strict=1")
        worker = fresh.json()["checks"]["worker"]
        assert worker["status"] == "ok" and worker["age_seconds"] < 5

        cache.set(health.HEARTBEAT_KEY, time.time() - 3600, timeout=None)
        stale = client.get("/health/ready").json()["checks"]["worker"]
        assert stale["status"] == "warn" and stale["age_seconds"] >= 3600


def test_analytics_store_age_once_built(settings: Any) -> None:
    from amahoro.analytics import store

    store.refresh(full=True)
    check = Client().get("/health/ready").json()["checks"]["analytics_store"]
    assert check["status"] == "ok" and 0 <= check["age_seconds"] < 60
    settings.AMAHORO_ANALYTICS_MAX_AGE = -1
    assert Client().get("/health/ready").json()["checks"]["analytics_store"]["status"] == "warn"


def test_the_worker_heartbeat_is_on_the_beat_schedule() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "amahoro.core.tasks.run_path"
    assert entry["args"] == [health.HEARTBEAT_TASK]
    from amahoro.core.tasks import resolve

    assert resolve(health.HEARTBEAT_TASK) is health.worker_heartbeat
