"""Security headers that Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = settings.CONTENT_SECURITY_POLICY.format(img=" ".join(settings.CSP_IMG_SRC)).replace(
            "  ", " "
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.csp)
        else:
            # The admin ships inline scripts; keep everything else locked down.
            response.headers.setdefault(
                "Content-Security-Policy",
                self.csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
            )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
