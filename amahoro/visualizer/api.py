"""GET /api/v1/analytics (and .csv, .xlsx): DHIS2's analytics API over `query.run` (the same answer pages
get)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest, tabular
from amahoro.roles import Perm

from . import query
from .serializers import AnalyticsOut, AnalyticsQuery

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _answer(request: Request) -> dict[str, Any]:
    rest.parse_query(AnalyticsQuery, request)
    return query.run(user=request.user, params=request.query_params)


def table(answer: dict[str, Any]) -> list[list[str]]:
    """The answer as a table: the headers' column labels, then the rows."""
    return [[h["column"] for h in answer["headers"]], *answer["rows"]]


class AnalyticsAPIView(APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class Analytics(AnalyticsAPIView):
    @extend_schema(
        summary="Aggregated data in DHIS2's analytics shape (dx x pe x ou x categories)",
        operation_id="analytics",
        parameters=[AnalyticsQuery],
        responses={200: AnalyticsOut, **rest.errors(400)},
    )
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> Response:
        # The answer is built in AnalyticsOut's shape already (the serializer documents it; serializing
        # thousands of cells through it again would only cost time).
        return Response(_answer(request))


class AnalyticsCsv(AnalyticsAPIView):
    @extend_schema(
        summary="The analytics table as CSV (the headers' columns, then the rows)",
        operation_id="analytics_csv",
        parameters=[AnalyticsQuery],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"),
            **rest.errors(400),
        },
    )
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> HttpResponse:
        text = tabular.csv_text(table(_answer(request)))
        response = HttpResponse(text, content_type=tabular.CSV_TYPE)
        response["Content-Disposition"] = 'attachment; filename="analytics.csv"'
        return response


class AnalyticsXlsx(AnalyticsAPIView):
    @extend_schema(
        summary="The analytics table as an Excel workbook",
        operation_id="analytics_xlsx",
        parameters=[AnalyticsQuery],
        responses={
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            **rest.errors(400),
        },
    )
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> HttpResponse:
        content = tabular.xlsx_bytes([tabular.Sheet("analytics", table(_answer(request)), styled=True)])
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="analytics.xlsx"'
        return response


@extend_schema(exclude=True)
class AnalyticsAlias(Analytics):
    """The same JSON at `analytics.json` and DHIS2's `/api/analytics(.json)` (documented once, above)."""
