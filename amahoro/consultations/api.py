"""REST endpoints of consultations (mounted under /api/v1/consultations/). Thin: services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Node, NodeKind
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import selectors, services
from .models import AgencyResponse, Assessment, ConsultationRound


def _round_dict(r: ConsultationRound) -> dict[str, Any]:
    return {
        "id": str(r.uuid),
        "title": r.title,
        "framework": r.framework.code,
        "convener": r.organisation.code,
        "period": r.period or None,
        "status": r.status,
        "published_at": r.published_at.isoformat() if r.published_at else None,
    }


def _response_dict(resp: AgencyResponse) -> dict[str, Any]:
    return {"id": str(resp.uuid), "agency": resp.organisation.code, "text": resp.text}


def _assessment_dict(a: Assessment) -> dict[str, Any]:
    return {
        "id": str(a.uuid),
        "round": str(a.round.uuid),
        "outcome": a.node.code,
        # Never the organisation of an anonymous assessment: the row does not hold it.
        "organisation": None if a.anonymous or a.organisation is None else a.organisation.code,
        "anonymous": a.anonymous,
        "rating": a.rating,
        "evidence": a.evidence,
        "comment": a.comment,
        "moderation": a.moderation,
        "moderation_note": a.moderation_note,
        "attachments": [
            {"id": str(f.uuid), "size": f.size, "type": f.content_type} for f in a.attachments.all()
        ],
        "responses": [_response_dict(r) for r in a.responses.all()],
    }


def _org(data: Any) -> Organisation | None:
    code = str(data.get("organisation") or "").strip()
    if not code:
        return None
    org = Organisation.objects.filter(code=code[:50]).first()
    if org is None:
        raise ValidationFailed(f"unknown organisation '{code[:50]}'", field="organisation")
    return org


def _body(request: Request) -> Any:
    """The request body as a mapping (a JSON array or scalar is refused, naming the body)."""
    if not isinstance(request.data, dict):
        raise ValidationFailed("the body must be a JSON object (or a form)", field="body")
    return request.data


def _round(request: Request, uuid: Any) -> ConsultationRound:
    return selectors.round_get(user=request.user, uuid=uuid)


class RoundList(APIView):
    @extend_schema(operation_id="consultation_rounds", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        rounds = selectors.rounds_visible_to(user=request.user).order_by("-created_at")
        return Response({"rounds": [_round_dict(r) for r in rounds]})

    @extend_schema(
        operation_id="consultation_round_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        data = _body(request)
        code = str(data.get("framework") or "")[:50]
        if not code:
            raise ValidationFailed("framework is required", field="framework")
        try:
            fw = fw_selectors.framework_get(user=request.user, code=code)
        except NotFound:
            raise NotFound(f"framework '{code}' not found", field="framework") from None
        org = _org(data)
        if org is None:
            raise ValidationFailed("organisation (the convener) is required", field="organisation")
        rnd = services.round_create(
            actor=request.user,
            framework=fw,
            organisation=org,
            title=data.get("title", ""),
            description=data.get("description", ""),
            period=data.get("period", "") or "",
        )
        return Response(_round_dict(rnd), status=201)


class RoundDetail(APIView):
    @extend_schema(operation_id="consultation_round", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, uuid: Any) -> Response:
        rnd = _round(request, uuid)
        assessments = selectors.assessments_visible_to(user=request.user, round=rnd)
        return Response(_round_dict(rnd) | {"assessments": [_assessment_dict(a) for a in assessments]})


class RoundAction(APIView):
    @extend_schema(
        operation_id="consultation_round_action", request=None, responses={200: OpenApiTypes.OBJECT}
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
        return Response(_round_dict(rnd))


class AssessmentCreate(APIView):
    @extend_schema(
        operation_id="consultation_assess", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request, uuid: Any) -> Response:
        rnd = _round(request, uuid)
        data = _body(request)
        code = str(data.get("outcome") or "")[:50]
        node = Node.objects.filter(framework=rnd.framework, code=code, kind=NodeKind.OUTCOME).first()
        if node is None:
            raise ValidationFailed(f"'{code}' is not an outcome of {rnd.framework.code}", field="outcome")
        anonymous = data.get("anonymous", False)
        if isinstance(anonymous, str):
            anonymous = anonymous.lower() in ("true", "1", "yes", "on")
        assessment = services.assessment_submit(
            actor=request.user,
            round=rnd,
            node=node,
            rating=data.get("rating"),
            evidence=data.get("evidence", ""),
            comment=data.get("comment", ""),
            anonymous=bool(anonymous),
            organisation=_org(data),
        )
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            services.attachment_add(
                actor=request.user,
                assessment=assessment,
                filename=upload.name or "",
                content=upload.read(services.MAX_ATTACHMENT_BYTES + 1),
            )
        return Response(_assessment_dict(assessment), status=201)


class AssessmentDetail(APIView):
    @extend_schema(operation_id="consultation_assessment", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, uuid: Any) -> Response:
        return Response(_assessment_dict(selectors.assessment_get(user=request.user, uuid=uuid)))

    @extend_schema(
        operation_id="consultation_assessment_update",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def patch(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        data = _body(request)
        assessment = services.assessment_update(
            actor=request.user,
            assessment=assessment,
            rating=data.get("rating"),
            evidence=data.get("evidence"),
            comment=data.get("comment"),
        )
        return Response(_assessment_dict(assessment))


class AssessmentModerate(APIView):
    @extend_schema(
        operation_id="consultation_moderate",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        assessment = services.assessment_moderate(
            actor=request.user,
            assessment=assessment,
            decision=str(_body(request).get("decision") or ""),
            note=str(_body(request).get("note") or ""),
        )
        return Response(_assessment_dict(assessment))


class AssessmentRespond(APIView):
    @extend_schema(
        operation_id="consultation_respond", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request, uuid: Any) -> Response:
        assessment = selectors.assessment_get(user=request.user, uuid=uuid)
        resp = services.response_submit(
            actor=request.user,
            assessment=assessment,
            text=str(_body(request).get("text") or ""),
            organisation=_org(_body(request)),
        )
        return Response(_response_dict(resp), status=201)


class RoundSummary(APIView):
    """The published summary (404 until published, unless the caller moderates the round)."""

    @extend_schema(operation_id="consultation_summary", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, uuid: Any) -> Response:
        from amahoro import policy

        rnd = _round(request, uuid)
        if not rnd.is_published and not policy.can(request.user, Perm.FRAMEWORK_MANAGE, rnd):
            raise NotFound("consultation round not found")
        rows = selectors.round_summary(round=rnd)
        return Response(selectors.summary_as_dict(round=rnd, rows=rows))
