"""REST endpoints of the case module under /api/v1/gbv/. Thin: parse, call services/selectors, shape JSON.

Missing and forbidden cases are both 404; an action the user may not take on a case they see is 403; a
stale edit is 409. Searches are POSTs, so no survivor code or phone number ever sits in a URL or a log.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.core import tabular
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import schema as doc
from . import selectors, services, statistics
from .inputs import incident_parse
from .models import CaseStatus

NO_STORE = {"Cache-Control": "no-store"}


def _require(user: Any, perm: Perm) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied(f"you do not have the '{perm.value}' permission", code="permission_denied")


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object", field="body")
    return data


def _int(value: Any, name: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(f"{name} must be a whole number", field=name) from None
    if not 0 <= number <= maximum:
        raise ValidationFailed(f"{name} must be between 0 and {maximum}", field=name)
    return number


def _provider(code: Any, field: str = "provider") -> Organisation | None:
    if code in (None, ""):
        return None
    org = Organisation.objects.filter(code=str(code), is_active=True).first()
    if org is None:
        raise ValidationFailed(f"unknown {field} organisation", field=field)
    return org


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Refuse a field the endpoint does not take (a typo must not be silently ignored)."""
    unknown = set(body) - set(allowed)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(
            f"unknown field '{name}' (this endpoint takes {', '.join(allowed)})", field=name
        )
    return body


def _created(incident: Any) -> dict[str, Any]:
    return {
        "id": str(incident.uuid),
        "survivor_code": incident.survivor.code,
        "gbv_type": incident.gbv_type,
        "contexts": list(incident.contexts),
        "elapsed_reporting_bucket": incident.elapsed_reporting_bucket,
        "version": incident.version,
    }


class CaseAPIView(APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class IncidentList(CaseAPIView):
    @extend_schema(
        summary="Cases the user may see (no identifying fields); each listed case is audited",
        operation_id="gbv_incidents_list",
        parameters=[
            OpenApiParameter(
                "status", str, enum=list(CaseStatus.values), description="Only cases in this status"
            ),
            OpenApiParameter(
                "limit", int, description=f"Page size (default 50, at most {selectors.MAX_LIST})"
            ),
            OpenApiParameter("offset", int, description="Cases to skip (default 0)"),
        ],
        responses={200: doc.GbvIncidentPageSerializer, **doc.errors(400)},
    )
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.CASE_VIEW)
        unknown = set(request.query_params) - {"status", "limit", "offset", "format"}
        if unknown:
            name = sorted(unknown)[0]
            raise ValidationFailed(f"unknown query parameter '{name}'", field=name)
        status_filter = request.query_params.get("status", "")
        if status_filter not in ("", *CaseStatus.values):
            raise ValidationFailed(f"status must be one of {', '.join(CaseStatus.values)}", field="status")
        page, total = selectors.incidents_list(
            user=request.user,
            status=status_filter,
            limit=_int(request.query_params.get("limit"), "limit", 50, selectors.MAX_LIST),
            offset=_int(request.query_params.get("offset"), "offset", 0, 10**9),
        )
        return Response({"count": total, "results": [_summary(i) for i in page]})

    @extend_schema(
        summary="Record an incident (intake)",
        description="Classifies the incident (GBVIMS Classification Tool), derives the case-context flags and "
        "the elapsed-reporting bucket, and stores the identifying details encrypted.",
        operation_id="gbv_incidents_create",
        request=doc.GbvIncidentInputSerializer,
        responses={201: doc.GbvIncidentCreatedSerializer, **doc.errors(400)},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        incident = services.incident_create(actor=request.user, data=incident_parse(_body(request)))
        return Response(_created(incident), status=status.HTTP_201_CREATED)


def _summary(i: Any) -> dict[str, Any]:
    return {
        "id": str(i.uuid),
        "survivor_code": i.survivor.code,
        "status": i.status,
        "gbv_type": i.gbv_type,
        "incident_date": i.incident_date.isoformat(),
        "report_date": i.report_date.isoformat(),
        "org_unit": i.org_unit.code,
        "elapsed_reporting_bucket": i.elapsed_reporting_bucket,
        "version": i.version,
    }


class IncidentSearch(CaseAPIView):
    @extend_schema(
        summary="Exact search on survivor_code or phone (POST: nothing identifying in the URL)",
        operation_id="gbv_incidents_search",
        request=doc.GbvSearchSerializer,
        responses={200: doc.GbvIncidentPageSerializer, **doc.errors(400)},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.CASE_VIEW)
        body = _body(request)
        hits = selectors.incidents_search(
            user=request.user,
            survivor_code=str(body.get("survivor_code") or ""),
            phone=str(body.get("phone") or ""),
        )
        return Response({"count": len(hits), "results": [_summary(i) for i in hits]})


class IncidentCsv(CaseAPIView):
    @extend_schema(
        summary="CSV export of the visible cases, without identifying fields (audited)",
        operation_id="gbv_incidents_csv",
        responses=doc.csv_answer(
            "id, survivor_code, status, gbv_type, incident_date, report_date, org_unit, elapsed_reporting_bucket"
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        _require(request.user, Perm.CASE_VIEW)
        qs = selectors.incidents_visible_to(user=request.user)
        buf = io.StringIO()
        fields = [
            "id",
            "survivor_code",
            "status",
            "gbv_type",
            "incident_date",
            "report_date",
            "org_unit",
            "elapsed_reporting_bucket",
        ]
        writer = tabular.CSVWriter(buf)
        writer.writerow(fields)
        for incident in qs.iterator(chunk_size=500):
            selectors._audit_read(request.user, incident, "exported", AuditAction.EXPORT)
            summary = _summary(incident)
            writer.writerow(summary.get(f, "") for f in fields)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="gbv-cases.csv"'
        return response


class IncidentDetail(CaseAPIView):
    @extend_schema(
        summary="One case with its identifying details (audited)",
        operation_id="gbv_incidents_get",
        parameters=[doc.IDENT],
        responses={200: doc.GbvIncidentSerializer, **doc.errors(404)},
    )
    def get(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_VIEW)
        incident = selectors.incident_open(user=request.user, ident=ident)
        return Response(selectors.incident_as_dict(incident))

    @extend_schema(
        summary="Edit a case; `version` must be the version the edit was made on (409 if stale)",
        operation_id="gbv_incidents_update",
        parameters=[doc.IDENT],
        request=doc.GbvIncidentEditSerializer,
        responses={200: doc.GbvIncidentSerializer, **doc.errors(400, 404, 409)},
    )
    def patch(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        body = _body(request)
        if "version" not in body:
            raise ValidationFailed("version is required (the version your edit is based on)", field="version")
        version = _int(body.get("version"), "version", 0, 10**9)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to edit"
        )
        current = selectors.incident_as_dict(incident)
        merged = _merge(current, body)
        updated = services.incident_update(
            actor=request.user, incident=incident, data=incident_parse(merged), version=version
        )
        return Response(selectors.incident_as_dict(updated))


EDITABLE = (
    "incident_date",
    "report_date",
    "org_unit",
    "location_type",
    "time_of_day",
    "classification",
    "perpetrators",
    "goods_exchanged",
    "abduction",
    "harmful_traditional_practice",
    "reported_elsewhere",
    "account",
    "survivor",
)


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The current record with the patch applied (objects merged one level deep, lists replaced)."""
    unknown = set(patch) - set(EDITABLE) - {"version"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(f"{name} cannot be edited here", field=name)
    base = {k: current[k] for k in EDITABLE if k in current}
    base["survivor"] = {
        k: v
        for k, v in current["survivor"].items()
        if k != "age" or "date_of_birth" not in current["survivor"]
    }
    for key, value in patch.items():
        if key == "version":
            continue
        if key in ("survivor", "classification") and isinstance(value, dict):
            merged = dict(base.get(key) or {})
            merged.update(value)
            if key == "survivor" and "age" in value and "date_of_birth" not in value:
                merged.pop("date_of_birth", None)
            base[key] = merged
        else:
            base[key] = value
    return base


class ConsentCreate(CaseAPIView):
    @extend_schema(
        summary="Record a consent (purpose: services, reporting, release with service and recipient)",
        description="A release of information names the service type and the recipient organisation (its "
        "code): only that organisation sees who the survivor is, for that service. A new recipient needs a "
        "new consent.",
        operation_id="gbv_consents_create",
        parameters=[doc.IDENT],
        request=doc.GbvConsentInputSerializer,
        responses={201: doc.GbvConsentCreatedSerializer, **doc.errors(400, 404)},
    )
    def post(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        body = _body(request)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to record consent"
        )
        given = body.get("given")
        if not isinstance(given, bool):
            raise ValidationFailed("given must be true or false", field="given")
        consent = services.consent_record(
            actor=request.user,
            incident=incident,
            purpose=str(body.get("purpose") or ""),
            given=given,
            method=str(body.get("method") or ""),
            service=str(body.get("service") or ""),
            recipient=_provider(body.get("recipient"), "recipient"),
        )
        return Response({"id": str(consent.uuid), "consent": services.consents_active(incident)}, status=201)


class ConsentWithdraw(CaseAPIView):
    @extend_schema(
        summary="Withdraw a consent",
        operation_id="gbv_consents_withdraw",
        parameters=[
            doc.IDENT,
            OpenApiParameter(
                "consent_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The consent id"
            ),
        ],
        request=None,
        responses={200: doc.GbvConsentStateSerializer, **doc.errors(404, 409)},
    )
    def post(self, request: Request, ident: str, consent_id: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to withdraw consent"
        )
        consent = incident.consents.filter(**selectors._uuid_lookup(consent_id)).first()
        if consent is None:
            raise NotFound("not found")
        services.consent_withdraw(actor=request.user, consent=consent)
        return Response({"consent": services.consents_active(incident)})


class ServiceCreate(CaseAPIView):
    @extend_schema(
        summary="Record a service or a referral (status 'referred' with a provider)",
        description="A referral without consent to services is refused unless a role allowed to override "
        "gives override_reason.",
        operation_id="gbv_services_create",
        parameters=[doc.IDENT],
        request=doc.GbvServiceInputSerializer,
        responses={201: doc.GbvServiceSerializer, **doc.errors(400, 404)},
    )
    def post(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        body = _body(request)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to add a service"
        )
        service = services.service_record(
            actor=request.user,
            incident=incident,
            type=str(body.get("type") or ""),
            status=str(body.get("status") or ""),
            provider=_provider(body.get("provider")),
            referred_on=body.get("referred_on"),
            provided_on=body.get("provided_on"),
            pep_given_on=body.get("pep_given_on"),
            ec_given_on=body.get("ec_given_on"),
            override_reason=str(body.get("override_reason") or ""),
        )
        return Response(selectors.service_as_dict(service), status=201)


class ReferralList(CaseAPIView):
    @extend_schema(
        summary="Referrals addressed to the user's organisation",
        operation_id="gbv_referrals_list",
        responses={200: doc.GbvReferralPageSerializer, **doc.errors()},
    )
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.CASE_VIEW)
        rows = list(selectors.referrals_visible_to(user=request.user)[: selectors.MAX_LIST])
        return Response(
            {
                "count": len(rows),
                "results": [
                    {**selectors.service_as_dict(s), "survivor_code": s.incident.survivor.code} for s in rows
                ],
            }
        )


REFERRAL_ID = OpenApiParameter(
    "service_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The referral id"
)


REFERRAL_FIELDS = ("status", "provided_on", "pep_given_on", "ec_given_on")


class ReferralDetail(CaseAPIView):
    @extend_schema(
        summary="One referral, for the receiving organisation (audited)",
        operation_id="gbv_referrals_get",
        parameters=[REFERRAL_ID],
        responses={200: doc.GbvReferralSerializer, **doc.errors(404)},
    )
    def get(self, request: Request, service_id: str) -> Response:
        _require(request.user, Perm.CASE_VIEW)
        return Response(
            selectors.referral_as_dict(selectors.referral_open(user=request.user, ident=service_id))
        )

    @extend_schema(
        summary="Update a referral's status (e.g. provided), by the receiving organisation",
        description="Takes status, provided_on, pep_given_on and ec_given_on only (any other field is a "
        "400); provided_on may not be before referred_on.",
        operation_id="gbv_referrals_update",
        parameters=[REFERRAL_ID],
        request=doc.GbvReferralUpdateSerializer,
        responses={200: doc.GbvReferralSerializer, **doc.errors(400, 404)},
    )
    def patch(self, request: Request, service_id: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        body = _only(_body(request), REFERRAL_FIELDS)
        service = selectors.referral_open(user=request.user, ident=service_id)
        updated = services.service_update(
            actor=request.user,
            service=service,
            status=str(body.get("status") or ""),
            provided_on=body.get("provided_on"),
            pep_given_on=body.get("pep_given_on"),
            ec_given_on=body.get("ec_given_on"),
        )
        return Response(selectors.referral_as_dict(updated))


class NoteCreate(CaseAPIView):
    @extend_schema(
        summary="Add a case plan or follow-up note",
        operation_id="gbv_notes_create",
        parameters=[doc.IDENT],
        request=doc.GbvNoteInputSerializer,
        responses={201: doc.GbvCreatedSerializer, **doc.errors(400, 404)},
    )
    def post(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        body = _body(request)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to add a note"
        )
        note = services.note_add(
            actor=request.user,
            incident=incident,
            kind=str(body.get("kind") or ""),
            text=str(body.get("text") or ""),
            due_on=body.get("due_on"),
        )
        return Response({"id": str(note.uuid)}, status=201)


class ClosureRequest(CaseAPIView):
    @extend_schema(
        summary="Ask a supervisor to close the case",
        operation_id="gbv_closure_request",
        parameters=[doc.IDENT],
        request=doc.GbvClosureRequestSerializer,
        responses={200: doc.GbvCaseStateSerializer, **doc.errors(400, 404, 409)},
    )
    def post(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_MANAGE)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to request closure"
        )
        incident = services.incident_closure_request(
            actor=request.user, incident=incident, reason=str(_body(request).get("reason") or "")
        )
        return Response({"id": str(incident.uuid), "status": incident.status, "version": incident.version})


class ClosureDecision(CaseAPIView):
    @extend_schema(
        summary="A supervisor approves ({'approve': true}) or refuses a closure",
        operation_id="gbv_closure_decide",
        parameters=[doc.IDENT],
        request=doc.GbvClosureDecisionSerializer,
        responses={200: doc.GbvCaseStateSerializer, **doc.errors(400, 404, 409)},
    )
    def post(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_SUPERVISE)
        approve = _body(request).get("approve")
        if not isinstance(approve, bool):
            raise ValidationFailed("approve must be true or false", field="approve")
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_SUPERVISE, purpose="opened to decide closure"
        )
        incident = services.incident_closure_decide(actor=request.user, incident=incident, approve=approve)
        return Response({"id": str(incident.uuid), "status": incident.status, "version": incident.version})


class AccessLog(CaseAPIView):
    @extend_schema(
        summary="Who opened, listed, found or changed a case (case supervisors)",
        operation_id="gbv_access_log",
        parameters=[doc.IDENT],
        responses={200: doc.GbvAccessLogSerializer, **doc.errors(404)},
    )
    def get(self, request: Request, ident: str) -> Response:
        _require(request.user, Perm.CASE_SUPERVISE)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_SUPERVISE, purpose="access log viewed"
        )
        events = selectors.access_log(user=request.user, incident=incident)[:1000]
        return Response(
            {
                "id": str(incident.uuid),
                "results": [
                    {
                        "at": e.at.isoformat(),
                        "user": e.actor_username,
                        "action": e.action,
                        "what": e.message,
                        "ip_address": e.ip_address,
                    }
                    for e in events
                ],
            }
        )


class Statistics(CaseAPIView):
    @extend_schema(
        summary="Suppressed GBVIMS-style monthly statistics and accountability",
        description="Counts 1-4 are shown as '<5', and complementary cells as '*' so that no hidden count "
        "follows from a total. Incidents without reporting consent are left out.",
        operation_id="gbv_statistics",
        parameters=doc.STATISTICS_PARAMS,
        responses={200: doc.GbvStatisticsSerializer, **doc.errors(400)},
    )
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.CASE_STATISTICS)
        unknown = set(request.query_params) - {"period", "org_unit", "format"}
        if unknown:
            name = sorted(unknown)[0]
            raise ValidationFailed(f"unknown query parameter '{name}'", field=name)
        return Response(
            statistics.statistics(
                user=request.user,
                period=request.query_params.get("period"),
                org_unit=request.query_params.get("org_unit"),
            )
        )


class StatisticsCsv(CaseAPIView):
    @extend_schema(
        summary="The same suppressed statistics as CSV (table, row, column, value)",
        operation_id="gbv_statistics_csv",
        parameters=doc.STATISTICS_PARAMS,
        responses=doc.csv_answer("Columns table, row, column, value; suppressed values as '<5' or '*'"),
    )
    def get(self, request: Request) -> HttpResponse:
        _require(request.user, Perm.CASE_STATISTICS)
        unknown = set(request.query_params) - {"period", "org_unit"}
        if unknown:
            name = sorted(unknown)[0]
            raise ValidationFailed(f"unknown query parameter '{name}'", field=name)
        result = statistics.statistics(
            user=request.user,
            period=request.query_params.get("period"),
            org_unit=request.query_params.get("org_unit"),
        )
        buf = io.StringIO()
        writer = tabular.CSVWriter(buf)
        writer.writerow(["table", "row", "column", "value"])
        for name, table in result["tables"].items():
            for row in table["rows"]:
                for column, value in zip(table["columns"], row["values"], strict=True):
                    writer.writerow([name, row["key"], column, value])
        for row in result["accountability"]:
            key = f"{row['organisation']}/{row['district']}"
            for column, value in row.items():
                if column not in ("organisation", "district"):
                    writer.writerow(["accountability", key, column, "" if value is None else value])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="gbv-statistics-{result["period"]}.csv"'
        return response
