"""REST endpoints of participation (mounted under /api/v1/participation/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.roles import Perm

from . import selectors, services
from .serializers import ParityOut, PeacekeepingImportOut, PeacekeepingIn, RepresentationOut


class PeacekeepingImport(APIView):
    """POST participation/peacekeeping (multipart `file`; `country` ISO alpha-3, default RWA; `dry_run`)."""

    @extend_schema(
        operation_id="participation_peacekeeping_import",
        request={"multipart/form-data": PeacekeepingIn},
        responses={200: PeacekeepingImportOut, **rest.errors(400)},
    )
    @policy.requires(Perm.DATA_ENTER)
    def post(self, request: Request) -> Response:
        data = rest.parse(PeacekeepingIn, request.data)
        result = services.peacekeeping_csv_import(
            actor=request.user,
            content=data["file"].read(services.MAX_BYTES + 1),
            country=data["country"] or "RWA",
            dry_run=data["dry_run"],
        )
        status = "DRY_RUN" if data["dry_run"] else "OK"
        return Response(PeacekeepingImportOut({"status": status} | result.as_dict()).data)


class Parity(APIView):
    @extend_schema(operation_id="participation_parity", responses={200: ParityOut, **rest.errors()})
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> Response:
        return Response(ParityOut({"personnel_types": selectors.parity_series(user=request.user)}).data)


class Representation(APIView):
    @extend_schema(
        operation_id="participation_representation", responses={200: RepresentationOut, **rest.errors()}
    )
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> Response:
        figures = {
            "latest": selectors.representation_latest(user=request.user),
            "history": selectors.representation_history(user=request.user),
        }
        return Response(RepresentationOut(figures).data)
