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


# Answered before SecurityMiddleware and CommonMiddleware: a load balancer probes the app servers over plain
# HTTP with its own Host header, so these must not redirect to HTTPS nor check ALLOWED_HOSTS. They reveal
# nothing but the check results.
HEALTH_PATHS = {"/health", "/health/live", "/health/ready"}


class HealthCheckMiddleware:
    """Answers /health, /health/live and /health/ready (and /metrics for a token or a direct loopback
    scraper) itself, before any middleware that redirects or validates the Host header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
            from amahoro.core import views

            return views.health_response(request, path)
        if path == "/metrics" and request.method == "GET":
            from amahoro.core import metrics, views

            if metrics.token_allows(request) or metrics.direct_loopback(request):
                return views.metrics_response()
        return self.get_response(request)
