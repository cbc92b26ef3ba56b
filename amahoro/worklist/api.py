"""POST /api/v1/ewer/signals/<id>/case: a case worker opens a GBV case from a GBV signal (signal_cases.py).

The body is the case module's intake (POST /api/v1/gbv/incidents), with the survivor's consent; `org_unit`
may be left out (the signal's place); `organisation` is the signal's responder. Answers 201 with the case's
id and links; 403 without case intake for the signal's organisation and place, 404 for a signal the user
neither sees nor could open a case from, 409 for a signal that is not GBV or already has its case."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro.cases.inputs import incident_input
from amahoro.cases.serializers import GbvIncidentInputSerializer
from amahoro.core import rest
from amahoro.core.errors import ValidationFailed
from amahoro.warning import selectors as warning_selectors
from amahoro.warning import services as warning_services

from . import signal_cases

IDENT = OpenApiParameter("ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The signal id")


class SignalCaseOut(serializers.Serializer):  # type: ignore[type-arg]
    signal = serializers.UUIDField(help_text="The signal's id")
    case = serializers.UUIDField(help_text="The GBV case's id (the signal keeps only this link)")
    case_url = serializers.CharField(help_text="The case's page")
    case_api_url = serializers.CharField(help_text="The case in the API (/api/v1/gbv/incidents/<id>)")


class SignalCaseOpen(APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Open a GBV case from a GBV signal (a case worker of its responder; consent recorded in the case)",
        operation_id="ewer_signals_case_open",
        parameters=[IDENT],
        request=GbvIncidentInputSerializer,
        responses={201: SignalCaseOut, **rest.errors(400, 404, 409)},
    )
    def post(self, request: Request, ident: str) -> Response:
        signal = warning_selectors.signal_for_case(user=request.user, ident=ident)
        if not isinstance(request.data, dict):
            raise ValidationFailed("the body must be a JSON object", field="body")
        body = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        body.setdefault("org_unit", signal.org_unit.code)
        # Checked before the intake is parsed: a refusal says why, whatever the body holds.
        warning_services.signal_case_check(actor=request.user, signal=signal)
        data = incident_input(rest.parse(GbvIncidentInputSerializer, body))
        incident = signal_cases.signal_case_open(actor=request.user, signal=signal, data=data)
        out = {
            "signal": signal.uuid,
            "case": incident.uuid,
            "case_url": reverse("cases:detail", kwargs={"ident": incident.uuid}),
            "case_api_url": reverse("api:gbv-incident", kwargs={"ident": incident.uuid}),
        }
        return Response(SignalCaseOut(out).data, status=status.HTTP_201_CREATED)
