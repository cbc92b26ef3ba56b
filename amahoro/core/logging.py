"""Logs as JSON lines in UTC, each carrying the request id, the user and the client address of the request
being served; and the middleware that sets that context, logs one line per request and times it.

Nothing survivor-identifying goes in: the path is logged without its query string (searches carry phone
numbers), the user as an id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("amahoro_request", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy (nginx's $request_id) is kept when it looks like one; anything else is replaced.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_log = logging.getLogger("amahoro.request")


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`: the socket peer, or, behind a trusted proxy
    (AMAHORO_TRUSTED_PROXIES), the address it forwarded (core.client.client_ip, shared with lockout and audit)."""
    from amahoro.core.client import client_ip

    return client_ip(request) or ""


def current_request() -> HttpRequest | None:
    return _request.get()


def _user_id(request: HttpRequest) -> int | str | None:
    # Only a user some code already loaded: logging must never query the database itself.
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:  # a SimpleLazyObject nobody has evaluated
        return None
    if getattr(wrapped, "is_authenticated", False):
        return getattr(wrapped, "pk", None)
    return None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user and client to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        if request is not None:
            record.request_id = getattr(request, "request_id", None)
            record.user = _user_id(request)
            record.client = client_address(request)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601 with Z), level, logger, message, request_id, user,
    client, and fields a caller passes as `extra={"fields": {...}}`; exceptions as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        entry: dict[str, Any] = {
            "ts": ts,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "user", "client"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class UtcFormatter(logging.Formatter):
    """The plain (development) format, also in UTC with a Z, so it lines up with gunicorn's and nginx's."""

    converter = time.gmtime  # type: ignore[assignment]
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


class RequestContextMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when well-formed), makes the request the logging
    context, logs one line when it is answered and records its latency for /metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        token = _request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
            view = getattr(getattr(request, "resolver_match", None), "view_name", None) or ""
            from amahoro.core import metrics

            metrics.observe_request(
                method=request.method or "", status=response.status_code, view=view, seconds=seconds
            )
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                    }
                },
            )
            return response
        finally:
            _request.reset(token)
