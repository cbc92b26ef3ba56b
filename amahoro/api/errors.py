"""One error shape for the API: {"error": message, "field": name?, "code": ...} with a 4xx status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from amahoro.core.errors import AmahoroError


def _first_message(detail: Any, path: str = "") -> tuple[str, str]:
    """The first error and the dotted name of its field; a list of objects (many=True) names the index,
    and skips the entries that had no error (DRF reports those as empty dicts)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if not value:
                continue
            sub = f"{path}.{key}" if path else str(key)
            return _first_message(value, path if key == "non_field_errors" else sub)
    if isinstance(detail, list):
        for i, item in enumerate(detail):
            if not item:
                continue
            return _first_message(item, f"{path}.{i}" if isinstance(item, dict) else path)
    return str(detail), path


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AmahoroError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, RequestDataTooBig):  # a JSON/form body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"error": "the request body is too large", "code": "too_large", "field": "body"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        return Response({"error": "not found", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        message, field = _first_message(exc.detail)
        body: dict[str, Any] = {
            "error": f"{field}: {message}" if field else message,
            "code": "invalid",
            "errors": exc.detail,
        }
        if field:
            body["field"] = field
        response.data = body
    elif isinstance(exc, exceptions.APIException):
        response.data = {"error": str(exc.detail), "code": exc.default_code}
    return response
