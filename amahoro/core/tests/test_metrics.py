"""/metrics: Prometheus text for system administrators, the bearer token or a direct loopback scraper;
refused for anonymous users, wrong tokens, other roles and anything that came through the proxy."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from amahoro.core import metrics
from conftest import client_for

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def value(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    assert match, f"{name} not in the metrics"
    return float(match.group(1))


def test_anonymous_is_refused() -> None:
    response = Client().get("/metrics", **OUTSIDE)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@override_settings(AMAHORO_METRICS_TOKEN=TOKEN)
def test_wrong_token_is_refused() -> None:
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer " + "x" * 40, **OUTSIDE).status_code == 401


def test_no_token_configured_refuses_every_token() -> None:
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ", **OUTSIDE).status_code == 401


def test_wrong_role_is_refused(cast: Any) -> None:
    for user in (cast.ngo_admin, cast.me_nyarugenge, cast.nobody):
        assert client_for(user).get("/metrics", **OUTSIDE).status_code == 403


def test_through_the_proxy_loopback_does_not_count() -> None:
    # nginx on the same machine connects from 127.0.0.1 but always sets X-Forwarded-For.
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 401


def test_system_administrator_reads_the_metrics(cast: Any) -> None:
    client = client_for(cast.sysadmin)
    client.get("/", **OUTSIDE)
    response = client.get("/metrics", **OUTSIDE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert (
        'amahoro_http_request_duration_seconds_bucket{le="0.1",method="GET",status="2xx",view="site:home"}'
        in text
    )
    assert "amahoro_decryption_failures_total" in text


@override_settings(
    AMAHORO_METRICS_TOKEN=TOKEN, SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["amahoro.example.org"]
)
def test_token_and_direct_loopback_scrapers_need_no_https_nor_allowed_host() -> None:
    client = Client()
    with_token = client.get(
        "/metrics", HTTP_HOST="10.0.0.5:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **OUTSIDE
    )
    assert with_token.status_code == 200 and b"amahoro_http_request_duration_seconds" in with_token.content
    loopback = client.get("/metrics", HTTP_HOST="127.0.0.1:8000")
    assert loopback.status_code == 200


def test_decryption_failures_are_counted() -> None:
    from amahoro.core import crypto

    before = value(metrics.exposition()[0].decode(), "amahoro_decryption_failures_total")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt("enc1:not-a-token")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_bytes(b"not-a-token")
    after = value(metrics.exposition()[0].decode(), "amahoro_decryption_failures_total")
    assert after == before + 2


def test_last_backup_age_from_the_backup_directory(settings: Any, tmp_path: Path) -> None:
    settings.AMAHORO_BACKUP_DIR = str(tmp_path)
    assert "amahoro_last_backup_age_seconds" not in metrics.exposition()[0].decode()  # no backup yet
    (tmp_path / "nightly").mkdir()
    old, new = tmp_path / "nightly" / "a.dump", tmp_path / "nightly" / "b.dump"
    for path, age in ((old, 7200), (new, 3600)):
        path.write_bytes(b"x")
        os.utime(path, (time.time() - age, time.time() - age))
    assert 3590 <= value(metrics.exposition()[0].decode(), "amahoro_last_backup_age_seconds") <= 3700


def test_queue_depth_and_heartbeat_age(monkeypatch: Any) -> None:
    from amahoro.core import health

    monkeypatch.setattr(metrics, "queue_lengths", lambda: {"celery": 7})
    health.worker_heartbeat()
    text = metrics.exposition()[0].decode()
    assert 'amahoro_task_queue_length{queue="celery"} 7.0' in text
    assert value(text, "amahoro_worker_heartbeat_age_seconds") < 5


def test_queue_depth_reads_the_redis_broker(settings: Any) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.delete("celery")
        client.rpush("celery", "a", "b")
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = url
    try:
        assert metrics.queue_lengths() == {"celery": 2}
    finally:
        client.delete("celery")
