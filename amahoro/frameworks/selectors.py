"""Reads of the frameworks app, always through the policy: frameworks and their trees, indicators and
targets, the DHIS2 metadata export, and progress (achieved vs target, status, roll-up)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.analytics import engine
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.policy import Reader
from amahoro.roles import Perm

from .models import Framework, Indicator, Node, NodeLink, Target
from .progress import (
    STATUS_LABELS,
    Formula,
    Rollup,
    Row,
    Status,
    TargetValue,
    combine_targets,
    expected_share,
    formula_of,
    roll_up,
    status_of,
)

M = TypeVar("M", bound=Model)


# ---------------------------------------------------------------------------------------------------------
# Frameworks, nodes, indicators


def frameworks_visible_to(*, user: Reader, perm: Perm = Perm.FRAMEWORK_VIEW) -> QuerySet[Framework]:
    return policy.visible(user, perm, Framework.objects.select_related("organisation", "org_unit"))


def framework_get(*, user: Reader, code: str, perm: Perm = Perm.FRAMEWORK_VIEW) -> Framework:
    """The framework, or NotFound for both missing and not visible."""
    fw = frameworks_visible_to(user=user, perm=perm).filter(code=code).first()
    if fw is None:
        raise NotFound(f"framework '{code}' not found", field="code")
    return fw


def node_get(*, user: Reader, framework: Framework, code: str, perm: Perm = Perm.FRAMEWORK_VIEW) -> Node:
    node = (
        policy.visible(user, perm, Node.objects.filter(framework=framework, code=code))
        .select_related("framework")
        .first()
    )
    if node is None:
        raise NotFound(f"node '{code}' not found in framework '{framework.code}'", field="code")
    return node


def framework_nodes(*, framework: Framework) -> list[Node]:
    """All nodes of a (visible) framework, parents before children, siblings in order, with their
    organisations, indicators and links prefetched."""
    nodes = list(
        Node.objects.filter(framework=framework)
        .prefetch_related(
            "responsible",
            "supporting",
            Prefetch("indicators", queryset=Indicator.objects.order_by("code")),
            Prefetch("links_out", queryset=NodeLink.objects.select_related("target__framework")),
            Prefetch("links_in", queryset=NodeLink.objects.select_related("source__framework")),
        )
        .order_by("sort_order", "code")
    )
    children: dict[int | None, list[Node]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    ordered: list[Node] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for n in children.get(parent_id, []):
            n.depth = depth  # type: ignore[attr-defined]
            ordered.append(n)
            walk(n.pk, depth + 1)

    walk(None, 0)
    return ordered


def links_visible(*, user: Reader, links: Sequence[NodeLink], side: str) -> list[NodeLink]:
    """The links whose other end (`side` = "target" or "source") the user may see."""
    other_ids = {getattr(link, f"{side}_id") for link in links}
    visible = set(
        policy.visible(user, Perm.FRAMEWORK_VIEW, Node.objects.filter(pk__in=other_ids)).values_list(
            "pk", flat=True
        )
    )
    return [link for link in links if getattr(link, f"{side}_id") in visible]


def indicators_visible_to(*, user: Reader, perm: Perm = Perm.FRAMEWORK_VIEW) -> QuerySet[Indicator]:
    return policy.visible(user, perm, Indicator.objects.select_related("framework", "organisation"))


def indicator_get(*, user: Reader, code: str, perm: Perm = Perm.FRAMEWORK_VIEW) -> Indicator:
    ind = indicators_visible_to(user=user, perm=perm).filter(code=code).first()
    if ind is None:
        raise NotFound(f"indicator '{code}' not found", field="code")
    return ind


def targets_of(*, indicator: Indicator) -> QuerySet[Target]:
    """Targets of an indicator the caller may see (targets follow their indicator)."""
    return (
        Target.objects.filter(indicator=indicator)
        .select_related("org_unit")
        .order_by("start", "org_unit__path")
    )


# ---------------------------------------------------------------------------------------------------------
# Progress (see progress.py for the rules)


@dataclass(frozen=True)
class Span:
    """The period progress is asked for: a DHIS2 period, or a date range (a framework's whole span)."""

    code: str | None
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return self.code or f"{self.start.isoformat()}/{self.end.isoformat()}"


def span_of(*, period: str | None, framework: Framework | None = None) -> Span:
    """The asked period (ValidationFailed naming `period` when invalid); without one, the framework's
    dates, else the current year."""
    if period:
        try:
            p = period_lib.parse_period(period)
        except period_lib.InvalidPeriod as exc:
            raise ValidationFailed(str(exc), field="period") from None
        return Span(p.code, p.start, p.end)
    if framework is not None and framework.start and framework.end:
        return Span(None, framework.start, framework.end)
    year = period_lib.parse_period(str(dt.date.today().year))
    return Span(year.code, year.start, year.end)


def progress_org_unit(*, user: Reader, code: str | None) -> OrgUnit:
    """The asked org unit (404 when outside the user's places); without one, the root of the user's part of
    the hierarchy (the country for national users)."""
    if code:
        unit = policy.visible(user, Perm.ORGUNIT_VIEW, OrgUnit.objects.filter(code=code)).first()
        if unit is None:
            raise NotFound(f"org unit '{code}' not found", field="org_unit")
        return unit
    roots = policy.subtree_roots(user, Perm.DATA_VIEW) or policy.subtree_roots(user, Perm.FRAMEWORK_VIEW)
    if roots and len(roots) == 1:
        unit = OrgUnit.objects.filter(path=roots[0]).first()
        if unit is not None:
            return unit
    unit = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if unit is None:
        raise NotFound("no org units are loaded (amahoro load_reference rwanda)", field="org_unit")
    return unit


def _data_rows(
    *, user: Reader, formula: Formula, org_unit: OrgUnit, start: dt.date, end: dt.date
) -> list[Row]:
    """The values behind a formula, aggregated per data element, option combo, org unit and period by the
    analytics engine (`amahoro.analytics.engine.aggregate`: the store merged with the values saved since,
    or the database's values before the first snapshot), inside the org unit's subtree and through the
    policy (`user=`: only the values the user may see count)."""
    return _element_rows(user=user, codes=formula.data_element_codes, org_unit=org_unit, start=start, end=end)


def _element_rows(
    *, user: Reader, codes: Sequence[str], org_unit: OrgUnit, start: dt.date, end: dt.date
) -> list[Row]:
    """_data_rows for the data elements of several formulas at once: one engine query."""
    de_ids = dict(DataElement.objects.filter(code__in=list(codes)).values_list("pk", "code"))
    if not de_ids:
        return []
    raw = engine.aggregate(
        data_element_ids=list(de_ids),
        start=start,
        end=end,
        group_by=("data_element", "period", "org_unit", "category_option_combo"),
        org_unit_paths=[org_unit.path],
        user=user,
    )
    if not raw:
        return []
    coc_codes = dict(
        CategoryOptionCombo.objects.filter(pk__in={r["category_option_combo"] for r in raw}).values_list(
            "pk", "code"
        )
    )
    # The engine names org units by code; progress rolls up by id and path.
    units = {
        code: (pk, path)
        for code, pk, path in OrgUnit.objects.filter(code__in={r["org_unit"] for r in raw}).values_list(
            "code", "pk", "path"
        )
    }
    starts: dict[str, tuple[dt.date, dt.date]] = {}
    rows = []
    for r in raw:
        code = r["period"]
        if code not in starts:
            p = period_lib.parse_period(code)
            starts[code] = (p.start, p.end)
        unit_id, unit_path = units.get(r["org_unit"], (0, ""))
        rows.append(
            Row(
                de=de_ids[r["data_element"]],
                coc=coc_codes.get(r["category_option_combo"], ""),
                period=code,
                period_start=starts[code][0],
                period_end=starts[code][1],
                org_unit_id=unit_id,
                org_unit_path=unit_path,
                value=float(r["value"]),
            )
        )
    return rows


def indicators_rows(
    *, user: Reader, indicators: Sequence[Indicator], org_unit: OrgUnit, start: dt.date, end: dt.date
) -> list[Row]:
    """The values behind several indicators' formulas in one engine query (for callers that then ask
    indicator_series / indicator_by_place about each of them with `rows=`, e.g. a report)."""
    codes = dict.fromkeys(code for ind in indicators for code in formula_of(ind).data_element_codes)
    return _element_rows(user=user, codes=list(codes), org_unit=org_unit, start=start, end=end)


def _target_for(
    indicator: Indicator, org_unit: OrgUnit, span: Span, targets: list[Target] | None = None
) -> TargetValue | None:
    """The target at the org unit for the span: the one for exactly that period, else those of the periods
    inside it combined by the indicator's time aggregation (yearly targets summed over a plan)."""
    if targets is None:
        targets = list(
            Target.objects.filter(
                indicator=indicator, org_unit=org_unit, start__gte=span.start, end__lte=span.end
            ).order_by("start")
        )
    here = [
        t for t in targets if t.org_unit_id == org_unit.pk and t.start >= span.start and t.end <= span.end
    ]
    exact = next((t for t in here if span.code and t.period == span.code), None)
    if exact is not None:
        return TargetValue(exact.value, exact.lower, exact.upper)
    return combine_targets(
        [TargetValue(t.value, t.lower, t.upper) for t in sorted(here, key=lambda t: t.start)],
        indicator.aggregation_time,
    )


@dataclass
class IndicatorProgress:
    indicator: Indicator
    org_unit: OrgUnit
    span: Span
    actual: float | None
    target: TargetValue | None
    expected: float | None
    achievement: float | None
    status: Status

    @property
    def percent(self) -> int | None:
        return None if self.achievement is None else round(self.achievement * 100)

    @property
    def bar(self) -> int:
        """The progress bar's width in percent (0-100)."""
        return 0 if self.achievement is None else max(0, min(100, round(self.achievement * 100)))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_dict(self) -> dict[str, Any]:
        ind = self.indicator
        return {
            "indicator": {
                "code": ind.code,
                "name": ind.display_name,
                "unit": ind.unit,
                "type": ind.type,
                "direction": ind.direction,
            },
            "org_unit": {"code": self.org_unit.code, "name": self.org_unit.display_name},
            "period": {
                "code": self.span.code,
                "start": self.span.start.isoformat(),
                "end": self.span.end.isoformat(),
            },
            "actual": _round(self.actual, ind.decimals),
            "target": _round(self.target.value, ind.decimals) if self.target else None,
            "target_lower": self.target.lower if self.target else None,
            "target_upper": self.target.upper if self.target else None,
            "expected": _round(self.expected, ind.decimals),
            "baseline": {
                "value": ind.baseline_value,
                "date": ind.baseline_date.isoformat() if ind.baseline_date else None,
            },
            "achievement": None if self.achievement is None else round(self.achievement, 4),
            "status": self.status.value,
            "status_label": self.status_label,
        }


def _round(value: float | None, decimals: int | None) -> float | None:
    if value is None:
        return None
    return round(value, decimals if decimals is not None else 2)


def indicator_progress(
    *,
    user: Reader,
    indicator: Indicator,
    org_unit: OrgUnit,
    span: Span,
    today: dt.date | None = None,
    rows: list[Row] | None = None,
    targets: list[Target] | None = None,
) -> IndicatorProgress:
    """Achieved vs target of one (visible) indicator at an org unit (its subtree) over a span."""
    formula = formula_of(indicator)
    if rows is None:
        rows = _data_rows(user=user, formula=formula, org_unit=org_unit, start=span.start, end=span.end)
    actual = formula.value(
        r
        for r in rows
        if span.start <= r.period_start
        and r.period_end <= span.end
        and r.org_unit_path.startswith(org_unit.path)
    )
    target = _target_for(indicator, org_unit, span, targets)
    expected = None
    if target is not None and indicator.aggregation_time == "sum":
        share = expected_share(span.start, span.end, today or dt.date.today())
        if share is not None:
            expected = target.value * share
    status, ratio = status_of(
        actual,
        target,
        direction=indicator.direction,
        on_track=indicator.on_track_threshold,
        at_risk=indicator.at_risk_threshold,
        expected=expected,
    )
    return IndicatorProgress(indicator, org_unit, span, actual, target, expected, ratio, status)


@dataclass
class NodeProgress:
    node: Node
    depth: int
    indicators: list[IndicatorProgress]
    children: list[NodeProgress]
    rollup: Rollup
    # Filled by the framework page: links to and from nodes of other frameworks the user may see.
    links_out: list[NodeLink] = field(default_factory=list)
    links_in: list[NodeLink] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return self.rollup.status

    @property
    def status_label(self) -> str:
        if self.node.kind == "outcome":
            return str(STATUS_LABELS[self.rollup.status])
        return honest_status(self.rollup.status, outcomes_under(self.children))[1]

    @property
    def display_status(self) -> Status:
        """The status to colour a headline by: a pillar most of whose outcomes cannot be assessed is not
        shown as on track (its roll-up, which ignores those outcomes, stays as documented)."""
        if self.node.kind == "outcome":
            return self.rollup.status
        return honest_status(self.rollup.status, outcomes_under(self.children))[0]

    @property
    def bar(self) -> int:
        return 0 if self.rollup.score is None else round(self.rollup.score * 100)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.node.code,
            "kind": self.node.kind,
            "name": self.node.display_name,
            "status": self.status.value,
            "status_label": self.status_label,
            "score": None if self.rollup.score is None else round(self.rollup.score, 4),
            "counts": self.rollup.counts,
            "indicators": [p.as_dict() for p in self.indicators],
            "children": [c.as_dict() for c in self.children],
        }


@dataclass
class FrameworkProgress:
    framework: Framework
    org_unit: OrgUnit
    span: Span
    roots: list[NodeProgress]
    rollup: Rollup
    flat: list[NodeProgress] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return honest_status(self.rollup.status, outcomes_under(self.roots))[1]

    @property
    def headline_status(self) -> Status:
        return honest_status(self.rollup.status, outcomes_under(self.roots))[0]

    @property
    def outcome_counts(self) -> dict[str, int]:
        outcomes = outcomes_under(self.roots)
        return {
            "outcomes": len(outcomes),
            "assessed": sum(1 for o in outcomes if o.status not in UNASSESSABLE),
            "no_data": sum(1 for o in outcomes if o.status == Status.NO_DATA),
            "no_target": sum(1 for o in outcomes if o.status == Status.NO_TARGET),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": {"code": self.framework.code, "name": self.framework.display_name},
            "org_unit": {"code": self.org_unit.code, "name": self.org_unit.display_name},
            "period": {
                "code": self.span.code,
                "start": self.span.start.isoformat(),
                "end": self.span.end.isoformat(),
            },
            "status": self.rollup.status.value,
            "status_label": self.status_label,
            "score": None if self.rollup.score is None else round(self.rollup.score, 4),
            "counts": self.rollup.counts,
            "outcomes": self.outcome_counts,
            "rollup_rule": "worst status of a node's indicators and child nodes; score = mean achievement, capped at 100%",
            "nodes": [n.as_dict() for n in self.roots],
        }


UNASSESSABLE = (Status.NO_DATA, Status.NO_TARGET)


def outcomes_under(nodes: Sequence[NodeProgress]) -> list[NodeProgress]:
    """The outcomes at or below `nodes` (nodes of kind outcome; in a tree without them, the nodes that hold
    indicators)."""
    out: list[NodeProgress] = []
    for np in nodes:
        if np.node.kind == "outcome" or (np.indicators and not np.children):
            out.append(np)
        else:
            out.extend(outcomes_under(np.children))
    return out


def honest_status(status: Status, outcomes: Sequence[NodeProgress]) -> tuple[Status, str]:
    """A headline status that counts the outcomes with no data or no target apart and never calls them on
    track (issue 17): "On track for 6 of 8 outcomes (2 without data or target)", or, when they are more
    than half, "Cannot be assessed: 11 of 15 outcomes without data or target"."""
    label = str(STATUS_LABELS[status])
    total = len(outcomes)
    unassessed = sum(1 for o in outcomes if o.status in UNASSESSABLE)
    if not total or not unassessed or status in UNASSESSABLE:
        return status, label
    if unassessed * 2 > total:
        return Status.NO_DATA, _(
            "Cannot be assessed: %(unassessed)s of %(total)s outcomes without data or target"
        ) % {"unassessed": unassessed, "total": total}
    return status, _(
        "%(status)s for %(assessed)s of %(total)s outcomes (%(unassessed)s without data or target)"
    ) % {"status": label, "assessed": total - unassessed, "total": total, "unassessed": unassessed}


def framework_progress(
    *, user: Reader, framework: Framework, org_unit: OrgUnit, span: Span, today: dt.date | None = None
) -> FrameworkProgress:
    """Progress of every node of a (visible) framework, rolled up from its indicators (those the user
    may see) through the tree."""
    nodes = framework_nodes(framework=framework)
    visible_ids = set(
        indicators_visible_to(user=user).filter(nodes__framework=framework).values_list("pk", flat=True)
    )
    computed: dict[int, IndicatorProgress] = {}
    by_node: dict[int, NodeProgress] = {}
    children: dict[int | None, list[Node]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    # The values behind every visible indicator of the tree in one engine query, then each formula's share.
    formulas = {ind.pk: formula_of(ind) for n in nodes for ind in n.indicators.all() if ind.pk in visible_ids}
    every_code = list(dict.fromkeys(code for f in formulas.values() for code in f.data_element_codes))
    rows_by_de: dict[str, list[Row]] = {}
    for row in _element_rows(user=user, codes=every_code, org_unit=org_unit, start=span.start, end=span.end):
        rows_by_de.setdefault(row.de, []).append(row)

    def build(node: Node) -> NodeProgress:
        progress = []
        for ind in node.indicators.all():
            if ind.pk not in visible_ids:
                continue
            if ind.pk not in computed:
                wanted = formulas[ind.pk].data_element_codes
                computed[ind.pk] = indicator_progress(
                    user=user,
                    indicator=ind,
                    org_unit=org_unit,
                    span=span,
                    today=today,
                    rows=[r for de in wanted for r in rows_by_de.get(de, ())],
                )
            progress.append(computed[ind.pk])
        kids = [build(c) for c in children.get(node.pk, [])]
        parts = [(p.status, p.achievement) for p in progress] + [(k.status, k.rollup.score) for k in kids]
        np = NodeProgress(node, getattr(node, "depth", 0), progress, kids, roll_up(parts))
        by_node[node.pk] = np
        return np

    roots = [build(n) for n in children.get(None, [])]
    overall = roll_up((r.status, r.rollup.score) for r in roots)
    flat = [by_node[n.pk] for n in nodes]
    return FrameworkProgress(framework, org_unit, span, roots, overall, flat)


MAX_SERIES = 120


def indicator_series(
    *,
    user: Reader,
    indicator: Indicator,
    org_unit: OrgUnit,
    span: Span,
    period_type: str | None = None,
    today: dt.date | None = None,
    rows: list[Row] | None = None,
) -> list[dict[str, Any]]:
    """Actual vs target per period of `period_type` (default: that of the indicator's targets, else
    yearly) inside the span, read in one pass over the data (`rows`: already read with indicators_rows for
    at least the span, the org unit's subtree and the same user)."""
    targets = list(
        Target.objects.filter(
            indicator=indicator, org_unit=org_unit, start__gte=span.start, end__lte=span.end
        ).order_by("start")
    )
    if period_type is None:
        period_type = period_lib.parse_period(targets[0].period).type if targets else "Yearly"
    try:
        periods = period_lib.periods_between(period_type, span.start, span.end, within=True)
    except (period_lib.InvalidPeriod, ValueError, KeyError) as exc:
        raise ValidationFailed(f"unknown period_type '{period_type}' ({exc})", field="period_type") from None
    if len(periods) > MAX_SERIES:
        raise ValidationFailed(
            f"{len(periods)} periods of type {period_type}: at most {MAX_SERIES}; choose a longer period type",
            field="period_type",
        )
    if rows is None:
        rows = _data_rows(
            user=user, formula=formula_of(indicator), org_unit=org_unit, start=span.start, end=span.end
        )
    out = []
    for p in periods:
        sub = Span(p.code, p.start, p.end)
        prog = indicator_progress(
            user=user,
            indicator=indicator,
            org_unit=org_unit,
            span=sub,
            today=today,
            rows=rows,
            targets=targets,
        )
        out.append(
            {"period": p.code, "name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
            | {
                k: v
                for k, v in prog.as_dict().items()
                if k in ("actual", "target", "expected", "achievement", "status", "status_label")
            }
        )
    return out


def indicator_by_place(
    *,
    user: Reader,
    indicator: Indicator,
    org_unit: OrgUnit,
    span: Span,
    level: str = "district",
    today: dt.date | None = None,
    rows: list[Row] | None = None,
) -> list[dict[str, Any]]:
    """Actual vs target per org unit of a level (districts) inside `org_unit`, for the map (`rows`: as for
    indicator_series)."""
    units = list(
        policy.visible(
            user, Perm.ORGUNIT_VIEW, OrgUnit.objects.filter(level__code=level, path__startswith=org_unit.path)
        ).order_by("path")
    )
    if not units:
        return []
    if rows is None:
        rows = _data_rows(
            user=user, formula=formula_of(indicator), org_unit=org_unit, start=span.start, end=span.end
        )
    targets = list(
        Target.objects.filter(
            indicator=indicator, org_unit__in=units, start__gte=span.start, end__lte=span.end
        ).order_by("start")
    )
    out = []
    for unit in units:
        prog = indicator_progress(
            user=user, indicator=indicator, org_unit=unit, span=span, today=today, rows=rows, targets=targets
        )
        out.append(
            {"code": unit.code, "name": unit.display_name}
            | {
                k: v
                for k, v in prog.as_dict().items()
                if k in ("actual", "target", "expected", "achievement", "status", "status_label")
            }
        )
    return out
