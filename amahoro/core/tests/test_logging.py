"""Logs are JSON lines in UTC ('Z'), each with the request id, the user and the client address of the
request being served; the request line leaves the query string out."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from amahoro.core.logging import JsonFormatter, RequestContextFilter, UtcFormatter
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The handler production uses (JSON formatter, request filter) on the request logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("amahoro.request")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_request_line_carries_request_id_user_and_client_in_utc(cast: Any, log_lines: io.StringIO) -> None:
    client = client_for(cast.me_nyarugenge)
    response = client.get("/", HTTP_X_REQUEST_ID="a1b2c3d4e5f60718", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "a1b2c3d4e5f60718"
    [entry] = [e for e in lines(log_lines) if e["path"] == "/"]
    assert entry["ts"].endswith("Z") and entry["ts"][10] == "T"
    assert entry["level"] == "INFO" and entry["logger"] == "amahoro.request"
    assert entry["request_id"] == "a1b2c3d4e5f60718"
    assert entry["user"] == cast.me_nyarugenge.pk
    assert entry["client"] == "198.51.100.7"
    assert entry["method"] == "GET" and entry["status"] == 200 and entry["duration_ms"] >= 0


def test_a_malformed_request_id_is_replaced_and_the_query_string_is_not_logged(
    cast: Any, log_lines: io.StringIO
) -> None:
    response = client_for(cast.me_nyarugenge).get("/?q=0788123456", HTTP_X_REQUEST_ID='bad id"\n{injected}')
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and rid.isalnum()
    text = log_lines.getvalue()
    assert "0788123456" not in text and "injected" not in text
    assert lines(log_lines)[-1]["request_id"] == rid


def test_anonymous_requests_log_no_user(log_lines: io.StringIO) -> None:
    from django.test import Client

    Client().get("/accounts/login/")
    entry = lines(log_lines)[-1]
    assert "user" not in entry and entry["client"] == "127.0.0.1"


def test_formatter_writes_utc_whatever_the_time_zone(monkeypatch: Any) -> None:
    import time

    monkeypatch.setenv("TZ", "Africa/Kigali")
    time.tzset()
    try:
        record = logging.LogRecord("amahoro.x", logging.WARNING, __file__, 1, "hello %s", ("there",), None)
        record.created, record.msecs = 1_780_000_000.25, 250.0  # 2026-05-28T20:26:40.250Z
        entry = json.loads(JsonFormatter().format(record))
        assert entry == {
            "ts": "2026-05-28T20:26:40.250Z",
            "level": "WARNING",
            "logger": "amahoro.x",
            "message": "hello there",
        }
        plain = UtcFormatter("%(asctime)s %(message)s").format(record)
        assert plain == "2026-05-28T20:26:40.250Z hello there"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_exceptions_are_one_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("amahoro.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exc"]


def test_behind_a_trusted_proxy_the_forwarded_client_is_logged_and_a_spoof_is_not(
    log_lines: io.StringIO, settings: Any
) -> None:
    from django.test import Client

    settings.AMAHORO_TRUSTED_PROXIES = ["127.0.0.1"]
    Client().get("/accounts/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert lines(log_lines)[-1]["client"] == "203.0.113.9"
    Client().get("/accounts/login/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert lines(log_lines)[-1]["client"] == "198.51.100.7"  # not a proxy: its header is not believed
