"""The REST toolkit of every app's `api.py`: one input contract per endpoint, parsed in one place.

An endpoint declares an input serializer (a `StrictInput`: unknown fields are refused) and an output
serializer; `parse()` validates a body with the first, `parse_query()` the query string, and the same classes
feed the OpenAPI document through `extend_schema(request=..., responses=...)`. Any malformed input becomes a
400 naming the field (through the API's exception handler), never a 500.

Apps import this module, never `amahoro.api` (the top layer, which only authenticates, paginates, renders
errors and builds the schema)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from amahoro.core.errors import ValidationFailed
from amahoro.core.parsing import json_loads, query_date, query_datetime

__all__ = [
    "QUERY_TEXT_MAX",
    "ErrorSerializer",
    "PageQuery",
    "ParamsMixin",
    "StrictInput",
    "UploadField",
    "date_param",
    "errors",
    "flag_param",
    "json_loads",
    "parse",
    "parse_query",
    "query_date",
    "query_datetime",
    "text_param",
]

S = TypeVar("S", bound=serializers.BaseSerializer[Any])


class StrictInput(serializers.Serializer):  # type: ignore[type-arg]
    """Rejects fields it does not know, so a typo in a request body is a 400 rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [f"unknown field (expected one of: {', '.join(self.fields)})"]}
                )
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent as a multipart field (documented as binary in the OpenAPI document)."""


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The one error shape of the API (see amahoro/api/errors.py)."""

    error = serializers.CharField(help_text="What is wrong, naming the field, row or column at fault")
    code = serializers.CharField(help_text="A stable machine-readable code")
    field = serializers.CharField(required=False, help_text="The field (dotted path) at fault, if any")


_DESCRIBED = {
    400: "Bad input; the message names the field",
    401: "Not authenticated",
    403: "Missing permission",
    404: "Missing, or not visible to you (the same answer)",
    409: "Conflict (stale edit, duplicate or impossible state change); nothing was written",
    413: "The body or file is too large",
}


def errors(*extra: int) -> dict[int, OpenApiResponse]:
    """OpenAPI answers for the errors an endpoint may give: 401 and 403 always, plus `extra` (400, 404, 409)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIBED[code]) for code in (401, 403, *extra)
    }


def parse(serializer_class: type[serializers.BaseSerializer[Any]], data: Any, **context: Any) -> Any:
    """Validate a request body with the endpoint's input serializer and return its validated data.

    The body must be a JSON object (or form); the serializer's first error becomes a 400 naming the field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("the body must be a JSON object", field="body")
    partial = bool(context.pop("partial", False))
    serializer = serializer_class(data=data, context=context, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _refuse_unknown(names: Any, allowed: set[str]) -> None:
    allowed = allowed | {"format"}
    for name in names:
        if name not in allowed:
            close = difflib.get_close_matches(name, sorted(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (expected: {', '.join(sorted(allowed))})"
            raise ValidationFailed(f"unknown query parameter '{name}'{hint}", field=name)


def parse_query(serializer_class: type[serializers.Serializer[Any]], request: Request, **context: Any) -> Any:
    """Validate the query string with a serializer whose fields are the parameters the endpoint takes
    (unknown parameters, except `format`, are refused). Repeated parameters: a `ListField` gets them all.
    A blank parameter (`?since=`) is as if it were not given."""
    fields = serializer_class().fields
    _refuse_unknown(request.query_params.keys(), set(fields))
    data: dict[str, Any] = {}
    for name in request.query_params:
        if name == "format" and name not in fields:
            continue
        values = [v for v in request.query_params.getlist(name) if v.strip()]
        if not values:
            continue
        data[name] = values if isinstance(fields.get(name), serializers.ListField) else values[-1]
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(OpenApiTypes.INT)
class _PageField(serializers.CharField):
    """A page number, documented as the paginator documents it (it also takes `last`)."""


class PageQuery(serializers.Serializer):  # type: ignore[type-arg]
    """The paginator's `page` and `page_size`, for the query serializer of a paginated list endpoint, so that
    `parse_query` accepts them (the paginator checks `page` and answers a page past the end with 404)."""

    page = _PageField(required=False, help_text="A page number (from 1), or `last`")
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Results per page",
        error_messages={"invalid": "must be a whole number", "min_value": "must be 1 or more"},
    )


# Fields of query serializers, with messages that name what is expected (the field is named by the handler).
QUERY_TEXT_MAX = 100


def text_param(help_text: str, max_length: int = QUERY_TEXT_MAX) -> serializers.CharField:
    """An optional text parameter of at most `max_length` characters."""
    return serializers.CharField(
        required=False,
        max_length=max_length,
        help_text=help_text,
        error_messages={"max_length": "longer than {max_length} characters"},
    )


def flag_param(help_text: str, default: bool | None = None) -> serializers.BooleanField:
    """An optional true/false parameter (1/0, yes/no, on/off too); absent gives `default`."""
    kwargs: dict[str, Any] = {"required": False} if default is None else {"default": default}
    return serializers.BooleanField(
        help_text=help_text, error_messages={"invalid": "must be true or false, got '{input}'"}, **kwargs
    )


def date_param(help_text: str) -> serializers.DateField:
    """An optional day as YYYY-MM-DD."""
    return serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text=help_text,
        error_messages={
            "invalid": "must be a date as YYYY-MM-DD",
            "datetime": "must be a date as YYYY-MM-DD",
        },
    )


class ParamsMixin:
    """For APIViews: only the query parameters a view declares (for GET; none for writes) plus `format`."""

    allowed_params: frozenset[str] = frozenset()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authentication first: 401 before 400
        allowed = set(self.allowed_params) if request.method in ("GET", "HEAD") else set()
        _refuse_unknown(request.query_params.keys(), allowed)
