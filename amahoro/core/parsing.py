"""The one request-parsing layer of the API: bounded JSON bodies and date/time query parameters.

Every malformed body is a 400 (413 when too large) with a message, never a 500: JSON nested deeper than
AMAHORO_API_MAX_JSON_DEPTH, larger than AMAHORO_API_MAX_JSON_BYTES, not UTF-8, with NaN/Infinity or a
number too large to hold, or whose top level is not an object (no endpoint takes a bare array or scalar).
`JSONObjectParser` is DRF's default JSON parser (settings REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]);
endpoints that read a raw body call `json_loads` so they share the same limits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from amahoro.core.errors import AmahoroError, ValidationFailed

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class MalformedBody(AmahoroError):
    """A body that cannot be read as what the endpoint takes: 400 naming the body (or the value at fault)."""

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(
            f"{field}: {message}" if field != "body" else message, field=field, code="parse_error"
        )


class BodyTooLarge(AmahoroError):
    status = 413

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body", code="too_large")


def max_depth() -> int:
    return int(getattr(settings, "AMAHORO_API_MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH))


def max_bytes() -> int:
    return int(getattr(settings, "AMAHORO_API_MAX_JSON_BYTES", DEFAULT_MAX_BYTES))


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def _dotted(link: Any) -> str:
    parts: list[str] = []
    while link is not None:
        link, key = link
        parts.append(str(key))
    return ".".join(reversed(parts)) or "body"


def _check_values(value: Any, limit: int) -> None:
    """Refuse nesting deeper than `limit`, numbers beyond a float (1e400) and NUL characters, naming the
    dotted path of the value at fault. Iterative: a deep value cannot exhaust the stack."""
    stack: list[tuple[Any, int, Any]] = [(value, 1, None)]
    while stack:
        item, depth, link = stack.pop()
        if isinstance(item, float) and math.isinf(item):
            raise MalformedBody("the number is too large", field=_dotted(link))
        if isinstance(item, str):
            if "\x00" in item:
                raise MalformedBody("text may not contain NUL characters", field=_dotted(link))
            continue
        if isinstance(item, dict):
            pairs: Any = item.items()
        elif isinstance(item, list):
            pairs = enumerate(item)
        else:
            continue
        if depth > limit:
            raise MalformedBody(f"the JSON body nests deeper than {limit} levels")
        for key, child in pairs:
            if isinstance(key, str) and "\x00" in key:
                raise MalformedBody("names may not contain NUL characters", field=_dotted(link))
            stack.append((child, depth + 1, (link, key)))


def json_loads(raw: bytes | str, *, require_object: bool = False) -> Any:
    """Parse a JSON body within the API's limits; every refusal is a MalformedBody (400) with a message.
    Callers reading a raw body (dataValueSets) bound its size themselves."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedBody("the body is not UTF-8 text") from None
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise MalformedBody(f"the JSON body nests deeper than {max_depth()} levels") from None
    except ValueError as exc:  # JSONDecodeError, too many digits, infinite numbers
        raise MalformedBody(f"the body is not valid JSON: {str(exc)[:200]}") from None
    _check_values(value, max_depth())
    if require_object and not isinstance(value, dict):
        raise MalformedBody(f"expected a JSON object, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number"


class JSONObjectParser(JSONParser):
    """application/json bodies: a JSON object within the limits of `json_loads`."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        if stream is None:
            return {}
        raw = stream.read(max_bytes() + 1)
        if len(raw) > max_bytes():
            raise BodyTooLarge(f"the JSON body is larger than {max_bytes() // (1024 * 1024)} MB")
        return json_loads(raw, require_object=True)


def json_object(data: Any, *, field: str = "body") -> Mapping[str, Any]:
    """`request.data` as a mapping (a JSON object or a form); anything else is a 400 naming `field`."""
    if not isinstance(data, Mapping):
        raise ValidationFailed(f"expected a JSON object, got {_kind(data)}", field=field)
    return data


def query_date(params: Mapping[str, Any], name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter (absent or empty: None); a bad or impossible date is a 400 naming it."""
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a date as YYYY-MM-DD, got '{raw[:30]}'", field=name) from None


def query_datetime(params: Mapping[str, Any], name: str) -> dt.datetime | None:
    """A date (midnight UTC) or an ISO 8601 time; a bad or impossible one (0000-00-00) is a 400 naming it."""
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    text = raw if "T" in raw or " " in raw else f"{raw}T00:00:00+00:00"
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationFailed(f"{name} must be a date or an ISO 8601 time, got '{raw[:30]}'", field=name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


class RefuseNulQueryMiddleware:
    """/api/ query parameters holding a NUL character are a 400 naming the parameter (PostgreSQL refuses
    NUL in text, which would otherwise surface as a 500 wherever a parameter reaches a query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    shown = name.replace("\x00", "")[:50]
                    return JsonResponse(
                        {
                            "error": f"{shown}: may not contain NUL characters",
                            "code": "parse_error",
                            "field": shown,
                        },
                        status=400,
                    )
        return self.get_response(request)


class FormObjectParser(FormParser):
    """application/x-www-form-urlencoded bodies: no NUL characters (named by field)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul_fields(data)
        return data


class MultiPartObjectParser(MultiPartParser):
    """multipart/form-data bodies: no NUL characters in the text fields (files are bytes, left alone)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul_fields(parsed.data)
        return parsed


def _refuse_nul_fields(data: Any) -> None:
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in str(v) for v in values):
            raise MalformedBody("text may not contain NUL characters", field=name.replace("\x00", "")[:50])
