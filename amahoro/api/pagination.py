"""Standard pagination: {count, next, previous, results}; `page_size` up to 20,000 gets everything in one go.

A `page` or `page_size` that is not a positive whole number is a 400 naming the parameter, and a page past
the end a 404 naming `page` (DRF would answer 404 for both and silently ignore a bad `page_size`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound as DRFNotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from amahoro.core.errors import NotFound, ValidationFailed


def _positive_int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number, got '{raw[:50]}'", field=name) from None
    if value < 1:
        raise ValidationFailed(f"{name} must be 1 or more, got {value}", field=name)
    return value


class Pagination(PageNumberPagination):
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 20000

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        return min(_positive_int(raw, self.page_size_query_param), self.max_page_size)

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        raw = request.query_params.get(self.page_query_param, "")
        if raw not in ("", *self.last_page_strings):
            _positive_int(raw, self.page_query_param)
        try:
            return super().paginate_queryset(queryset, request, view)
        except DRFNotFound:
            raise NotFound(f"page {raw} does not exist", field=self.page_query_param) from None
