"""REST endpoints of participation (mounted under /api/v1/participation/)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.roles import Perm

from . import selectors, services


class PeacekeepingImport(APIView):
    """POST participation/peacekeeping (multipart `file`; `country` ISO alpha-3, default RWA; `dry_run`)."""

    @extend_schema(
        operation_id="participation_peacekeeping_import",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing saved"),
        },
    )
    def post(self, request: Request) -> Response:
        if not policy.has_perm(request.user, Perm.DATA_ENTER):
            raise PermissionDenied("you do not have the 'data.enter' permission")
        if not isinstance(request.data, dict):
            raise ValidationFailed("send the CSV as multipart form data with 'file'", field="file")
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("attach the CSV as 'file'", field="file")
        dry_run = str(request.data.get("dry_run", "")).lower() in ("true", "1", "yes", "on")
        result = services.peacekeeping_csv_import(
            actor=request.user,
            content=upload.read(services.MAX_BYTES + 1),
            country=str(request.data.get("country") or "RWA"),
            dry_run=dry_run,
        )
        return Response({"status": "DRY_RUN" if dry_run else "OK"} | result.as_dict())


class Parity(APIView):
    @extend_schema(operation_id="participation_parity", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        if not policy.has_perm(request.user, Perm.DATA_VIEW):
            raise PermissionDenied("you do not have the 'data.view' permission")
        return Response({"personnel_types": selectors.parity_series(user=request.user)})


class Representation(APIView):
    @extend_schema(operation_id="participation_representation", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        if not policy.has_perm(request.user, Perm.DATA_VIEW):
            raise PermissionDenied("you do not have the 'data.view' permission")
        return Response(
            {
                "latest": selectors.representation_latest(user=request.user),
                "history": selectors.representation_history(user=request.user),
            }
        )
