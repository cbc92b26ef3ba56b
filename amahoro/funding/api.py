"""REST endpoints of the funding app (mounted under /api/v1/): the IATI upload, funding per node and
agency, IATI activities and their mapping, exchange rates, and the spreadsheet template. Thin: parameters
in, services/selectors, JSON out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import iati, selectors, services

MAX_UPLOAD_BYTES = iati.MAX_BYTES


def _require(user: Any, perm: Perm) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied(f"you do not have the '{perm.value}' permission", code="permission_denied")


def importing_organisation(user: Any, code: str | None) -> Organisation:
    """The organisation money is recorded for: the one named, or the user's only organisation in which they
    manage funding nationally."""
    if code:
        org = Organisation.objects.filter(code=code.strip()).first()
        if org is None or not services.may_manage(user, organisation=org, org_unit=None):
            if org is not None and policy.has_perm(user, Perm.FUNDING_MANAGE):
                raise PermissionDenied(f"you may not manage funding of {org.code} nationally")
            raise NotFound(f"organisation {code} not found", field="organisation")
        return org
    ids = policy.organisations_with(user, Perm.FUNDING_MANAGE)
    candidates = [
        o
        for o in Organisation.objects.filter(is_active=True, **({} if ids is None else {"pk__in": ids}))[:50]
        if services.may_manage(user, organisation=o, org_unit=None)
    ]
    if len(candidates) != 1:
        raise ValidationFailed(
            "organisation is required: the code of the organisation the activities are recorded for",
            field="organisation",
        )
    return candidates[0]


def _upload(request: Request) -> tuple[bytes, str]:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed("attach the file as multipart field 'file'", field="file")
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="file"
        )
    return upload.read(), upload.name or ""


class IatiImportView(APIView):
    """POST funding/iati (multipart `file`, optional `organisation` code)."""

    @extend_schema(
        operation_id="funding_iati_import",
        summary="Import an IATI activity file (2.01-2.03, 1.01-1.05); counts and a reason per skip",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing saved"),
        },
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        content, name = _upload(request)
        org = importing_organisation(request.user, request.data.get("organisation"))
        summary = iati.iati_import(actor=request.user, content=content, organisation=org, filename=name)
        return Response(summary.as_dict() | {"organisation": org.code})


class FundingSummaryView(APIView):
    """GET funding/summary?framework=CODE&currency=RWF&fiscal_year=2024July"""

    @extend_schema(
        operation_id="funding_summary",
        summary="Planned, committed, disbursed, spent, gap and burn rate per node and agency",
        parameters=[
            OpenApiParameter("framework", str, required=True),
            OpenApiParameter("currency", str, description="ISO 4217, default RWF"),
            OpenApiParameter("fiscal_year", str, description="a period code, e.g. 2024July"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        code = request.query_params.get("framework")
        if not code:
            raise ValidationFailed("framework is required", field="framework")
        fw = selectors.funding_framework_get(user=request.user, code=code)
        result = selectors.framework_funding(
            framework=fw,
            user=request.user,
            currency=request.query_params.get("currency") or "RWF",
            fiscal_year=request.query_params.get("fiscal_year") or None,
        )
        costs = selectors.costs_per_result(user=request.user, result=result)
        return Response(result.as_dict() | {"cost_per_result": [c.as_dict(result.currency) for c in costs]})


def activity_dict(a: Any) -> dict[str, Any]:
    return {
        "id": str(a.uuid),
        "iati_identifier": a.iati_identifier,
        "title": a.title,
        "organisation": a.organisation.code,
        "reporting_org": a.reporting_org_name or a.reporting_org_ref,
        "iati_version": a.iati_version,
        "sectors": a.sectors,
        "tags": a.tags,
        "recipient_countries": a.recipient_countries,
        "recipient_regions": a.recipient_regions,
        "participating_orgs": a.participating_orgs,
        "node": {"framework": a.node.framework.code, "code": a.node.code} if a.node_id else None,
        "mapping": a.mapping_method or "unmapped",
        "mapping_note": a.mapping_note,
    }


class IatiActivityListView(APIView):
    """GET funding/iati/activities?unmapped=true"""

    @extend_schema(operation_id="funding_iati_activities", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        qs = selectors.activities_visible_to(user=request.user)
        if (request.query_params.get("unmapped") or "").lower() in ("1", "true", "yes"):
            qs = qs.filter(node__isnull=True)
        return Response({"activities": [activity_dict(a) for a in qs[:2000]]})


class IatiActivityMapView(APIView):
    """POST funding/iati/activities/<id>/map {"framework": CODE, "node": CODE} (node null: unmap)."""

    @extend_schema(
        operation_id="funding_iati_map", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request, pk: str) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        activity = policy.get_visible_or_404(
            request.user, Perm.FUNDING_MANAGE, selectors.activities_visible_to(user=request.user), uuid=pk
        )
        node = resolve_node(request.user, request.data.get("framework"), request.data.get("node"))
        activity = iati.iati_activity_map(actor=request.user, activity=activity, node=node)
        return Response(activity_dict(activity))


def resolve_node(user: Any, framework: Any, code: Any) -> Node | None:
    if code in (None, ""):
        return None
    if not framework:
        raise ValidationFailed("framework is required with node", field="framework")
    node = (
        policy.visible(user, Perm.FRAMEWORK_VIEW, Node.objects.select_related("framework"))
        .filter(framework__code=str(framework), code=str(code))
        .first()
    )
    if node is None:
        raise ValidationFailed(f"node: {framework}/{code} not found", field="node")
    return node


class ExchangeRateView(APIView):
    """GET funding/rates; POST funding/rates {"currency", "quote", "rate", "valid_from"} (system admins)."""

    @extend_schema(operation_id="funding_rates_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        rows = selectors.exchange_rates_visible_to(user=request.user)
        return Response(
            {
                "rates": [
                    {"currency": r.currency, "quote": r.quote, "rate": str(r.rate),
                     "valid_from": r.valid_from.isoformat(), "source": r.source}
                    for r in rows
                ]
            }
        )  # fmt: skip

    @extend_schema(
        operation_id="funding_rates_set", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        raw = request.data.get("valid_from") or ""
        try:
            valid_from = dt.date.fromisoformat(str(raw))
        except ValueError as exc:
            raise ValidationFailed(
                f"valid_from must be a date (YYYY-MM-DD), not '{raw}'", field="valid_from"
            ) from exc
        rate = services.exchange_rate_set(
            actor=request.user,
            currency=str(request.data.get("currency") or ""),
            quote=str(request.data.get("quote") or "RWF"),
            rate=request.data.get("rate"),
            valid_from=valid_from,
            source=str(request.data.get("source") or ""),
        )
        return Response({"currency": rate.currency, "quote": rate.quote, "rate": str(rate.rate),
                         "valid_from": rate.valid_from.isoformat()}, status=201)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# Budget lines, transactions and mapping rules, one at a time


def _org(code: Any, field: str, *, required: bool = False) -> Organisation | None:
    if code in (None, ""):
        if required:
            raise ValidationFailed(f"{field} is required (an organisation code)", field=field)
        return None
    org = Organisation.objects.filter(code=str(code)).first()
    if org is None:
        raise ValidationFailed(f"{field}: unknown organisation '{code}'", field=field)
    return org


def _place(code: Any) -> Any:
    if code in (None, ""):
        return None
    from amahoro.geo.models import OrgUnit

    unit = OrgUnit.objects.filter(code=str(code)).first()
    if unit is None:
        raise ValidationFailed(f"org_unit: unknown place code '{code}'", field="org_unit")
    return unit


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def record_dict(r: Any) -> dict[str, Any]:
    out = {
        "id": str(r.uuid),
        "framework": r.node.framework.code if r.node_id else None,
        "node": r.node.code if r.node_id else None,
        "organisation": r.organisation.code,
        "implementing_partner": r.implementing_partner.code if r.implementing_partner_id else None,
        "funder": r.funder.code if r.funder_id else None,
        "funder_name": r.funder_name,
        "amount": f"{r.amount:.2f}",
        "currency": r.currency,
        "description": r.description,
        "published": r.is_published,
        "sensitive": r.is_sensitive,
        "source": r.source,
    }
    if hasattr(r, "fiscal_year"):
        out |= {"fiscal_year": r.fiscal_year, "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat()}  # fmt: skip
    else:
        out |= {"kind": r.kind, "date": r.date.isoformat()}
    return out


def _filtered(request: Request, qs: Any) -> Any:
    params = request.query_params
    if params.get("framework"):
        qs = qs.filter(node__framework__code=params["framework"])
    if params.get("node"):
        qs = qs.filter(node__code=params["node"])
    if params.get("organisation"):
        qs = qs.filter(organisation__code=params["organisation"])
    return qs.select_related("node__framework")


def _common(request: Request) -> dict[str, Any]:
    data = request.data
    return {
        "organisation": _org(data.get("organisation"), "organisation", required=True),
        "node": resolve_node(request.user, data.get("framework"), data.get("node")),
        "amount": data.get("amount"),
        "currency": str(data.get("currency") or ""),
        "org_unit": _place(data.get("org_unit")),
        "implementing_partner": _org(data.get("implementing_partner"), "implementing_partner"),
        "funder": _org(data.get("funder"), "funder"),
        "funder_name": str(data.get("funder_name") or "")[:300],
        "description": str(data.get("description") or "")[:500],
        "is_published": _truthy(data.get("published", False)),
        "is_sensitive": _truthy(data.get("sensitive", False)),
    }


class BudgetLineListView(APIView):
    """GET funding/budget-lines?framework=&node=&organisation=; POST one budget line."""

    @extend_schema(operation_id="funding_budget_lines", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        qs = _filtered(request, selectors.budget_lines_visible_to(user=request.user))
        return Response({"budget_lines": [record_dict(r) for r in qs.order_by("period_start", "pk")[:5000]]})

    @extend_schema(
        operation_id="funding_budget_line_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        line = services.budget_line_create(
            actor=request.user, fiscal_year=str(request.data.get("fiscal_year") or ""), **_common(request)
        )
        return Response(record_dict(line), status=201)


class TransactionListView(APIView):
    """GET funding/transactions?framework=&node=&organisation=; POST one transaction."""

    @extend_schema(operation_id="funding_transactions", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        qs = _filtered(request, selectors.transactions_visible_to(user=request.user))
        return Response({"transactions": [record_dict(r) for r in qs.order_by("date", "pk")[:5000]]})

    @extend_schema(
        operation_id="funding_transaction_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        raw = request.data.get("date")
        try:
            day = dt.date.fromisoformat(str(raw)) if raw else None
        except ValueError as exc:
            raise ValidationFailed(f"date must be a date (YYYY-MM-DD), not '{raw}'", field="date") from exc
        tx = services.transaction_create(
            actor=request.user, kind=str(request.data.get("kind") or ""), date=day, **_common(request)
        )
        return Response(record_dict(tx), status=201)


class MappingRuleListView(APIView):
    """GET funding/mapping-rules; POST {"framework", "node", "kind": sector|tag|keyword, "value", "priority",
    "organisation"} (no organisation: a shared rule, system administrators only)."""

    @extend_schema(operation_id="funding_mapping_rules", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        rules = selectors.mapping_rules_visible_to(user=request.user).select_related("framework")
        return Response({"rules": [rule_dict(r) for r in rules]})

    @extend_schema(
        operation_id="funding_mapping_rule_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        node = resolve_node(request.user, request.data.get("framework"), request.data.get("node"))
        if node is None:
            raise ValidationFailed("node is required", field="node")
        try:
            priority = int(request.data.get("priority") or 100)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("priority must be a whole number", field="priority") from exc
        rule = services.mapping_rule_create(
            actor=request.user,
            node=node,
            kind=str(request.data.get("kind") or ""),
            value=str(request.data.get("value") or ""),
            priority=max(0, priority),
            organisation=_org(request.data.get("organisation"), "organisation"),
        )
        return Response(rule_dict(rule), status=201)


def rule_dict(r: Any) -> dict[str, Any]:
    return {"id": str(r.uuid), "framework": r.framework.code, "node": r.node.code, "kind": r.kind, "value": r.value,
            "priority": r.priority, "organisation": r.organisation.code if r.organisation_id else None}  # fmt: skip


class BudgetLineDetailView(APIView):
    """GET / DELETE funding/budget-lines/<id> (IATI lines are removed by re-importing, not here)."""

    model_selector: Any = staticmethod(selectors.budget_lines_visible_to)

    @extend_schema(operation_id="funding_budget_line_get", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        _require(request.user, Perm.FUNDING_VIEW)
        qs = self.model_selector(user=request.user)
        return Response(record_dict(policy.get_visible_or_404(request.user, Perm.FUNDING_VIEW, qs, uuid=pk)))

    @extend_schema(operation_id="funding_budget_line_delete", responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        _require(request.user, Perm.FUNDING_MANAGE)
        qs = self.model_selector(user=request.user)
        record = policy.get_visible_or_404(request.user, Perm.FUNDING_MANAGE, qs, uuid=pk)
        if record.iati_activity_id:
            raise ValidationFailed(
                "this figure comes from an IATI file: re-import the file instead", field="id"
            )
        services.funding_record_delete(actor=request.user, record=record)
        return Response(status=204)


@extend_schema_view(
    get=extend_schema(operation_id="funding_transaction_get", responses={200: OpenApiTypes.OBJECT}),
    delete=extend_schema(operation_id="funding_transaction_delete", responses={204: None}),
)
class TransactionDetailView(BudgetLineDetailView):
    """GET / DELETE funding/transactions/<id>."""

    model_selector: Any = staticmethod(selectors.transactions_visible_to)
