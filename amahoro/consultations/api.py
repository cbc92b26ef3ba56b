"""REST endpoints of consultations (mounted under /api/v1/consultations/). Thin: services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Node, NodeKind
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s
from .models import ConsultationRound


def _org(code: str | None) -> Organisation | None:
    return organisation_by_code((code or "")[:50], field="organisation", active=False, required=False)


def _round(request: Request, uuid: Any) -> ConsultationRound:
    return selectors.round_get(user=request.user, uuid=uuid)


class RoundList(APIView):
    @extend_schema(operation_id="consultation_rounds", responses={200: s.RoundListOut, **rest.errors()})
    def get(self, request: Request) -> Response:
        rounds = selectors.rounds_visible_to(user=request.user).order_by("-created_at")
        return Response(s.RoundListOut({"rounds": rounds.select_related("framework", "organisation")}).data)

    @extend_schema(
        operation_id="consultation_round_create",
        request=s.RoundIn,
        responses={201: s.RoundOut, **rest.errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        data = rest.parse(s.RoundIn, request.data)
        code = data["framework"]
        try:
            fw = fw_selectors.framework_get(user=request.user, code=code)
        except NotFound:
            raise NotFound(f"framework '{code}' not found", field="framework") from None
        org = organisation_by_code(data["organisation"], field="organisation", active=False)
        rnd = services.round_create(
            actor=request.user,
            framework=fw,
            organisation=org,
            title=data["title"],
            description=data["description"],
            period=data["period"] or "",
        )
        return Response(s.RoundOut(rnd).data, status=201)


class RoundDetail(APIView):
    @extend_schema(operation_id="consultation_round", responses={200: s.RoundDetailOut, **rest.errors(404)})
    def get(self, request: Request, uuid: Any) -> Response:
        rnd = _round(request, uuid)
        assessments = selectors.assessments_visible_to(user=request.user, round=rnd)
        return Response({**s.RoundOut(rnd).data, "assessments": s.AssessmentOut(assessments, many=True).data})


class RoundAction(APIView):
    @extend_schema(
        operation_id="consultation_round_action",
        request=None,
        responses={200: s.RoundOut, **rest.errors(404, 409)},
    )
    def post(self, request: Request, uuid: Any, action: str) -> Response:
        rnd = _round(request, uuid)
        if action == "publish":
            rnd = services.round_publish(actor=request.user, round=rnd)
        elif action == "unpublish":
            rnd = services.round_unpublish(actor=request.user, round=rnd)
        elif action in ("open", "close"):
            rnd = services.round_set_status(
                actor=request.user, round=rnd, status="open" if action == "open" else "closed"
            )
        else:
            raise NotFound(f"unknown action '{action[:20]}'")
        return Response(s.RoundOut(rnd).data)


class AssessmentCreate(APIView):
    @extend_schema(
        operation_id="consultation_assess",
        request={"application/json": s.AssessmentIn, "multipart/form-data": s.AssessmentIn},
        responses={201: s.AssessmentOut, **rest.errors(400, 404)},
    )
    def post(self, request: Request, uuid: Any) -> Response:
        rnd = _round(request, uuid)
        data = rest.parse(s.AssessmentIn, request.data)
        code = data["outcome"]
        node = Node.objects.filter(framework=rnd.framework, code=code, kind=NodeKind.OUTCOME).first()
        if node is None:
            raise ValidationFailed(f"'{code}' is not an outcome of {rnd.framework.code}", field="outcome")
        assessment = services.assessment_submit(
            actor=request.user,
            round=rnd,
            node=node,
            rating=data["rating"],
            evidence=data["evidence"],
            comment=data["comment"],
            anonymous=data["anonymous"],
            organisation=_org(data.get("organisation")),
        )
        upload = data.get("file")
        if upload is not None:
            services.attachment_add(
                actor=request.user,
                assessment=assessment,
                filename=upload.name or "",
                content=upload.read(services.MAX_ATTACHMENT_BYTES + 1),
            )
        return Response(s.AssessmentOut(assessment).data, status=201)


class AssessmentDetail(APIView):
    @extend_schema(
        operation_id="consultation_assessment", responses={200: s.AssessmentOut, **rest.errors(404)}
    )
    def get(self, request: Request, uuid: Any) -> Response:
        return Response(s.AssessmentOut(selectors.assessment_get(user=request.user, uuid=uuid)).data)

    @extend_schema(
        operation_id="consultation_assessment_update",
        request=s.AssessmentUpdateIn,
        responses={200: s.AssessmentOut, **rest.errors(400, 404, 409)},
    )
    def patch(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        data = rest.parse(s.AssessmentUpdateIn, request.data)
        assessment = services.assessment_update(
            actor=request.user,
            assessment=assessment,
            rating=data.get("rating"),
            evidence=data.get("evidence"),
            comment=data.get("comment"),
        )
        return Response(s.AssessmentOut(assessment).data)


class AssessmentModerate(APIView):
    @extend_schema(
        operation_id="consultation_moderate",
        request=s.ModerationIn,
        responses={200: s.AssessmentOut, **rest.errors(400, 404)},
    )
    def post(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        data = rest.parse(s.ModerationIn, request.data)
        assessment = services.assessment_moderate(
            actor=request.user, assessment=assessment, decision=data["decision"], note=data["note"] or ""
        )
        return Response(s.AssessmentOut(assessment).data)


class AssessmentRespond(APIView):
    @extend_schema(
        operation_id="consultation_respond",
        request=s.AgencyResponseIn,
        responses={201: s.ResponseOut, **rest.errors(400, 404)},
    )
    def post(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        data = rest.parse(s.AgencyResponseIn, request.data)
        resp = services.response_submit(
            actor=request.user,
            assessment=assessment,
            text=data["text"],
            organisation=_org(data.get("organisation")),
        )
        return Response(s.ResponseOut(resp).data, status=201)


class RoundSummary(APIView):
    """The published summary (404 until published, unless the caller moderates the round)."""

    @extend_schema(operation_id="consultation_summary", responses={200: s.SummaryOut, **rest.errors(404)})
    def get(self, request: Request, uuid: Any) -> Response:
        rnd = _round(request, uuid)
        if not rnd.is_published and not policy.can(request.user, Perm.FRAMEWORK_MANAGE, rnd):
            raise NotFound("consultation round not found")
        rows = selectors.round_summary(round=rnd)
        return Response(s.SummaryOut(selectors.summary_as_dict(round=rnd, rows=rows)).data)
