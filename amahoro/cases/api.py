"""REST endpoints of the case module under /api/v1/gbv/. Thin: parse with the endpoint's input serializer,
call services/selectors, render with its output serializer (serializers.py: the contracts).

Missing and forbidden cases are both 404; an action the user may not take on a case they see is 403; a
stale edit is 409. Searches are POSTs, so no survivor code or phone number ever sits in a URL or a log.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.core import rest, tabular
from amahoro.core.errors import NotFound
from amahoro.directory.selectors import provider_by_id
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

from . import selectors, services, statistics
from . import serializers as s
from .inputs import incident_input, incident_parse

IDENT = OpenApiParameter("ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case id")
REFERRAL_ID = OpenApiParameter(
    "service_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The referral id"
)
CONSENT_ID = OpenApiParameter(
    "consent_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The consent id"
)
SUMMARY_FIELDS = [str(name) for name in s.GbvIncidentSummarySerializer().fields]
EDITABLE = [str(name) for name in s.GbvIncidentEditSerializer().fields if name != "version"]


def csv_answer(description: str) -> dict[int | tuple[int, str], OpenApiResponse]:
    answers: dict[int | tuple[int, str], OpenApiResponse] = {
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)
    }
    for code, answer in rest.errors(400).items():
        answers[code] = answer
    return answers


class CaseAPIView(APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


def _page(incidents: list[Any], count: int) -> dict[str, Any]:
    return s.GbvIncidentPageSerializer({"count": count, "results": incidents}).data


class IncidentList(CaseAPIView):
    @extend_schema(
        summary="Cases the user may see (no identifying fields); each listed case is audited",
        operation_id="gbv_incidents_list",
        parameters=[s.GbvIncidentListQuerySerializer],
        responses={200: s.GbvIncidentPageSerializer, **rest.errors(400)},
    )
    @policy.requires(Perm.CASE_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(s.GbvIncidentListQuerySerializer, request)
        page, total = selectors.incidents_list(
            user=request.user, status=query.get("status") or "", limit=query["limit"], offset=query["offset"]
        )
        return Response(_page(page, total))

    @extend_schema(
        summary="Record an incident (intake)",
        description="Classifies the incident (GBVIMS Classification Tool), derives the case-context flags and "
        "the elapsed-reporting bucket, and stores the identifying details encrypted.",
        operation_id="gbv_incidents_create",
        request=s.GbvIncidentInputSerializer,
        responses={201: s.GbvIncidentCreatedSerializer, **rest.errors(400)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request) -> Response:
        data = incident_input(rest.parse(s.GbvIncidentInputSerializer, request.data))
        incident = services.incident_create(actor=request.user, data=data)
        return Response(s.GbvIncidentCreatedSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentSearch(CaseAPIView):
    @extend_schema(
        summary="Exact search on survivor_code or phone (POST: nothing identifying in the URL)",
        operation_id="gbv_incidents_search",
        request=s.GbvSearchSerializer,
        responses={200: s.GbvIncidentPageSerializer, **rest.errors(400)},
    )
    @policy.requires(Perm.CASE_VIEW)
    def post(self, request: Request) -> Response:
        body = rest.parse(s.GbvSearchSerializer, request.data)
        hits = selectors.incidents_search(
            user=request.user, survivor_code=body.get("survivor_code") or "", phone=body.get("phone") or ""
        )
        return Response(_page(hits, len(hits)))


class IncidentCsv(CaseAPIView):
    @extend_schema(
        summary="CSV export of the visible cases, without identifying fields (audited)",
        operation_id="gbv_incidents_csv",
        responses=csv_answer(", ".join(SUMMARY_FIELDS[:-1])),
    )
    @policy.requires(Perm.CASE_VIEW)
    def get(self, request: Request) -> HttpResponse:
        qs = selectors.incidents_visible_to(user=request.user)
        buf = io.StringIO()
        fields = SUMMARY_FIELDS[:-1]  # not the version
        writer = tabular.CSVWriter(buf)
        writer.writerow(fields)
        for incident in qs.iterator(chunk_size=500):
            selectors._audit_read(request.user, incident, "exported", AuditAction.EXPORT)
            summary = s.GbvIncidentSummarySerializer(incident).data
            writer.writerow(summary[f] for f in fields)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="gbv-cases.csv"'
        return response


class IncidentDetail(CaseAPIView):
    @extend_schema(
        summary="One case with its identifying details (audited)",
        operation_id="gbv_incidents_get",
        parameters=[IDENT],
        responses={200: s.GbvIncidentSerializer, **rest.errors(404)},
    )
    @policy.requires(Perm.CASE_VIEW)
    def get(self, request: Request, ident: str) -> Response:
        incident = selectors.incident_open(user=request.user, ident=ident)
        return Response(s.GbvIncidentSerializer(selectors.incident_as_dict(incident)).data)

    @extend_schema(
        summary="Edit a case; `version` must be the version the edit was made on (409 if stale)",
        operation_id="gbv_incidents_update",
        parameters=[IDENT],
        request=s.GbvIncidentEditSerializer,
        responses={200: s.GbvIncidentSerializer, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def patch(self, request: Request, ident: str) -> Response:
        edit = dict(rest.parse(s.GbvIncidentEditSerializer, request.data))
        version = edit.pop("version")
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to edit"
        )
        merged = _merge(selectors.incident_as_dict(incident), edit)
        updated = services.incident_update(
            actor=request.user, incident=incident, data=incident_parse(merged), version=version
        )
        return Response(s.GbvIncidentSerializer(selectors.incident_as_dict(updated)).data)


def _merge(current: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """The current record with the (validated) edit applied: objects merged one level deep, lists replaced."""
    base = {k: current[k] for k in EDITABLE if k in current}
    base["survivor"] = {
        k: v
        for k, v in current["survivor"].items()
        if k != "age" or "date_of_birth" not in current["survivor"]
    }
    for key, value in edit.items():
        if key in ("survivor", "classification"):
            merged = {**base[key], **value}
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
        "new consent. A consent to referral may list the contact methods the survivor agrees to "
        "(contact_methods): referrals of that kind must then use one of them.",
        operation_id="gbv_consents_create",
        parameters=[IDENT],
        request=s.GbvConsentInputSerializer,
        responses={201: s.GbvConsentCreatedSerializer, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request, ident: str) -> Response:
        body = rest.parse(s.GbvConsentInputSerializer, request.data)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to record consent"
        )
        consent = services.consent_record(
            actor=request.user,
            incident=incident,
            purpose=body["purpose"],
            given=body["given"],
            method=body["method"],
            service=body.get("service") or "",
            recipient=organisation_by_code(body.get("recipient"), field="recipient", required=False),
            contact_methods=body.get("contact_methods"),
        )
        answer = {"id": consent.uuid, "consent": services.consents_active(incident)}
        return Response(s.GbvConsentCreatedSerializer(answer).data, status=status.HTTP_201_CREATED)


class ConsentWithdraw(CaseAPIView):
    @extend_schema(
        summary="Withdraw a consent",
        operation_id="gbv_consents_withdraw",
        parameters=[IDENT, CONSENT_ID],
        request=None,
        responses={200: s.GbvConsentStateSerializer, **rest.errors(404, 409)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request, ident: str, consent_id: str) -> Response:
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to withdraw consent"
        )
        consent = incident.consents.filter(**selectors._uuid_lookup(consent_id)).first()
        if consent is None:
            raise NotFound("not found")
        services.consent_withdraw(actor=request.user, consent=consent)
        return Response(s.GbvConsentStateSerializer({"consent": services.consents_active(incident)}).data)


class ServiceCreate(CaseAPIView):
    @extend_schema(
        summary="Record a service or a referral (status 'referred' with provider_unit or provider)",
        description="A referral needs the survivor's consent to services and, to another organisation, "
        "consent to referral to that kind of service (purpose 'referral', service = the type): without it "
        "the answer is 409 (field consent) naming the missing consent, unless a case supervisor gives "
        "override_reason. When that referral consent lists contact methods, contact_method must be one of "
        "them, and phone also needs a release consent naming the provider's organisation (409, field "
        "contact_method). A referral to another organisation awaits the receiver's reply (reply_due_at from "
        "urgency) and notifies the provider's referral.respond staff.",
        operation_id="gbv_services_create",
        parameters=[IDENT],
        request=s.GbvServiceInputSerializer,
        responses={201: s.GbvServiceSerializer, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request, ident: str) -> Response:
        body = rest.parse(s.GbvServiceInputSerializer, request.data)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to add a service"
        )
        service = services.service_record(
            actor=request.user,
            incident=incident,
            type=body["type"],
            status=body["status"],
            provider=organisation_by_code(body.get("provider"), field="provider", required=False),
            provider_unit=provider_by_id(body["provider_unit"]) if body.get("provider_unit") else None,
            urgency=body.get("urgency") or "",
            contact_method=body.get("contact_method") or "",
            referred_on=body.get("referred_on"),
            provided_on=body.get("provided_on"),
            pep_given_on=body.get("pep_given_on"),
            ec_given_on=body.get("ec_given_on"),
            override_reason=body.get("override_reason") or "",
        )
        return Response(s.GbvServiceSerializer(selectors.service_as_dict(service)).data, status=201)


REFERRAL_ROLES = (Perm.CASE_VIEW, Perm.REFERRAL_RESPOND)


def _referral_answer(request: Request, service: Any) -> Any:
    case_role = policy.can(request.user, Perm.CASE_VIEW, service)
    return s.GbvReferralSerializer(selectors.referral_as_dict(service, case_role=case_role)).data


class ReferralList(CaseAPIView):
    @extend_schema(
        summary="Referrals sent to the user's organisation (incoming, the default) or by it (outgoing)",
        description="Incoming: the referral inbox of the organisation's case roles, and of its service "
        "providers (referral.respond) within their place. Each row gives the survivor code, the service, "
        "urgency, the contact method, the referring worker and organisation, dates and status; never who the "
        "survivor is. Each listed referral is audited on its case's access log.",
        operation_id="gbv_referrals_list",
        parameters=[s.GbvReferralListQuerySerializer],
        responses={200: s.GbvReferralPageSerializer, **rest.errors(400)},
    )
    def get(self, request: Request) -> Response:
        policy.require_any(request.user, REFERRAL_ROLES)
        query = rest.parse_query(s.GbvReferralListQuerySerializer, request)
        rows = selectors.referrals_list(
            user=request.user, direction=query.get("direction") or "", status=query.get("status") or ""
        )
        results = [selectors.referral_row(r) for r in rows]
        return Response(s.GbvReferralPageSerializer({"count": len(rows), "results": results}).data)


class ReferralDetail(CaseAPIView):
    @extend_schema(
        summary="One referral, for the receiving organisation (audited)",
        description="Name and phone only with the survivor's standing release of information to this "
        "organisation for this service; the incident's date and type only for the receiving case roles.",
        operation_id="gbv_referrals_get",
        parameters=[REFERRAL_ID],
        responses={200: s.GbvReferralSerializer, **rest.errors(404)},
    )
    def get(self, request: Request, service_id: str) -> Response:
        policy.require_any(request.user, REFERRAL_ROLES)
        service = selectors.referral_open(user=request.user, ident=service_id)
        return Response(_referral_answer(request, service))

    @extend_schema(
        summary="Update a referral's status (e.g. provided), by the receiving organisation",
        description="Takes status, provided_on, pep_given_on and ec_given_on only (any other field is a "
        "400); provided_on may not be before referred_on.",
        operation_id="gbv_referrals_update",
        parameters=[REFERRAL_ID],
        request=s.GbvReferralUpdateSerializer,
        responses={200: s.GbvReferralSerializer, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def patch(self, request: Request, service_id: str) -> Response:
        body = rest.parse(s.GbvReferralUpdateSerializer, request.data)
        service = selectors.referral_open(user=request.user, ident=service_id)
        updated = services.service_update(
            actor=request.user,
            service=service,
            status=body["status"],
            provided_on=body.get("provided_on"),
            pep_given_on=body.get("pep_given_on"),
            ec_given_on=body.get("ec_given_on"),
        )
        return Response(s.GbvReferralSerializer(selectors.referral_as_dict(updated)).data)


class ReferralRespond(CaseAPIView):
    @extend_schema(
        summary="Answer a referral: accept, decline (reason required) or complete (outcome required)",
        description="For the provider organisation's service providers (referral.respond) within their place. "
        "accept: from pending; decline and complete: from pending or accepted (409 otherwise). The referring "
        "worker is notified.",
        operation_id="gbv_referrals_respond",
        parameters=[REFERRAL_ID],
        request=s.GbvReferralRespondSerializer,
        responses={200: s.GbvReferralSerializer, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.REFERRAL_RESPOND)
    def post(self, request: Request, service_id: str) -> Response:
        body = rest.parse(s.GbvReferralRespondSerializer, request.data)
        service = selectors.referral_open(user=request.user, ident=service_id)
        action = body["action"]
        note = body.get("reason") if action == "decline" else body.get("outcome")
        updated = services.referral_respond(
            actor=request.user, service=service, action=action, note=note or ""
        )
        return Response(_referral_answer(request, updated))


class NoteCreate(CaseAPIView):
    @extend_schema(
        summary="Add a case plan or follow-up note",
        operation_id="gbv_notes_create",
        parameters=[IDENT],
        request=s.GbvNoteInputSerializer,
        responses={201: s.GbvCreatedSerializer, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request, ident: str) -> Response:
        body = rest.parse(s.GbvNoteInputSerializer, request.data)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to add a note"
        )
        note = services.note_add(
            actor=request.user,
            incident=incident,
            kind=body["kind"],
            text=body["text"],
            due_on=body.get("due_on"),
        )
        return Response(s.GbvCreatedSerializer(note).data, status=status.HTTP_201_CREATED)


class ClosureRequest(CaseAPIView):
    @extend_schema(
        summary="Ask a supervisor to close the case",
        operation_id="gbv_closure_request",
        parameters=[IDENT],
        request=s.GbvClosureRequestSerializer,
        responses={200: s.GbvCaseStateSerializer, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.CASE_MANAGE)
    def post(self, request: Request, ident: str) -> Response:
        body = rest.parse(s.GbvClosureRequestSerializer, request.data)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_MANAGE, purpose="opened to request closure"
        )
        incident = services.incident_closure_request(
            actor=request.user, incident=incident, reason=body["reason"]
        )
        return Response(s.GbvCaseStateSerializer(incident).data)


class ClosureDecision(CaseAPIView):
    @extend_schema(
        summary="A supervisor approves ({'approve': true}) or refuses a closure",
        operation_id="gbv_closure_decide",
        parameters=[IDENT],
        request=s.GbvClosureDecisionSerializer,
        responses={200: s.GbvCaseStateSerializer, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.CASE_SUPERVISE)
    def post(self, request: Request, ident: str) -> Response:
        body = rest.parse(s.GbvClosureDecisionSerializer, request.data)
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_SUPERVISE, purpose="opened to decide closure"
        )
        incident = services.incident_closure_decide(
            actor=request.user, incident=incident, approve=body["approve"]
        )
        return Response(s.GbvCaseStateSerializer(incident).data)


class AccessLog(CaseAPIView):
    @extend_schema(
        summary="Who opened, listed, found or changed a case (case supervisors)",
        operation_id="gbv_access_log",
        parameters=[IDENT],
        responses={200: s.GbvAccessLogSerializer, **rest.errors(404)},
    )
    @policy.requires(Perm.CASE_SUPERVISE)
    def get(self, request: Request, ident: str) -> Response:
        incident = selectors.incident_open(
            user=request.user, ident=ident, perm=Perm.CASE_SUPERVISE, purpose="access log viewed"
        )
        events = selectors.access_log(user=request.user, incident=incident)[:1000]
        results = [
            {
                "at": e.at.isoformat(),
                "user": e.actor_username,
                "action": e.action,
                "what": e.message,
                "ip_address": e.ip_address,
            }
            for e in events
        ]
        return Response(s.GbvAccessLogSerializer({"id": incident.uuid, "results": results}).data)


STATISTICS = "Counts 1-4 are shown as '<5', and complementary cells as '*' so that no hidden count follows "
STATISTICS += "from a total. Incidents without reporting consent are left out."


def _statistics(request: Request) -> dict[str, Any]:
    query = rest.parse_query(s.GbvStatisticsQuerySerializer, request)
    return statistics.statistics(user=request.user, period=query["period"], org_unit=query.get("org_unit"))


class Statistics(CaseAPIView):
    @extend_schema(
        summary="Suppressed GBVIMS-style monthly statistics and accountability",
        description=STATISTICS,
        operation_id="gbv_statistics",
        parameters=[s.GbvStatisticsQuerySerializer],
        responses={200: s.GbvStatisticsSerializer, **rest.errors(400)},
    )
    @policy.requires(Perm.CASE_STATISTICS)
    def get(self, request: Request) -> Response:
        return Response(s.GbvStatisticsSerializer(_statistics(request)).data)


class StatisticsCsv(CaseAPIView):
    @extend_schema(
        summary="The same suppressed statistics as CSV (table, row, column, value)",
        operation_id="gbv_statistics_csv",
        parameters=[s.GbvStatisticsQuerySerializer],
        responses=csv_answer("Columns table, row, column, value; suppressed values as '<5' or '*'"),
    )
    @policy.requires(Perm.CASE_STATISTICS)
    def get(self, request: Request) -> HttpResponse:
        result = _statistics(request)
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
