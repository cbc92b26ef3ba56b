"""Prometheus metrics at `/metrics` (text exposition format): request latency, decryption failures, and,
read when scraped, the task queue depth, the last backup's age, the worker heartbeat's and the analytics
store's age, and the e-mail and SMS notifications failed (last 24 hours) or being retried.

Only system administrators, holders of the bearer token AMAHORO_METRICS_TOKEN, or a scraper on the same
machine talking to the app server directly (loopback, no proxy headers) may read it.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does): every
worker then writes its counters there and a scrape of any worker sums them all.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "amahoro_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, view and status class.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
DECRYPTION_FAILURES = Counter(
    "amahoro_decryption_failures",
    "Encrypted values or files that no configured key could decrypt.",
    registry=REGISTRY,
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(*, method: str, status: int, view: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(
        method=method if method in _METHODS else "other", view=view, status=f"{status // 100}xx"
    ).observe(seconds)


def decryption_failed() -> None:
    DECRYPTION_FAILURES.inc()


def backup_age_seconds() -> float | None:
    """Age of the newest file under AMAHORO_BACKUP_DIR (where `amahoro backup` writes), None without one."""
    configured = str(getattr(settings, "AMAHORO_BACKUP_DIR", "") or "")
    if not configured or not Path(configured).is_dir():
        return None
    newest = max((p.stat().st_mtime for p in Path(configured).rglob("*") if p.is_file()), default=None)
    import time

    return None if newest is None else max(0.0, time.time() - newest)


def queue_lengths() -> dict[str, int]:
    """Tasks waiting in each Celery queue, when the broker is Redis (Celery keeps a queue as a list)."""
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if not broker.startswith("redis"):
        return {}
    import redis

    queues = [str(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery")]
    client = redis.Redis.from_url(broker, socket_connect_timeout=2, socket_timeout=2)
    return {queue: int(client.llen(queue)) for queue in queues}  # type: ignore[arg-type]


class ScrapeTimeCollector:
    """Gauges read when /metrics is scraped; one that cannot be read is left out (absent() alerts on it)."""

    def collect(self) -> Iterator[Metric]:
        from amahoro.core import health

        gauges: list[tuple[str, str, Any]] = [
            (
                "amahoro_last_backup_age_seconds",
                "Seconds since the newest file in AMAHORO_BACKUP_DIR.",
                backup_age_seconds,
            ),
            (
                "amahoro_worker_heartbeat_age_seconds",
                "Seconds since a Celery worker last ran the heartbeat task.",
                health.heartbeat_age_seconds,
            ),
            (
                "amahoro_analytics_store_age_seconds",
                "Seconds since the analytics store was last built.",
                health.store_age_seconds,
            ),
        ]
        for name, text, read in gauges:
            try:
                value = read()
            except Exception:  # a broken source must not break the rest of the scrape
                value = None
            if value is not None:
                yield GaugeMetricFamily(name, text, value=value)
        try:
            deliveries = health.delivery_counts()
        except Exception:
            deliveries = None
        if deliveries is not None:
            yield GaugeMetricFamily(
                "amahoro_notification_deliveries_failed",
                "E-mail and SMS notifications given up on, created in the last 24 hours.",
                value=deliveries.get("failed", 0),
            )
            yield GaugeMetricFamily(
                "amahoro_notification_deliveries_retrying",
                "E-mail and SMS notifications that failed at least twice and are being retried.",
                value=deliveries.get("retrying", 0),
            )
        try:
            lengths = queue_lengths()
        except Exception:
            lengths = {}
        if lengths:
            family = GaugeMetricFamily(
                "amahoro_task_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
            )
            for queue, length in lengths.items():
                family.add_metric([queue], length)
            yield family


REGISTRY.register(ScrapeTimeCollector())  # type: ignore[arg-type]


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(ScrapeTimeCollector())  # type: ignore[arg-type]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# ---------------------------------------------------------------------------------------------------------
# Who may read it


def token_allows(request: Any) -> bool | None:
    """True for the right bearer token, False for a wrong one, None when no bearer token was sent."""
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if not header.lower().startswith("bearer "):
        return None
    expected = str(getattr(settings, "AMAHORO_METRICS_TOKEN", "") or "")
    given = header[len("bearer ") :].strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def direct_loopback(request: Any) -> bool:
    """A scraper on this machine talking to the app server itself. Requests through the proxy also come from
    loopback, but carry its forwarding headers (deploy/nginx.conf always sets them), so they do not count."""
    if any(request.META.get(h) for h in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", ""))).is_loopback
    except ValueError:
        return False
