"""REST endpoints of the funding app (mounted under /api/v1/): the IATI upload, funding per node and
agency, IATI activities and their mapping, exchange rates, and the spreadsheet template. Thin: parameters
in, services/selectors, JSON out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.geo.selectors import org_unit_by_code
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import iati, selectors, services
from .models import BudgetLine, Transaction
from .serializers import (
    ExchangeRateInput,
    ExchangeRateListOut,
    ExchangeRateOut,
    FundingBudgetLineInput,
    FundingBudgetLineListOut,
    FundingBudgetLineOut,
    FundingMappingRuleInput,
    FundingMappingRuleListOut,
    FundingMappingRuleOut,
    FundingRecordFilters,
    FundingSummaryOut,
    FundingSummaryQuery,
    FundingTransactionInput,
    FundingTransactionListOut,
    FundingTransactionOut,
    IatiActivitiesQuery,
    IatiActivityListOut,
    IatiActivityMapInput,
    IatiActivityOut,
    IatiImportInput,
    IatiImportOut,
)

MAX_UPLOAD_BYTES = iati.MAX_BYTES
MAY_MANAGE = services.MAY_MANAGE


def importing_organisation(user: Actor, code: str | None) -> Organisation:
    """The organisation money is recorded for: the one named, or the user's only organisation in which they
    manage funding nationally."""
    if code and code.strip():
        try:
            org: Organisation | None = organisation_by_code(code, active=False)
        except ValidationFailed:
            org = None  # an unknown organisation is "not found", as one the user may not act for
        if org is None or not policy.allows(user, Perm.FUNDING_MANAGE, organisation=org, check=MAY_MANAGE):
            if org is not None and policy.has_perm(user, Perm.FUNDING_MANAGE):
                raise PermissionDenied(f"you may not manage funding of {org.code} nationally")
            raise NotFound(f"organisation {code} not found", field="organisation")
        return org
    ids = policy.organisations_with(user, Perm.FUNDING_MANAGE)
    candidates = [
        o
        for o in Organisation.objects.filter(is_active=True, **({} if ids is None else {"pk__in": ids}))[:50]
        if policy.allows(user, Perm.FUNDING_MANAGE, organisation=o, check=MAY_MANAGE)
    ]
    if len(candidates) != 1:
        raise ValidationFailed(
            "organisation is required: the code of the organisation the activities are recorded for",
            field="organisation",
        )
    return candidates[0]


class IatiImportView(APIView):
    """POST funding/iati (multipart `file`, optional `organisation` code)."""

    @extend_schema(
        operation_id="funding_iati_import",
        summary="Import an IATI activity file (2.01-2.03, 1.01-1.05); counts and a reason per skip",
        request={"multipart/form-data": IatiImportInput},
        responses={200: IatiImportOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(IatiImportInput, request.data, max_bytes=MAX_UPLOAD_BYTES)
        upload = data["file"]
        org = importing_organisation(request.user, data.get("organisation"))
        summary = iati.iati_import(
            actor=request.user, content=upload.read(), organisation=org, filename=upload.name or ""
        )
        return Response(IatiImportOut(summary.as_dict() | {"organisation": org.code}).data)


class FundingSummaryView(APIView):
    """GET funding/summary?framework=CODE&currency=RWF&fiscal_year=2024July"""

    @extend_schema(
        operation_id="funding_summary",
        summary="Planned, committed, disbursed, spent, gap and burn rate per node and agency",
        parameters=[FundingSummaryQuery],
        responses={200: FundingSummaryOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(FundingSummaryQuery, request)
        fw = selectors.funding_framework_get(user=request.user, code=query["framework"])
        result = selectors.framework_funding(
            framework=fw,
            user=request.user,
            currency=query.get("currency") or "RWF",
            fiscal_year=query.get("fiscal_year") or None,
        )
        costs = selectors.costs_per_result(user=request.user, result=result)
        body = result.as_dict() | {"cost_per_result": [c.as_dict(result.currency) for c in costs]}
        return Response(FundingSummaryOut(body).data)


class IatiActivityListView(APIView):
    """GET funding/iati/activities?unmapped=true"""

    @extend_schema(
        operation_id="funding_iati_activities",
        parameters=[IatiActivitiesQuery],
        responses={200: IatiActivityListOut},
    )
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(IatiActivitiesQuery, request)
        qs = selectors.activities_visible_to(user=request.user).select_related(
            "organisation", "node__framework"
        )
        if (query.get("unmapped") or "").lower() in ("1", "true", "yes"):
            qs = qs.filter(node__isnull=True)
        return Response(IatiActivityListOut({"activities": qs[:2000]}).data)


class IatiActivityMapView(APIView):
    """POST funding/iati/activities/<id>/map {"framework": CODE, "node": CODE} (node null: unmap)."""

    @extend_schema(
        operation_id="funding_iati_map",
        request=IatiActivityMapInput,
        responses={200: IatiActivityOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request, pk: str) -> Response:
        activity = policy.get_visible_or_404(
            request.user, Perm.FUNDING_MANAGE, selectors.activities_visible_to(user=request.user), uuid=pk
        )
        data = rest.parse(IatiActivityMapInput, request.data)
        node = resolve_node(request.user, data.get("framework"), data.get("node"))
        activity = iati.iati_activity_map(actor=request.user, activity=activity, node=node)
        return Response(IatiActivityOut(activity).data)


def resolve_node(user: Actor, framework: str | None, code: str | None) -> Node | None:
    if not code:
        return None
    if not framework:
        raise ValidationFailed("framework is required with node", field="framework")
    node = (
        policy.visible(user, Perm.FRAMEWORK_VIEW, Node.objects.select_related("framework"))
        .filter(framework__code=framework, code=code)
        .first()
    )
    if node is None:
        raise ValidationFailed(f"node: {framework}/{code} not found", field="node")
    return node


class ExchangeRateView(APIView):
    """GET funding/rates; POST funding/rates {"currency", "quote", "rate", "valid_from"} (system admins)."""

    @extend_schema(operation_id="funding_rates_list", responses={200: ExchangeRateListOut})
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        rows = selectors.exchange_rates_visible_to(user=request.user)
        return Response(ExchangeRateListOut({"rates": rows}).data)

    @extend_schema(
        operation_id="funding_rates_set",
        request=ExchangeRateInput,
        responses={201: ExchangeRateOut, **rest.errors(400)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(ExchangeRateInput, request.data)
        rate = services.exchange_rate_set(
            actor=request.user,
            currency=data["currency"],
            quote=data["quote"] or "RWF",
            rate=data["rate"],
            valid_from=data["valid_from"],
            source=data["source"],
        )
        return Response(ExchangeRateOut(rate).data, status=201)


# ---------------------------------------------------------------------------------------------------------
# Budget lines, transactions and mapping rules, one at a time


def _filtered(query: dict[str, Any], qs: Any) -> Any:
    if query.get("framework"):
        qs = qs.filter(node__framework__code=query["framework"])
    if query.get("node"):
        qs = qs.filter(node__code=query["node"])
    if query.get("organisation"):
        qs = qs.filter(organisation__code=query["organisation"])
    return qs.select_related("node__framework")


def _common(user: Actor, data: dict[str, Any]) -> dict[str, Any]:
    def party(field: str) -> Organisation | None:
        return organisation_by_code(data.get(field), field=field, active=False, required=False)

    return {
        "organisation": organisation_by_code(data["organisation"], active=False),
        "node": resolve_node(user, data.get("framework"), data.get("node")),
        "amount": data["amount"],
        "currency": data["currency"],
        "org_unit": org_unit_by_code(data.get("org_unit"), required=False),
        "implementing_partner": party("implementing_partner"),
        "funder": party("funder"),
        "funder_name": (data.get("funder_name") or "")[:300],
        "description": (data.get("description") or "")[:500],
        "is_published": data["published"],
        "is_sensitive": data["sensitive"],
    }


class BudgetLineListView(APIView):
    """GET funding/budget-lines?framework=&node=&organisation=; POST one budget line."""

    @extend_schema(
        operation_id="funding_budget_lines",
        parameters=[FundingRecordFilters],
        responses={200: FundingBudgetLineListOut},
    )
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(FundingRecordFilters, request)
        qs = _filtered(query, selectors.budget_lines_visible_to(user=request.user))
        return Response(
            FundingBudgetLineListOut({"budget_lines": qs.order_by("period_start", "pk")[:5000]}).data
        )

    @extend_schema(
        operation_id="funding_budget_line_create",
        request=FundingBudgetLineInput,
        responses={201: FundingBudgetLineOut, **rest.errors(400)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(FundingBudgetLineInput, request.data)
        line = services.budget_line_create(
            actor=request.user, fiscal_year=data["fiscal_year"], **_common(request.user, data)
        )
        return Response(FundingBudgetLineOut(line).data, status=201)


class TransactionListView(APIView):
    """GET funding/transactions?framework=&node=&organisation=; POST one transaction."""

    @extend_schema(
        operation_id="funding_transactions",
        parameters=[FundingRecordFilters],
        responses={200: FundingTransactionListOut},
    )
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(FundingRecordFilters, request)
        qs = _filtered(query, selectors.transactions_visible_to(user=request.user))
        return Response(FundingTransactionListOut({"transactions": qs.order_by("date", "pk")[:5000]}).data)

    @extend_schema(
        operation_id="funding_transaction_create",
        request=FundingTransactionInput,
        responses={201: FundingTransactionOut, **rest.errors(400)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(FundingTransactionInput, request.data)
        tx = services.transaction_create(
            actor=request.user, kind=data["kind"], date=data["date"], **_common(request.user, data)
        )
        return Response(FundingTransactionOut(tx).data, status=201)


class MappingRuleListView(APIView):
    """GET funding/mapping-rules; POST {"framework", "node", "kind": sector|tag|keyword, "value", "priority",
    "organisation"} (no organisation: a shared rule, system administrators only)."""

    @extend_schema(operation_id="funding_mapping_rules", responses={200: FundingMappingRuleListOut})
    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request) -> Response:
        rules = selectors.mapping_rules_visible_to(user=request.user).select_related(
            "framework", "node", "organisation"
        )
        return Response(FundingMappingRuleListOut({"rules": rules}).data)

    @extend_schema(
        operation_id="funding_mapping_rule_create",
        request=FundingMappingRuleInput,
        responses={201: FundingMappingRuleOut, **rest.errors(400)},
    )
    @policy.requires(Perm.FUNDING_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(FundingMappingRuleInput, request.data)
        node = resolve_node(request.user, data.get("framework"), data.get("node"))
        if node is None:
            raise ValidationFailed("node is required", field="node")
        rule = services.mapping_rule_create(
            actor=request.user,
            node=node,
            kind=data["kind"],
            value=data["value"],
            priority=max(0, data.get("priority") or 100),
            organisation=organisation_by_code(data.get("organisation"), active=False, required=False),
        )
        return Response(FundingMappingRuleOut(rule).data, status=201)


@extend_schema_view(
    get=extend_schema(
        operation_id="funding_budget_line_get", responses={200: FundingBudgetLineOut, **rest.errors(404)}
    ),
    delete=extend_schema(
        operation_id="funding_budget_line_delete", responses={204: None, **rest.errors(400, 404)}
    ),
)
class BudgetLineDetailView(APIView):
    """GET / DELETE funding/budget-lines/<id> (IATI lines are removed by re-importing, not here)."""

    model_selector: Any = staticmethod(selectors.budget_lines_visible_to)
    out: Any = FundingBudgetLineOut

    @policy.requires(Perm.FUNDING_VIEW)
    def get(self, request: Request, pk: str) -> Response:
        qs = self.model_selector(user=request.user)
        return Response(
            self.out(policy.get_visible_or_404(request.user, Perm.FUNDING_VIEW, qs, uuid=pk)).data
        )

    @policy.requires(Perm.FUNDING_MANAGE)
    def delete(self, request: Request, pk: str) -> Response:
        qs = self.model_selector(user=request.user)
        record: BudgetLine | Transaction = policy.get_visible_or_404(
            request.user, Perm.FUNDING_MANAGE, qs, uuid=pk
        )
        if record.iati_activity_id:
            raise ValidationFailed(
                "this figure comes from an IATI file: re-import the file instead", field="id"
            )
        services.funding_record_delete(actor=request.user, record=record)
        return Response(status=204)


@extend_schema_view(
    get=extend_schema(
        operation_id="funding_transaction_get", responses={200: FundingTransactionOut, **rest.errors(404)}
    ),
    delete=extend_schema(
        operation_id="funding_transaction_delete", responses={204: None, **rest.errors(400, 404)}
    ),
)
class TransactionDetailView(BudgetLineDetailView):
    """GET / DELETE funding/transactions/<id>."""

    model_selector: Any = staticmethod(selectors.transactions_visible_to)
    out: Any = FundingTransactionOut
