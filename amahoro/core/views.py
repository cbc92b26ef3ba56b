"""The health checks and the metrics endpoint (the home, about and help pages are in `amahoro.site`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from amahoro import policy
from amahoro.core import health, metrics


def health_response(request: HttpRequest, path: str) -> HttpResponse:
    """/health/live: the process answers. /health/ready: this host can serve (core.health). /health: the
    database answers (the original check, kept for load balancers already pointed at it). 503 when not."""
    if path == "/health/live":
        body: dict[str, object] = {"status": "ok"}
        status = 200
    elif path == "/health/ready":
        report = health.ready()
        strict = request.GET.get("strict") in ("1", "true", "yes")
        body = report.as_json(strict=strict)
        status = 503 if body["status"] == health.FAIL else 200
    else:
        report = health.legacy()
        ok = report.status() == health.OK
        body = {"status": "ok"} if ok else {"status": "error", "checks": report.checks}
        status = 200 if ok else 503
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def health_view(request: HttpRequest) -> HttpResponse:
    # Normally answered by HealthCheckMiddleware before routing; this keeps the URL names working.
    return health_response(request, request.path_info.rstrip("/") or "/")


def metrics_response() -> HttpResponse:
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    """/metrics for a signed-in system administrator (token and loopback scrapers are answered by
    HealthCheckMiddleware). Anyone else: 401 without credentials or with a wrong token, 403 otherwise."""
    token = metrics.token_allows(request)
    if token:
        return metrics_response()
    if token is False or not request.user.is_authenticated:
        response = JsonResponse({"error": "authentication required", "code": "not_authenticated"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="amahoro-metrics"'
        return response
    if not policy.is_system_admin(request.user):
        return JsonResponse({"error": "system administrators only", "code": "permission_denied"}, status=403)
    return metrics_response()
