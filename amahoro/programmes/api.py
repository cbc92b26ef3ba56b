"""REST endpoints of the programmes app: scales (define, read, score, analyse pairs), programmes with
unique reach and completion, attendance rows, and pushing reach/completion to the framework's data
elements. Thin: the body is parsed by the endpoint's input serializer, the answer rendered by its output
serializer (amahoro.programmes.serializers); errors name the field, item or row."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.geo.selectors import org_unit_by_code
from amahoro.roles import Perm

from . import analysis, scoring, selectors
from . import serializers as s
from .models import Programme, Scale
from .services import attendance as attendance_services
from .services import participants as participant_services
from .services import programmes as programme_services
from .services import scales as scale_services


def scale_json(scale: Scale) -> dict[str, Any]:
    d = selectors.scale_definition(scale)
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


class ScaleList(APIView):
    @extend_schema(operation_id="scales_list", responses={200: s.ScaleListOut, **rest.errors()})
    @policy.requires(Perm.PROGRAMME_VIEW)
    def get(self, request: Request) -> Response:
        scales = selectors.scales_visible_to(user=request.user).select_related("organisation")
        return Response(s.ScaleListOut({"scales": scales}).data)

    @extend_schema(request=s.ScaleIn, responses={201: s.ScaleOut, **rest.errors(400, 409)})
    @policy.requires(Perm.PROGRAMME_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.ScaleIn, request.data)
        definition = scoring.parse_definition(data)
        owner = selectors.managed_organisation(user=request.user, code=data.get("organisation"))
        scale = scale_services.scale_create(actor=request.user, definition=definition, organisation=owner)
        return Response(s.ScaleOut(scale_json(scale)).data, status=status.HTTP_201_CREATED)


class ScaleDetail(APIView):
    @extend_schema(operation_id="scales_get", responses={200: s.ScaleOut, **rest.errors(404)})
    @policy.requires(Perm.PROGRAMME_VIEW)
    def get(self, request: Request, code: str) -> Response:
        return Response(s.ScaleOut(scale_json(selectors.scale_get(user=request.user, code=code))).data)


class ScaleScore(APIView):
    """`{"responses": {item: option}}` -> `{"total", "subscales", "band"}`."""

    @extend_schema(request=s.ScoreIn, responses={200: s.ScoreOut, **rest.errors(400, 404)})
    @policy.requires(Perm.PROGRAMME_VIEW)
    def post(self, request: Request, code: str) -> Response:
        scale = selectors.scale_get(user=request.user, code=code)
        data = rest.parse(s.ScoreIn, request.data)
        result = scoring.score(selectors.scale_definition(scale), data["responses"])
        return Response(s.ScoreOut(result.as_dict()).data)


class ScaleAnalysis(APIView):
    """`{"pairs": [{"baseline": {...}, "endline": {...}}]}` -> paired change on the totals, alpha at baseline."""

    @extend_schema(request=s.AnalysisIn, responses={200: s.AnalysisOut, **rest.errors(400, 404)})
    @policy.requires(Perm.PROGRAMME_VIEW)
    def post(self, request: Request, code: str) -> Response:
        scale = selectors.scale_get(user=request.user, code=code)
        definition = selectors.scale_definition(scale)
        pairs = rest.parse(s.AnalysisIn, request.data)["pairs"]
        baseline, endline, items = [], [], []
        for n, pair in enumerate(pairs):
            b = scoring.score(definition, pair["baseline"], field_prefix=f"pairs.{n}.baseline")
            e = scoring.score(definition, pair["endline"], field_prefix=f"pairs.{n}.endline")
            baseline.append(b.total)
            endline.append(e.total)
            items.append([b.item_scores[i.code] for i in definition.items])
        result = analysis.paired_change(baseline, endline)
        result.cronbach_alpha_baseline = analysis.cronbach_alpha(items)
        return Response(s.AnalysisOut(result.as_dict()).data)


def _programme(request: Request, code: str, perm: Perm = Perm.PROGRAMME_VIEW) -> Programme:
    policy.require(request.user, perm)
    return selectors.programme_get(user=request.user, code=code, perm=perm)


class ProgrammeList(APIView):
    @extend_schema(operation_id="programmes_list", responses={200: s.ProgrammeListOut, **rest.errors()})
    @policy.requires(Perm.PROGRAMME_VIEW)
    def get(self, request: Request) -> Response:
        out = [
            {"code": p.code, "name": p.name, "organisation": p.organisation.code}
            for p in selectors.programmes_visible_to(user=request.user)
        ]
        reach = selectors.organisation_reach(user=request.user)["total"]
        return Response(s.ProgrammeListOut({"programmes": out, "reach": reach}).data)


class ProgrammeDetail(APIView):
    @extend_schema(operation_id="programmes_get", responses={200: s.ProgrammeDetailOut, **rest.errors(404)})
    def get(self, request: Request, code: str) -> Response:
        programme = _programme(request, code)
        visible = list(selectors.cohorts_visible_to(user=request.user, programme=programme))
        done = selectors.cohorts_completion(cohorts=visible)
        cohorts = [{"code": c.code, "name": c.name, "place": c.org_unit.code, **done[c.pk]} for c in visible]
        detail = {
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
        return Response(s.ProgrammeDetailOut(detail).data)


class AttendanceRows(APIView):
    """`{"rows": [{"session": 1, "participant": "P-...", "present": true}]}`: all rows or none."""

    @extend_schema(request=s.AttendanceRowsIn, responses={200: s.ImportResultOut, **rest.errors(400, 404)})
    def post(self, request: Request, code: str, cohort: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        found = selectors.cohort_get(
            user=request.user, programme=programme, code=cohort, perm=Perm.PROGRAMME_MANAGE
        )
        rows = [dict(r) for r in rest.parse(s.AttendanceRowsIn, request.data)["rows"]]
        result = attendance_services.attendance_rows_import(
            actor=request.user, cohort=found, rows=rows, row_numbers=list(range(len(rows))), source="api"
        )
        if not result.ok:
            first = result.errors[0]
            body = {
                "error": f"rows.{first['row']}.{first['column']}: {first['message']}",
                "field": f"rows.{first['row']}.{first['column']}",
                "code": "invalid",
                **s.ImportResultOut(result.as_dict()).data,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.ImportResultOut(result.as_dict()).data)


class IndicatorPush(APIView):
    """`{"period": "2025"}`: unique reach and completions into the programme's data elements."""

    @extend_schema(request=s.IndicatorPushIn, responses={200: s.IndicatorPushOut, **rest.errors(400, 404)})
    def post(self, request: Request, code: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        period = rest.parse(s.IndicatorPushIn, request.data)["period"]
        out = programme_services.programme_indicators_push(
            actor=request.user, programme=programme, period=period
        )
        return Response(s.IndicatorPushOut(out).data)


class ProgrammeCreate(APIView):
    """`{"code", "name", "organisation", "districts": ["43"], "start"?, "end"?, "description"?}` -> 201."""

    @extend_schema(request=s.ProgrammeIn, responses={201: s.ProgrammeCreatedOut, **rest.errors(400, 409)})
    @policy.requires(Perm.PROGRAMME_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.ProgrammeIn, request.data)
        programme = programme_services.programme_create(
            actor=request.user,
            code=data["code"],
            name=data.get("name") or data["code"],
            organisation=selectors.managed_organisation(
                user=request.user, code=data.get("organisation"), required=True
            ),
            districts=[org_unit_by_code(d, field="districts") for d in data["districts"]],
            description=data.get("description", ""),
            start=data.get("start"),
            end=data.get("end"),
        )
        return Response(s.ProgrammeCreatedOut(programme).data, status=status.HTTP_201_CREATED)


class CohortCreate(APIView):
    """`{"code", "name", "place", "start", "end", "sessions": 17, "completion_min": 12, "activity_type"?,
    "arm"?, "weekly": true?}` -> 201; with "weekly", sessions 1..N are planned a week apart from start."""

    @extend_schema(request=s.CohortIn, responses={201: s.CohortCreatedOut, **rest.errors(400, 404, 409)})
    def post(self, request: Request, code: str) -> Response:
        programme = _programme(request, code, Perm.PROGRAMME_MANAGE)
        data = rest.parse(s.CohortIn, request.data)
        planned = data["sessions"]
        cohort = programme_services.cohort_create(
            actor=request.user,
            programme=programme,
            code=data["code"],
            name=data.get("name") or data["code"],
            org_unit=org_unit_by_code(data["place"], field="place"),
            start=data["start"],
            end=data["end"],
            planned_sessions=planned,
            completion_min=data.get("completion_min", planned),
            activity_type=data["activity_type"],
            arm=data["arm"],
            weekly_sessions=data["weekly"],
        )
        created = {"code": cohort.code, "sessions": cohort.sessions.count()}
        return Response(s.CohortCreatedOut(created).data, status=status.HTTP_201_CREATED)


class ParticipantCreate(APIView):
    """`{"sex", "village", "birth_year"?, "name"?, "phone"?, "disability"?, "role"?, "code"?,
    "organisation"?, "cohort": {"programme", "code"}?}` -> 201 {"code"}. Name and phone are stored
    encrypted and never echoed back."""

    @extend_schema(
        request=s.ParticipantIn, responses={201: s.ParticipantCreatedOut, **rest.errors(400, 404, 409)}
    )
    @policy.requires(Perm.PROGRAMME_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.ParticipantIn, request.data)
        organisation = selectors.managed_organisation(
            user=request.user, code=data.get("organisation"), required=True
        )
        cohort = None
        if data.get("cohort"):
            ref = data["cohort"]
            programme = _programme(request, ref["programme"], Perm.PROGRAMME_MANAGE)
            cohort = selectors.cohort_get(
                user=request.user, programme=programme, code=ref["code"], perm=Perm.PROGRAMME_MANAGE
            )
        participant = participant_services.participant_create(
            actor=request.user,
            organisation=organisation,
            sex=data["sex"],
            village=org_unit_by_code(data["village"], field="village"),
            birth_year=data.get("birth_year"),
            age=data.get("age"),
            disability=data["disability"],
            role=data["role"][:100],
            name=data["name"][:300],
            phone=data["phone"][:50],
            code=data["code"],
        )
        if cohort is not None:
            participant_services.enrolment_add(actor=request.user, cohort=cohort, participants=[participant])
        return Response(s.ParticipantCreatedOut(participant).data, status=status.HTTP_201_CREATED)


class ProgrammeCollection(ProgrammeList, ProgrammeCreate):
    """GET: the programmes you see, with organisation-wide unique reach; POST: create one."""
