"""REST endpoints of the programmes app: scales (define, read, score, analyse pairs), programmes with
unique reach and completion, attendance rows, and pushing reach/completion to the framework's data
elements. Thin: JSON in, services/selectors, JSON out; errors name the field, item or row."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import analysis, scoring, selectors, services
from .models import Programme, Scale

MAX_ROWS = 20_000


def _require(user: Any, perm: Perm) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied(f"you do not have the '{perm.value}' permission", code="permission_denied")


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object")
    return data


def scale_json(scale: Scale) -> dict[str, Any]:
    d = services.scale_definition(scale)
    return {
        "code": scale.code,
        "name": scale.name,
        "organisation": scale.organisation.code if scale.organisation else None,
        "builtin": scale.builtin,
        "source": scale.source,
        "max_missing": scale.max_missing,
        "min_total": d.min_total,
        "max_total": d.max_total,
        "subscales": d.subscale_names,
        "items": [
            {
                "code": i.code,
                "text": i.text,
                "text_fr": i.text_fr,
                "text_rw": i.text_rw,
                "subscale": i.subscale,
                "scores": i.scores,
            }
            for i in d.items
        ],
        "bands": [{"name": b.name, "min": b.min, "max": b.max} for b in d.bands],
    }


def _owner(user: Any, payload: dict[str, Any]) -> Organisation | None:
    code = payload.get("organisation")
    orgs = policy.organisations_with(user, Perm.PROGRAMME_MANAGE)
    if code:
        org = Organisation.objects.filter(code=str(code)).first()
        if org is None or (orgs is not None and org.pk not in orgs):
            raise ValidationFailed(f"unknown organisation '{code}'", field="organisation")
        return org
    if orgs is None:
        return None  # a system administrator defines a shared scale
    if len(orgs) == 1:
        return Organisation.objects.get(pk=next(iter(orgs)))
    raise ValidationFailed("organisation is required: you manage programmes in several", field="organisation")


def _required_owner(user: Any, payload: dict[str, Any]) -> Organisation:
    org = _owner(user, payload)
    if org is None:
        raise ValidationFailed("organisation is required", field="organisation")
    return org


class ScaleList(APIView):
    @extend_schema(operation_id="scales_list", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.PROGRAMME_VIEW)
        scales = selectors.scales_visible_to(user=request.user).select_related("organisation")
        return Response({"scales": [{"code": s.code, "name": s.name, "builtin": s.builtin} for s in scales]})

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.PROGRAMME_MANAGE)
        payload = _body(request)
        definition = scoring.parse_definition(payload)
        scale = services.scale_create(
            actor=request.user, definition=definition, organisation=_owner(request.user, payload)
        )
        return Response(scale_json(scale), status=status.HTTP_201_CREATED)


class ScaleDetail(APIView):
    @extend_schema(operation_id="scales_get", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, code: str) -> Response:
        _require(request.user, Perm.PROGRAMME_VIEW)
        return Response(scale_json(selectors.scale_get(user=request.user, code=code)))


class ScaleScore(APIView):
    """`{"responses": {item: option}}` -> `{"total", "subscales", "band"}`."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, code: str) -> Response:
        _require(request.user, Perm.PROGRAMME_VIEW)
        scale = selectors.scale_get(user=request.user, code=code)
        payload = _body(request)
        if "responses" not in payload:
            raise ValidationFailed("responses is required", field="responses")
        result = scoring.score(services.scale_definition(scale), payload["responses"])
        return Response(result.as_dict())


class ScaleAnalysis(APIView):
    """`{"pairs": [{"baseline": {...}, "endline": {...}}]}` -> paired change on the totals, alpha at baseline."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, code: str) -> Response:
        _require(request.user, Perm.PROGRAMME_VIEW)
        scale = selectors.scale_get(user=request.user, code=code)
        definition = services.scale_definition(scale)
        pairs = _body(request).get("pairs")
        if not isinstance(pairs, list) or not pairs:
            raise ValidationFailed("pairs must be a non-empty list", field="pairs")
        baseline, endline, items = [], [], []
        for n, pair in enumerate(pairs):
            if not isinstance(pair, dict):
                raise ValidationFailed(f"pairs.{n} must be an object", field=f"pairs.{n}")
            for key in ("baseline", "endline"):
                if key not in pair:
                    raise ValidationFailed(f"pairs.{n}.{key} is required", field=f"pairs.{n}.{key}")
            b = scoring.score(definition, pair["baseline"], field_prefix=f"pairs.{n}.baseline")
            e = scoring.score(definition, pair["endline"], field_prefix=f"pairs.{n}.endline")
            baseline.append(b.total)
            endline.append(e.total)
            items.append([b.item_scores[i.code] for i in definition.items])
        result = analysis.paired_change(baseline, endline)
        result.cronbach_alpha_baseline = analysis.cronbach_alpha(items)
        return Response(result.as_dict())


def _programme(request: Request, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Programme:
    _require(request.user, perm)
    return selectors.programme_get(user=request.user, code=code, perm=perm)


class ProgrammeList(APIView):
    @extend_schema(operation_id="programmes_list", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.PROGRAMME_VIEW)
        out = [
            {"code": p.code, "name": p.name, "organisation": p.organisation.code}
            for p in selectors.programmes_visible_to(user=request.user)
        ]
        return Response(
            {"programmes": out, "reach": selectors.organisation_reach(user=request.user)["total"]}
        )


class ProgrammeDetail(APIView):
    @extend_schema(operation_id="programmes_get", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, code: str) -> Response:
        programme = _programme(request, code)
        visible = list(selectors.cohorts_visible_to(user=request.user, programme=programme))
        done = selectors.cohorts_completion(cohorts=visible)
        cohorts = [{"code": c.code, "name": c.name, "place": c.org_unit.code, **done[c.pk]} for c in visible]
        return Response(
            {
                "code": programme.code,
                "name": programme.name,
                "organisation": programme.organisation.code,
                "districts": list(programme.districts.values_list("code", flat=True)),
                "reach": selectors.programme_reach(user=request.user, programme=programme),
                "cohorts": cohorts,
                "timeline": selectors.attendance_over_time(user=request.user, programme=programme),
                "scales": [
                    {**r, "scale": r["scale"].code}
                    for r in selectors.programme_scale_results(user=request.user, programme=programme)
                ],
            }
        )


class AttendanceRows(APIView):
    """`{"rows": [{"session": 1, "participant": "P-...", "present": true}]}`: all rows or none."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, code: str, cohort: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        found = selectors.cohort_get(
            user=request.user, programme=programme, code=cohort, perm=Perm.PROGRAMME_MANAGE
        )
        rows = _body(request).get("rows")
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            raise ValidationFailed("rows must be a non-empty list of objects", field="rows")
        if len(rows) > MAX_ROWS:
            raise ValidationFailed(f"at most {MAX_ROWS} rows per request: split the upload", field="rows")
        result = services.attendance_rows_import(
            actor=request.user, cohort=found, rows=rows, row_numbers=list(range(len(rows))), source="api"
        )
        if not result.ok:
            first = result.errors[0]
            body = {
                "error": f"rows.{first['row']}.{first['column']}: {first['message']}",
                "field": f"rows.{first['row']}.{first['column']}",
                "code": "invalid",
                **result.as_dict(),
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())


class IndicatorPush(APIView):
    """`{"period": "2025"}`: unique reach and completions into the programme's data elements."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, code: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        period = _body(request).get("period")
        if not period:
            raise ValidationFailed("period is required", field="period")
        return Response(
            services.programme_indicators_push(actor=request.user, programme=programme, period=str(period))
        )


def _date(value: Any, field: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _unit(code: Any, field: str) -> Any:
    from amahoro.geo.models import OrgUnit

    unit = OrgUnit.objects.filter(code=str(code or "")).first()
    if unit is None:
        raise ValidationFailed(f"unknown {field} '{code}'", field=field)
    return unit


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(f"{field} must be a whole number", field=field)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} must be a whole number", field=field) from None


class ProgrammeCreate(APIView):
    """`{"code", "name", "organisation", "districts": ["43"], "start"?, "end"?, "description"?}` -> 201."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.PROGRAMME_MANAGE)
        body = _body(request)
        districts = body.get("districts")
        if not isinstance(districts, list) or not districts:
            raise ValidationFailed("districts must be a non-empty list of district codes", field="districts")
        programme = services.programme_create(
            actor=request.user,
            code=str(body.get("code") or ""),
            name=str(body.get("name") or body.get("code") or ""),
            organisation=_required_owner(request.user, body),
            districts=[_unit(d, "districts") for d in districts],
            description=str(body.get("description") or ""),
            start=_date(body["start"], "start") if body.get("start") else None,
            end=_date(body["end"], "end") if body.get("end") else None,
        )
        return Response({"code": programme.code, "name": programme.name}, status=status.HTTP_201_CREATED)


class CohortCreate(APIView):
    """`{"code", "name", "place", "start", "end", "sessions": 17, "completion_min": 12, "activity_type"?,
    "arm"?, "weekly": true?}` -> 201; with "weekly", sessions 1..N are planned a week apart from start."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, code: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        body = _body(request)
        start, end = _date(body.get("start"), "start"), _date(body.get("end"), "end")
        planned = _int(body.get("sessions", 1), "sessions")
        cohort = services.cohort_create(
            actor=request.user,
            programme=programme,
            code=str(body.get("code") or ""),
            name=str(body.get("name") or body.get("code") or ""),
            org_unit=_unit(body.get("place"), "place"),
            start=start,
            end=end,
            planned_sessions=planned,
            completion_min=_int(body.get("completion_min", planned), "completion_min"),
            activity_type=str(body.get("activity_type") or "curriculum"),
            arm=str(body.get("arm") or "intervention"),
            weekly_sessions=bool(body.get("weekly")),
        )
        return Response(
            {"code": cohort.code, "sessions": cohort.sessions.count()}, status=status.HTTP_201_CREATED
        )


class ParticipantCreate(APIView):
    """`{"sex", "village", "birth_year"?, "name"?, "phone"?, "disability"?, "role"?, "code"?,
    "organisation"?, "cohort": {"programme", "code"}?}` -> 201 {"code"}. Name and phone are stored
    encrypted and never echoed back."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.PROGRAMME_MANAGE)
        body = _body(request)
        organisation = _required_owner(request.user, body)
        cohort = None
        if body.get("cohort"):
            ref = body["cohort"] if isinstance(body["cohort"], dict) else {}
            programme = _programme(request, str(ref.get("programme") or ""), Perm.PROGRAMME_MANAGE)
            cohort = selectors.cohort_get(
                user=request.user,
                programme=programme,
                code=str(ref.get("code") or ""),
                perm=Perm.PROGRAMME_MANAGE,
            )
        birth_year = body.get("birth_year")
        participant = services.participant_create(
            actor=request.user,
            organisation=organisation,
            sex=str(body.get("sex") or ""),
            village=_unit(body.get("village"), "village"),
            birth_year=_int(birth_year, "birth_year") if birth_year not in (None, "") else None,
            age=_int(body["age"], "age") if body.get("age") not in (None, "") else None,
            disability=bool(body.get("disability", False)),
            role=str(body.get("role") or "")[:100],
            name=str(body.get("name") or "")[:300],
            phone=str(body.get("phone") or "")[:50],
            code=str(body.get("code") or ""),
        )
        if cohort is not None:
            services.enrolment_add(actor=request.user, cohort=cohort, participants=[participant])
        return Response({"code": participant.code}, status=status.HTTP_201_CREATED)


class ProgrammeCollection(ProgrammeList, ProgrammeCreate):
    """GET: the programmes you see, with organisation-wide unique reach; POST: create one."""
