"""Keeps the request's IP, user agent and an id in a context variable for audit rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from amahoro.core.client import client_ip

from .context import RequestContext, reset_context, set_context

__all__ = ["AuditContextMiddleware", "client_ip"]


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_context(
            RequestContext(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                request_id=str(uuid.uuid4()),
            )
        )
        try:
            return self.get_response(request)
        finally:
            reset_context(token)
