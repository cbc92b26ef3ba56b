"""GET /api/v1/reports (the reports the caller may use), GET /api/v1/reports/<code>.<pdf|xlsx> (a report file,
rendered in the request as the caller) and the runs API (a render queued, polled, then fetched)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound, ValidationFailed

from . import kinds, runs, services
from .fields import params_of
from .kinds import CONTENT_TYPES
from .serializers import NoQuery, ReportKindOut, ReportQuery, RunIn, RunOut

FILE_FORMATS = ("pdf", "xlsx")


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def kind_out(kind: kinds.ReportKind) -> dict[str, Any]:
    return {
        "code": kind.code,
        "title": str(kind.title),
        "description": str(kind.description),
        "formats": list(kind.formats),
        "params": [
            {"name": p.name, "label": str(p.label), "required": p.required, "hint": str(p.hint)}
            for p in params_of(kind)
        ],
        "frequencies": list(kind.frequencies),
        "urls": {fmt: f"/api/v1/reports/{kind.code}.{fmt}" for fmt in kind.formats},
    }


def kinds_for(user: Any) -> list[kinds.ReportKind]:
    """The kinds `user` may use (by each kind's permission; the render checks the scope)."""
    return [kind for kind in kinds.all_kinds() if policy.has_perm(user, kind.perm)]


class NoStoreAPIView(APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class ReportList(NoStoreAPIView):
    @extend_schema(
        summary="The reports you may download, with their formats and parameters",
        operation_id="reports_list",
        responses={200: ReportKindOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        rest.parse_query(NoQuery, request)
        return Response(ReportKindOut([kind_out(k) for k in kinds_for(request.user)], many=True).data)


class ReportFile(NoStoreAPIView):
    @extend_schema(
        summary="A report as a PDF or Excel file, with the figures you may see",
        description=(
            "nap-progress.pdf|.xlsx?framework=&period=[&org_unit=]; itt.xlsx|.pdf?framework=&start=&end="
            "[&org_unit=]; gbv-monthly.pdf|.xlsx?org_unit=&period=yyyyMM. Every report takes lang=en|fr|rw."
        ),
        operation_id="reports_file",
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, enum=["nap-progress", "itt", "gbv-monthly"]),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FILE_FORMATS)),
            ReportQuery,
        ],
        responses={
            (200, CONTENT_TYPES["pdf"]): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            **rest.errors(400, 404),
        },
    )
    def get(self, request: Request, code: str, fmt: str) -> HttpResponse:
        kind = kinds.get(code)
        if fmt not in kind.formats:
            raise NotFound(f"report '{code}' comes as {', '.join(kind.formats)}, not '{fmt}'", field="format")
        policy.require(request.user, kind.perm)
        names = {p.name for p in params_of(kind)}
        for name in request.query_params:
            if len(request.query_params.getlist(name)) > 1:  # which one was meant? (not the last, silently)
                raise ValidationFailed(f"'{name}' is given more than once: give it once", field=name)
        given = rest.parse_query(ReportQuery, request)
        for name in given:
            if name not in names:
                raise ValidationFailed(
                    f"report '{code}' does not take '{name}' (it takes: {', '.join(sorted(names))})",
                    field=name,
                )
        params = {name: str(value) for name, value in given.items()}
        rendered = services.render(user=request.user, kind=kind.code, params=params, fmt=fmt)
        return attachment(rendered.content, rendered.content_type, rendered.filename)


class RunList(NoStoreAPIView):
    @extend_schema(
        summary="Queue a report render (poll the run, then fetch its file)",
        operation_id="reports_run_create",
        request=RunIn,
        responses={202: RunOut, **rest.errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        data = rest.parse(RunIn, request.data)
        run = runs.run_create(
            actor=request.user, kind=data["kind"], fmt=data["format"], params=data["params"]
        )
        run.refresh_from_db()
        return Response(RunOut(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Your recent report runs (kept for 7 days)",
        operation_id="reports_run_list",
        responses={200: RunOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        rest.parse_query(NoQuery, request)
        return Response(RunOut(runs.runs_of(user=request.user)[:100], many=True).data)


class RunDetail(NoStoreAPIView):
    @extend_schema(
        summary="A report run of yours: status, progress, stage",
        operation_id="reports_run_get",
        responses={200: RunOut, **rest.errors(404)},
    )
    def get(self, request: Request, uuid: str) -> Response:
        rest.parse_query(NoQuery, request)
        return Response(RunOut(runs.run_get(user=request.user, uuid=uuid)).data)


class RunFile(NoStoreAPIView):
    @extend_schema(
        summary="The file of a finished report run of yours (409 while it is not done)",
        operation_id="reports_run_file",
        responses={
            (200, CONTENT_TYPES["pdf"]): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            **rest.errors(404, 409),
        },
    )
    def get(self, request: Request, uuid: str) -> HttpResponse:
        rest.parse_query(NoQuery, request)
        run, content = runs.run_content(user=request.user, uuid=uuid)
        return attachment(content, run.content_type, run.filename)
