"""Reads of the funding app, always through the policy: figures per framework node (rolled up through the
tree, and across frameworks through node links) and per agency, in one currency with dated rates.

Definitions (docs/funding.md):
- planned: budget lines; committed, disbursed, spent: transactions of those kinds (spent = expenditure).
- gap = planned - committed (money planned but not yet promised by anyone; negative = over-committed).
- burn rate = spent / disbursed (the share of the money received that has been used); None when nothing
  was disbursed.
- cost per result = spent / the indicator's achieved value over the framework's span.
Each amount is converted at the latest rate on or before its own date (a transaction's value date, a budget
line's first day). Amounts without a usable rate are left out and listed in `unconverted`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.frameworks.models import Framework, Node, NodeLink
from amahoro.policy import Actor
from amahoro.roles import Perm

from .currencies import currency_check
from .models import BudgetLine, ExchangeRate, IatiActivity, MappingRule, Transaction
from .rates import Converter, MissingRate, money
from .services import fiscal_year_parse

KINDS = ("planned", "committed", "disbursed", "spent")
TX_FIELD = {"commitment": "committed", "disbursement": "disbursed", "expenditure": "spent"}
ZERO = Decimal(0)


@dataclass
class Totals:
    planned: Decimal = ZERO
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    spent: Decimal = ZERO

    def add(self, other: Totals) -> None:
        for k in KINDS:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def gap(self) -> Decimal:
        return self.planned - self.committed

    @property
    def burn_rate(self) -> float | None:
        if self.disbursed <= 0:
            return None
        return round(float(self.spent / self.disbursed), 4)

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, k) == 0 for k in KINDS)

    def as_dict(self, currency: str) -> dict[str, object]:
        out: dict[str, object] = {k: float(money(getattr(self, k))) for k in KINDS}
        out["gap"] = float(money(self.gap))
        out["burn_rate"] = self.burn_rate
        out["currency"] = currency
        return out


@dataclass
class Unconverted:
    record: str
    message: str


@dataclass
class NodeFunding:
    node: Node
    depth: int
    own: Totals
    total: Totals  # own + descendants (+ linked nodes of other frameworks)


@dataclass
class AgencyFunding:
    organisation_id: int
    code: str
    name: str
    total: Totals


@dataclass
class FrameworkFunding:
    framework: Framework
    currency: str
    nodes: list[NodeFunding]
    agencies: list[AgencyFunding]
    total: Totals
    unconverted: list[Unconverted] = field(default_factory=list)

    @property
    def pillars(self) -> list[NodeFunding]:
        return [n for n in self.nodes if n.depth == 0]

    def as_dict(self) -> dict[str, object]:
        return {
            "framework": {"code": self.framework.code, "name": self.framework.display_name},
            "currency": self.currency,
            "total": self.total.as_dict(self.currency),
            "nodes": [
                {"node_code": n.node.code, "node_name": n.node.display_name, "kind": n.node.kind,
                 "depth": n.depth, **n.total.as_dict(self.currency)}
                for n in self.nodes
            ],
            "agencies": [
                {"organisation": a.code, "name": a.name, **a.total.as_dict(self.currency)} for a in self.agencies
            ],
            "unconverted": [{"record": u.record, "error": u.message} for u in self.unconverted],
            "definitions": {
                "gap": "planned - committed",
                "burn_rate": "spent / disbursed (null when nothing was disbursed)",
                "conversion": "each amount at the latest rate on or before its date",
            },
        }  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# What may be seen


def budget_lines_visible_to(*, user: Actor | None, public: bool = False) -> QuerySet[BudgetLine]:
    qs = BudgetLine.objects.select_related("organisation", "node", "funder", "implementing_partner")
    if public:
        return qs.filter(is_published=True, is_sensitive=False)
    return policy.visible(user, Perm.FUNDING_VIEW, qs)


def transactions_visible_to(*, user: Actor | None, public: bool = False) -> QuerySet[Transaction]:
    qs = Transaction.objects.select_related("organisation", "node", "funder", "implementing_partner")
    if public:
        return qs.filter(is_published=True, is_sensitive=False)
    return policy.visible(user, Perm.FUNDING_VIEW, qs)


def activities_visible_to(*, user: Actor, perm: Perm = Perm.FUNDING_VIEW) -> QuerySet[IatiActivity]:
    return policy.visible(user, perm, IatiActivity.objects.select_related("organisation", "node__framework"))


def exchange_rates_visible_to(*, user: Actor) -> QuerySet[ExchangeRate]:
    return policy.visible(user, Perm.FUNDING_VIEW, ExchangeRate.objects.all())


def mapping_rules_visible_to(*, user: Actor) -> QuerySet[MappingRule]:
    return policy.visible(user, Perm.FUNDING_VIEW, MappingRule.objects.select_related("node", "organisation"))


def funding_frameworks(*, user: Actor | None, public: bool = False) -> QuerySet[Framework]:
    """Frameworks whose funding the caller may look at: public = national or public frameworks."""
    if public:
        return Framework.objects.filter(Q(organisation__isnull=True) | Q(is_public=True))
    if not policy.has_perm(user, Perm.FUNDING_VIEW):
        return Framework.objects.none()
    return policy.visible(user, Perm.FRAMEWORK_VIEW, Framework.objects.all())


def funding_framework_get(*, user: Actor, code: str, public: bool = False) -> Framework:
    fw = funding_frameworks(user=user, public=public).filter(code=code).first()
    if fw is None:
        raise NotFound(f"framework {code} not found", field="framework")
    return fw


# ---------------------------------------------------------------------------------------------------------
# Roll-up


def _ordered(nodes: list[Node]) -> list[tuple[Node, int]]:
    children: dict[int | None, list[Node]] = defaultdict(list)
    for n in nodes:
        children[n.parent_id].append(n)
    out: list[tuple[Node, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for n in sorted(children.get(parent, []), key=lambda x: (x.sort_order, x.code)):
            out.append((n, depth))
            walk(n.pk, depth + 1)

    walk(None, 0)
    return out


def effective_nodes(*, framework: Framework) -> dict[int, int]:
    """node id -> the node of `framework` its money counts under: the framework's own nodes, plus nodes of
    other frameworks that contribute to one of them through a node link (directly or via an ancestor;
    the first link wins, so money is never counted twice)."""
    mapping = {pk: pk for pk in Node.objects.filter(framework=framework).values_list("pk", flat=True)}
    linked: dict[int, int] = {}
    for source, target in (
        NodeLink.objects.filter(target__framework=framework)
        .exclude(source__framework=framework)
        .order_by("pk")
        .values_list("source_id", "target_id")
    ):
        linked.setdefault(source, target)
    if not linked:
        return mapping
    others = Node.objects.filter(framework__in=Node.objects.filter(pk__in=linked).values("framework"))
    parent = dict(others.values_list("pk", "parent_id"))
    for pk in parent:
        cur: int | None = pk
        while cur is not None:
            if cur in linked:
                mapping[pk] = linked[cur]
                break
            cur = parent.get(cur)
    return mapping


def _rows(
    budgets: QuerySet[BudgetLine],
    txs: QuerySet[Transaction],
    node_ids: Iterable[int],
    fiscal_year: str | None,
) -> Iterable[tuple[str, str, int, int, Decimal, str, dt.date]]:
    """(label, kind, node_id, organisation_id, amount, currency, date) of the records on these nodes."""
    ids = list(node_ids)
    b = budgets.filter(node_id__in=ids)
    t = txs.filter(node_id__in=ids)
    if fiscal_year:
        fy = fiscal_year_parse(fiscal_year)
        b = b.filter(period_start__gte=fy.start, period_start__lte=fy.end)
        t = t.filter(date__gte=fy.start, date__lte=fy.end)
    for pk, node, org, amount, cur, start in b.values_list(
        "pk", "node_id", "organisation_id", "amount", "currency", "period_start"
    ):
        yield f"budget line {pk}", "planned", node, org, amount, cur, start
    # The fiscal year follows the transaction's date; the exchange rate its value date (IATI value-date).
    for pk, kind, node, org, amount, cur, day, rate_day in t.values_list(
        "pk", "kind", "node_id", "organisation_id", "amount", "currency", "date", "rate_date"
    ):
        yield f"{kind} {pk}", TX_FIELD[kind], node, org, amount, cur, rate_day or day


def framework_funding(
    *,
    framework: Framework,
    user: Actor | None = None,
    public: bool = False,
    currency: str = "RWF",
    fiscal_year: str | None = None,
    converter: Converter | None = None,
) -> FrameworkFunding:
    """Planned, committed, disbursed, spent, gap and burn rate per node (rolled up) and per agency."""
    currency = currency_check(currency)
    converter = converter or Converter()
    ordered = _ordered(list(Node.objects.filter(framework=framework)))
    parent = {n.pk: n.parent_id for n, _ in ordered}
    mapping = effective_nodes(framework=framework)
    own: dict[int, Totals] = defaultdict(Totals)
    by_org: dict[int, Totals] = defaultdict(Totals)
    unconverted: list[Unconverted] = []
    rows = _rows(
        budget_lines_visible_to(user=user, public=public),
        transactions_visible_to(user=user, public=public),
        mapping,
        fiscal_year,
    )
    for label, kind, node, org, amount, cur, day in rows:
        try:
            value = converter.convert(amount, cur, currency, day)
        except MissingRate as exc:
            unconverted.append(Unconverted(label, exc.message))
            continue
        target = mapping[node]
        setattr(own[target], kind, getattr(own[target], kind) + value)
        setattr(by_org[org], kind, getattr(by_org[org], kind) + value)
    total_of: dict[int, Totals] = defaultdict(Totals)
    for node_id, t in own.items():
        cur_id: int | None = node_id
        while cur_id is not None:
            total_of[cur_id].add(t)
            cur_id = parent.get(cur_id)
    grand = Totals()
    for t in own.values():
        grand.add(t)
    from amahoro.organisations.models import Organisation

    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=by_org)}
    agencies = sorted(
        (
            AgencyFunding(pk, orgs[pk].code, orgs[pk].short_name or orgs[pk].name, t)
            for pk, t in by_org.items()
        ),
        key=lambda a: (-a.total.planned, a.code),
    )
    return FrameworkFunding(
        framework=framework,
        currency=currency,
        nodes=[NodeFunding(n, depth, own[n.pk], total_of[n.pk]) for n, depth in ordered],
        agencies=agencies,
        total=grand,
        unconverted=unconverted,
    )


def pillar_funding_summary(
    *, framework_code: str, currency: str = "RWF", user: Actor | None = None, public: bool = False
) -> list[dict[str, object]]:
    """One dict per top-level node (pillar) of the framework: node_code, node_name, planned, committed,
    disbursed, spent, gap, burn_rate, currency (amounts as floats rounded to 2 decimals; burn_rate a
    fraction or None). public=True: published, non-sensitive figures of a national or public framework;
    otherwise what `user` may see; no user and not public, or a framework the caller may not see: []."""
    if user is None and not public:
        return []
    fw = funding_frameworks(user=user, public=public).filter(code=framework_code).first()
    if fw is None:
        return []
    result = framework_funding(framework=fw, user=user, public=public, currency=currency)
    return [
        {"node_code": n.node.code, "node_name": n.node.display_name, **n.total.as_dict(result.currency)}
        for n in result.pillars
    ]


# ---------------------------------------------------------------------------------------------------------
# One node: its records and cost per result


@dataclass
class CostPerResult:
    node_code: str
    indicator_code: str
    indicator_name: str
    achieved: float | None
    unit: str
    spent: Decimal
    cost: Decimal | None  # spent / achieved, in the report currency

    def as_dict(self, currency: str) -> dict[str, object]:
        return {
            "node_code": self.node_code,
            "indicator": self.indicator_code,
            "indicator_name": self.indicator_name,
            "achieved": self.achieved,
            "unit": self.unit,
            "spent": float(money(self.spent)),
            "cost_per_result": None if self.cost is None else float(money(self.cost)),
            "currency": currency,
        }


MAX_COST_ROWS = 50


def costs_per_result(*, user: Actor, result: FrameworkFunding) -> list[CostPerResult]:
    """For each node with spending and a linked indicator the user may see: money spent on the node
    (rolled up) divided by the indicator's achieved value over the framework's span, at the user's
    widest place. None when nothing was achieved."""
    from amahoro.frameworks.models import Indicator
    from amahoro.frameworks.selectors import (
        indicator_progress,
        indicators_visible_to,
        progress_org_unit,
        span_of,
    )

    spent = {n.node.pk: (n.node, n.total.spent) for n in result.nodes if n.total.spent > 0}
    if not spent or user is None:
        return []
    pairs = list(
        Indicator.nodes.through.objects.filter(
            node_id__in=spent, indicator__in=indicators_visible_to(user=user)
        ).values_list("node_id", "indicator_id")[:MAX_COST_ROWS]
    )
    if not pairs:
        return []
    try:
        org_unit = progress_org_unit(user=user, code=None)
    except (NotFound, ValidationFailed):
        return []
    span = span_of(period=None, framework=result.framework)
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in={i for _, i in pairs})}
    out: list[CostPerResult] = []
    for node_id, ind_id in sorted(pairs, key=lambda p: (spent[p[0]][0].code, indicators[p[1]].code)):
        node, amount = spent[node_id]
        ind = indicators[ind_id]
        achieved = indicator_progress(user=user, indicator=ind, org_unit=org_unit, span=span).actual
        cost = amount / Decimal(str(achieved)) if achieved else None
        out.append(CostPerResult(node.code, ind.code, ind.display_name, achieved, ind.unit, amount, cost))
    return out
