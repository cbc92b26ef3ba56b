"""The NAP annual progress report (issue 14 item 1, kind "nap-progress"): a framework's progress over a year
(or any DHIS2 period) at a place, as PDF and XLSX, in English, French or Kinyarwanda.

Every figure is read as the user asking (their scope decides what counts): progress through
frameworks.selectors (which aggregates with analytics.engine), funding through funding.selectors, the
civil-society assessment through consultations.selectors, participation through participation.selectors, and
the completeness annex through one analytics.engine query. The summary is honest: an outcome with no data or
no target is counted as "cannot be assessed", never as on track."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from amahoro import policy
from amahoro.consultations import selectors as consultation_selectors
from amahoro.core.errors import ValidationFailed
from amahoro.frameworks import selectors as fw
from amahoro.frameworks.models import Framework, NodeKind
from amahoro.frameworks.progress import STATUS_LABELS, Row, Status, formula_of
from amahoro.funding import selectors as funding_selectors
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import district_features
from amahoro.metadata import periods as period_lib
from amahoro.organisations.models import Organisation
from amahoro.participation import selectors as participation_selectors
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import kinds, pdf, svg, xlsx
from .kinds import Progress

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
STATUSES = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA, Status.NO_TARGET)
UNASSESSABLE = (Status.NO_DATA, Status.NO_TARGET)
TREND_YEARS = 5  # without a plan start, the trend shows the five years up to the period's end
DISTRICT_LEVEL = 3  # maps by district only for a report above district level (country, province)
PARITY = 50.0


# ---------------------------------------------------------------------------------------------------------
# The built report


@dataclass
class IndicatorLine:
    code: str
    name: str
    unit: str
    decimals: int | None
    baseline: float | None
    target: float | None
    actual: float | None
    achievement: float | None  # actual vs target (or its pro-rata share while the period runs)
    status: Status
    status_label: str
    chart: str = ""
    map: str = ""
    # completeness annex
    period_type: str = ""
    periods_with_data: int = 0
    periods_expected: int = 0
    places_reporting: int = 0

    @property
    def percent(self) -> int | None:
        return None if self.achievement is None else round(self.achievement * 100)


@dataclass
class OutcomeSection:
    code: str
    name: str
    pillar_code: str
    pillar_name: str
    status: Status
    status_label: str
    indicators: list[IndicatorLine]
    cso_rating: float | None = None
    cso_label: str = ""
    cso_count: int = 0


@dataclass
class PillarSummary:
    code: str
    name: str
    outcomes: int
    counts: dict[str, int]  # outcomes by status
    indicator_counts: dict[str, int]
    status: Status
    status_label: str


@dataclass
class MoneyRow:
    name: str
    planned: Decimal
    committed: Decimal
    disbursed: Decimal
    gap: Decimal


@dataclass
class ParticipationRow:
    name: str
    period: str
    women: int
    men: int
    share: float | None
    target: float | None


@dataclass
class NapReport:
    params: dict[str, str]
    framework: Framework
    org_unit: OrgUnit
    period_code: str
    period_label: str
    generated_on: dt.date
    generated_by: str
    pillars: list[PillarSummary]
    outcomes: list[OutcomeSection]
    overall_status: Status
    overall_label: str
    funding_visible: bool
    currency: str = ""
    funding_pillars: list[MoneyRow] = field(default_factory=list)
    funding_agencies: list[MoneyRow] = field(default_factory=list)
    funding_total: MoneyRow | None = None
    funding_unconverted: int = 0
    funding_chart: str = ""
    cso_round: str = ""
    cso_round_period: str = ""
    parity: list[ParticipationRow] = field(default_factory=list)
    representation: list[ParticipationRow] = field(default_factory=list)
    representation_chart: str = ""

    @property
    def indicators(self) -> list[IndicatorLine]:
        return [line for section in self.outcomes for line in section.indicators]

    @property
    def outcome_count(self) -> int:
        return len(self.outcomes)

    @property
    def unassessable(self) -> int:
        return sum(1 for o in self.outcomes if o.status in UNASSESSABLE)

    @property
    def outcome_counts(self) -> dict[str, int]:
        counts = Counter(o.status.value for o in self.outcomes)
        return {s.value: counts.get(s.value, 0) for s in STATUSES}

    @property
    def honesty_note(self) -> str:
        """What the summary cannot say: how many outcomes have no data or no target."""
        if not self.unassessable:
            return ""
        return ngettext(
            "%(n)s of %(total)s outcome cannot be assessed: no data or no target.",
            "%(n)s of %(total)s outcomes cannot be assessed: no data or no target.",
            self.outcome_count,
        ) % {"n": self.unassessable, "total": self.outcome_count}


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _num(value: float | Decimal | None, decimals: int | None = None) -> str:
    """A number in the active language's format (grouped), or an en dash."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else (1 if abs(float(value)) >= 10 else 2)
    return formats.number_format(round(float(value), decimals), decimals, use_l10n=True, force_grouping=True)


def _money(value: Decimal) -> int:
    return int(value.quantize(Decimal("1")))


def _generated_by(user: Actor) -> str:
    """The organisations the user acts for (reports name organisations, not people)."""
    if policy.is_system(user):
        return "Amahoro"
    ids = {g.organisation_id for g in policy.grants(user)}
    names = sorted(o.short_name or o.name for o in Organisation.objects.filter(pk__in=ids))
    return ", ".join(names) or "Amahoro"


def _descendants(node_id: int, children: Mapping[int | None, list[Any]]) -> list[Any]:
    out = []
    for child in children.get(node_id, []):
        out.append(child)
        out.extend(_descendants(child.node.pk, children))
    return out


def _mostly_unassessable(outcomes: Sequence[OutcomeSection]) -> bool:
    """More than half the outcomes have no data or no target: a status of the whole would mislead."""
    return sum(1 for o in outcomes if o.status in UNASSESSABLE) * 2 > len(outcomes)


def _trend_span(framework: Framework, span: fw.Span) -> fw.Span:
    start = framework.start if framework.start and framework.start < span.start else None
    if start is None:
        start = dt.date(span.start.year - TREND_YEARS + 1, 1, 1)
    return fw.Span(None, min(start, span.start), span.end)


# ---------------------------------------------------------------------------------------------------------
# The kind


class NapProgress:
    code: str = "nap-progress"
    title: str | Promise = gettext_lazy("NAP annual progress report")
    description: str | Promise = gettext_lazy(
        "Progress of a National Action Plan (or any results framework) over a year or any period: status by "
        "pillar and outcome, indicators with trend and map, funding, the civil-society assessment, "
        "participation against the UN parity targets and a data-completeness annex."
    )
    formats: tuple[str, ...] = ("pdf", "xlsx")
    perm: Perm = Perm.FRAMEWORK_VIEW
    frequencies: tuple[str, ...] = ("quarterly", "monthly")

    # -- parameters -----------------------------------------------------------------------------------

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        lang = kinds.lang_of(params)
        framework = (params.get("framework") or "").strip()
        if not framework:
            raise ValidationFailed("framework is required (a framework code)", field="framework")
        if not CODE_RE.match(framework):
            raise ValidationFailed(f"framework '{framework[:60]}' is not a framework code", field="framework")
        period = (params.get("period") or "").strip()
        if not period:
            raise ValidationFailed(
                "period is required (a DHIS2 period such as 2025 or 2025Q3)", field="period"
            )
        try:
            parsed = period_lib.parse_period(period)
        except period_lib.InvalidPeriod as exc:
            raise ValidationFailed(f"period '{period[:40]}': {exc}", field="period") from None
        period = parsed.code
        if parsed.start > timezone.localdate():
            raise ValidationFailed(f"period {period} has not begun yet", field="period")
        out = {"framework": framework, "period": period, "lang": lang}
        org_unit = (params.get("org_unit") or "").strip()
        if org_unit:
            if not CODE_RE.match(org_unit):
                raise ValidationFailed(
                    f"org_unit '{org_unit[:60]}' is not an org unit code", field="org_unit"
                )
            out["org_unit"] = org_unit
        return out

    def filename(self, params: dict[str, str], fmt: str) -> str:
        stem = f"{self.code}-{params['framework']}-{params['period']}-{params.get('lang', 'en')}"
        return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + f".{fmt}"

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        if frequency == "monthly":
            last = today.replace(day=1) - dt.timedelta(days=1)
            period = f"{last.year}{last.month:02d}"
        else:
            quarter = (today.month - 1) // 3
            period = f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"
        return {**params, "period": period}

    # -- figures --------------------------------------------------------------------------------------

    def build(self, *, user: Actor, params: dict[str, str], progress: Progress) -> NapReport:
        framework = fw.framework_get(user=user, code=params["framework"])
        span = fw.span_of(period=params["period"], framework=framework)
        org_unit = fw.progress_org_unit(user=user, code=params.get("org_unit"))
        today = timezone.localdate()
        progress(10, _("Progress"))
        fp = fw.framework_progress(user=user, framework=framework, org_unit=org_unit, span=span, today=today)

        children: dict[int | None, list[fw.NodeProgress]] = defaultdict(list)
        for np in fp.flat:
            children[np.node.parent_id].append(np)
        root_of: dict[int, fw.NodeProgress] = {}
        for root in fp.roots:
            root_of[root.node.pk] = root
            for d in _descendants(root.node.pk, children):
                root_of[d.node.pk] = root
        # The sections: the outcomes; a framework without outcome nodes gets one per node with indicators.
        sections = [np for np in fp.flat if np.node.kind == NodeKind.OUTCOME]
        if not sections:
            sections = [np for np in fp.flat if np.indicators]
        in_section: dict[int, list[fw.IndicatorProgress]] = {}
        for np in sections:
            seen: dict[int, fw.IndicatorProgress] = {}
            for member in [np, *_descendants(np.node.pk, children)]:
                for ip in member.indicators:
                    seen.setdefault(ip.indicator.pk, ip)
            in_section[np.node.pk] = list(seen.values())

        every = {ip.indicator.pk: ip for ips in in_section.values() for ip in ips}
        # The values behind every indicator over the trend's years in one engine query (as the user, in the
        # org unit's subtree); each indicator's trend, map and completeness are then computed from its rows.
        trend = _trend_span(framework, span)
        indicators = [ip.indicator for ip in every.values()]
        wanted = {ind.pk: set(formula_of(ind).data_element_codes) for ind in indicators}
        rows_by_de: dict[str, list[Row]] = defaultdict(list)
        for row in fw.indicators_rows(
            user=user, indicators=indicators, org_unit=org_unit, start=trend.start, end=trend.end
        ):
            rows_by_de[row.de].append(row)
        features = _features(user=user, org_unit=org_unit)
        lines: dict[int, IndicatorLine] = {}
        total = max(len(every), 1)
        for n, ip in enumerate(every.values()):
            progress(15 + round(55 * n / total), ip.indicator.code)
            rows = [r for de in wanted[ip.indicator.pk] for r in rows_by_de.get(de, ())]
            lines[ip.indicator.pk] = _indicator_line(
                user=user, ip=ip, trend=trend, today=today, rows=rows, features=features
            )

        progress(72, _("Civil society"))
        cso = _cso(user=user, framework=framework)
        outcomes = []
        for np in sections:
            pillar = root_of.get(np.node.pk, np)
            rating = cso[1].get(np.node.pk)
            outcomes.append(
                OutcomeSection(
                    code=np.node.code,
                    name=np.node.display_name,
                    pillar_code=pillar.node.code,
                    pillar_name=pillar.node.display_name,
                    status=np.status,
                    status_label=np.status_label,
                    indicators=[lines[ip.indicator.pk] for ip in in_section[np.node.pk]],
                    cso_rating=rating[0] if rating else None,
                    cso_label=rating[1] if rating else "",
                    cso_count=rating[2] if rating else 0,
                )
            )
        pillars = []
        for root in fp.roots:
            mine = [o for o in outcomes if o.pillar_code == root.node.code]
            counts = Counter(o.status.value for o in mine)
            ind_counts = Counter(line.status.value for o in mine for line in o.indicators)
            status, label = root.status, root.status_label
            if _mostly_unassessable(mine):
                status, label = Status.NO_DATA, _("Cannot be assessed")
            pillars.append(
                PillarSummary(
                    code=root.node.code,
                    name=root.node.display_name,
                    outcomes=len(mine),
                    counts={s.value: counts.get(s.value, 0) for s in STATUSES},
                    indicator_counts={s.value: ind_counts.get(s.value, 0) for s in STATUSES},
                    status=status,
                    status_label=label,
                )
            )
        report = NapReport(
            params=params,
            framework=framework,
            org_unit=org_unit,
            period_code=span.label,
            period_label=period_lib.parse_period(params["period"]).name,
            generated_on=today,
            generated_by=_generated_by(user),
            pillars=pillars,
            outcomes=outcomes,
            overall_status=fp.rollup.status,
            overall_label=fp.status_label,
            funding_visible=policy.has_perm(user, Perm.FUNDING_VIEW),
            cso_round=cso[0][0],
            cso_round_period=cso[0][1],
        )
        # Honest overall status: when most outcomes cannot be assessed, the plan as a whole cannot be either.
        if _mostly_unassessable(report.outcomes):
            report.overall_status = Status.NO_DATA
            report.overall_label = _("Cannot be assessed")
        progress(75, _("Funding"))
        if report.funding_visible:
            _funding(report, user=user)
        progress(78, _("Participation"))
        _participation(report, user=user, span=span)
        return report

    # -- formats --------------------------------------------------------------------------------------

    def render(self, report: NapReport, *, fmt: str) -> bytes:
        if fmt == "xlsx":
            return _xlsx(report)
        document = pdf.html("reports/pdf/nap-progress.html", _context(report))
        if fmt == "html":
            return document.encode()
        return pdf.pdf(document)


def _features(*, user: Actor, org_unit: OrgUnit) -> dict[str, Any] | None:
    """The district boundaries for the maps, read once per report; None for a report at or below district
    level (a map of one district says nothing) or when no boundary is loaded."""
    if org_unit.level.level >= DISTRICT_LEVEL:
        return None
    collection = district_features(user=user, level="district")
    inside = [f for f in collection["features"] if str(f["properties"]["path"]).startswith(org_unit.path)]
    return {"features": inside, "attribution": collection["attribution"]} if inside else None


def _indicator_line(
    *,
    user: Actor,
    ip: fw.IndicatorProgress,
    trend: fw.Span,
    today: dt.date,
    rows: list[Row],
    features: dict[str, Any] | None,
) -> IndicatorLine:
    ind = ip.indicator
    span = ip.span
    line = IndicatorLine(
        code=ind.code,
        name=ind.display_name,
        unit=ind.unit,
        decimals=ind.decimals,
        baseline=ind.baseline_value,
        target=ip.target.value if ip.target else None,
        actual=ip.actual,
        achievement=ip.achievement,
        status=ip.status,
        status_label=ip.status_label,
    )
    # Completeness: periods with data of the type the values come in (else the targets', else yearly)
    # against the periods of that type in the span, and the places with values.
    here = [r for r in rows if span.start <= r.period_start and r.period_end <= span.end]
    types = Counter(period_lib.parse_period(code).type for code in {r.period for r in here})
    if types:
        line.period_type = types.most_common(1)[0][0]
    else:
        target = fw.targets_of(indicator=ind).filter(org_unit=ip.org_unit).first()
        line.period_type = period_lib.parse_period(target.period).type if target else "Yearly"
    expected = {
        p.code for p in period_lib.periods_between(line.period_type, span.start, span.end, within=True)
    }
    line.periods_expected = max(len(expected), 1)
    line.periods_with_data = len({r.period for r in here if r.period in expected})
    places = {r.org_unit_id for r in here}
    line.places_reporting = len(places)
    if not here:
        return line  # no value in the period: no trend or map worth drawing (the table says so)
    try:
        series = fw.indicator_series(
            user=user, indicator=ind, org_unit=ip.org_unit, span=trend, today=today, rows=rows
        )
    except ValidationFailed:  # more periods than a chart holds: the table still has the figures
        series = []
    points = [{"label": p["name"], "actual": p["actual"], "target": p["target"]} for p in series]
    if any(p["actual"] is not None or p["target"] is not None for p in points):
        line.chart = svg.line_chart(points, unit=ind.unit, title=ind.display_name)
    # A map where the indicator is collected by place: values below the report's org unit.
    if features and places - {ip.org_unit.pk}:
        by_place = fw.indicator_by_place(
            user=user, indicator=ind, org_unit=ip.org_unit, span=span, today=today, rows=here
        )
        values = {p["code"]: p["actual"] for p in by_place}
        if sum(1 for v in values.values() if v is not None) > 1:
            line.map = svg.choropleth(
                features["features"],
                values,
                title=_("%(indicator)s by district") % {"indicator": ind.display_name},
                unit=ind.unit,
                attribution=features["attribution"],
            )
    return line


def _cso(*, user: Actor, framework: Framework) -> tuple[tuple[str, str], dict[int, tuple[float, str, int]]]:
    """The latest published consultation round of the framework the user may see: its title and period,
    and per outcome the civil-society mean rating, its label and the number of approved assessments."""
    rnd = (
        consultation_selectors.rounds_visible_to(user=user)
        .filter(framework=framework, published_at__isnull=False)
        .order_by("-published_at")
        .first()
    )
    if rnd is None:
        return ("", ""), {}
    ratings = {}
    for row in consultation_selectors.round_summary(round=rnd):
        if row.mean_rating is not None:
            ratings[row.node.pk] = (row.mean_rating, row.mean_label, len(row.assessments))
    return (rnd.title, rnd.period or ""), ratings


def _funding(report: NapReport, *, user: Actor) -> None:
    funding = funding_selectors.framework_funding(framework=report.framework, user=user)
    report.currency = funding.currency

    def row(name: str, t: funding_selectors.Totals) -> MoneyRow:
        return MoneyRow(name, t.planned, t.committed, t.disbursed, t.gap)

    report.funding_pillars = [row(n.node.display_name, n.total) for n in funding.pillars]
    report.funding_agencies = [row(a.name, a.total) for a in funding.agencies]
    report.funding_total = row(_("Total"), funding.total)
    report.funding_unconverted = len(funding.unconverted)
    if any(not n.total.is_empty for n in funding.pillars):
        report.funding_chart = svg.grouped_bars(
            [
                (
                    r.name,
                    {
                        "planned": float(r.planned),
                        "committed": float(r.committed),
                        "disbursed": float(r.disbursed),
                    },
                )
                for r in report.funding_pillars
            ],
            [("planned", _("Planned")), ("committed", _("Committed")), ("disbursed", _("Disbursed"))],
            unit=funding.currency,
            title=_("Funding per pillar"),
        )


def _participation(report: NapReport, *, user: Actor, span: fw.Span) -> None:
    """Women's share per peacekeeping personnel type (the latest month up to the period's end) against the
    UN parity strategy's target, and per representation series against parity (50%)."""
    for series in participation_selectors.parity_series(user=user):
        points = [p for p in series["points"] if period_lib.parse_period(p["period"]).start <= span.end]
        if not points:
            continue
        last = points[-1]
        targets = series["targets"]
        report.parity.append(
            ParticipationRow(
                str(series["label"]),
                last["name"],
                last["women"],
                last["men"],
                last["share"],
                targets[-1]["value"] if targets else None,
            )
        )
    for rep in participation_selectors.representation_latest(user=user):
        if period_lib.parse_period(rep["period"]).start > span.end:
            continue  # the latest figure is after the report's period: not part of it
        report.representation.append(
            ParticipationRow(
                str(rep["name"]),
                period_lib.parse_period(rep["period"]).name,
                rep["women"],
                rep["men"],
                rep["share"],
                PARITY,
            )
        )
    if report.representation:
        report.representation_chart = svg.bar_chart(
            [(r.name, r.share) for r in report.representation],
            unit="%",
            reference=PARITY,
            reference_label=_("Parity"),
            title=_("Share of women"),
        )


# ---------------------------------------------------------------------------------------------------------
# PDF / HTML


def _context(report: NapReport) -> dict[str, Any]:
    title = _("NAP annual progress report")
    generated = formats.date_format(report.generated_on, "DATE_FORMAT")
    status_columns = [(s.value, str(STATUS_LABELS[s])) for s in STATUSES]
    return {
        "title": f"{report.framework.display_name} — {report.period_label}",
        "report_title": title,
        "generated_label": _("Generated on %(date)s by %(org)s")
        % {"date": generated, "org": report.generated_by},
        "generated_date": generated,
        "r": report,
        "status_columns": status_columns,
        "outcome_counts": [report.outcome_counts[s] for s, _label in status_columns],
        "pillar_rows": [
            (
                p,
                [p.counts[s] for s, _label in status_columns],
                [p.indicator_counts[s] for s, _label in status_columns],
            )
            for p in report.pillars
        ],
        "outcomes": [
            (
                o,
                [
                    {
                        "line": line,
                        "baseline": _num(line.baseline, line.decimals),
                        "target": _num(line.target, line.decimals),
                        "actual": _num(line.actual, line.decimals),
                        "percent": "–" if line.percent is None else f"{_num(line.percent, 0)} %",
                    }
                    for line in o.indicators
                ],
            )
            for o in report.outcomes
        ],
        "funding_rows": [_money_cells(r) for r in report.funding_pillars],
        "agency_rows": [_money_cells(r) for r in report.funding_agencies],
        "funding_total": _money_cells(report.funding_total) if report.funding_total else None,
        "parity_rows": [_participation_cells(r) for r in report.parity],
        "representation_rows": [_participation_cells(r) for r in report.representation],
        "completeness_rows": [
            {
                "line": line,
                "share": "–"
                if not line.periods_expected
                else f"{_num(round(100 * line.periods_with_data / line.periods_expected), 0)} %",
            }
            for line in report.indicators
        ],
    }


def _money_cells(r: MoneyRow) -> dict[str, str]:
    return {
        "name": r.name,
        "planned": _num(_money(r.planned), 0),
        "committed": _num(_money(r.committed), 0),
        "disbursed": _num(_money(r.disbursed), 0),
        "gap": _num(_money(r.gap), 0),
    }


def _participation_cells(r: ParticipationRow) -> dict[str, str]:
    return {
        "name": r.name,
        "period": r.period,
        "women": _num(r.women, 0),
        "men": _num(r.men, 0),
        "share": "–" if r.share is None else f"{_num(r.share, 1)} %",
        "target": "–" if r.target is None else f"{_num(r.target, 0)} %",
        "gap": "–" if r.share is None or r.target is None else _num(r.share - r.target, 1),
    }


# ---------------------------------------------------------------------------------------------------------
# XLSX


def _xlsx(report: NapReport) -> bytes:
    wb = xlsx.new_workbook()
    N, D, P, M = xlsx.INTEGER, xlsx.DECIMAL, xlsx.PERCENT, xlsx.MONEY
    generated = formats.date_format(report.generated_on, "DATE_FORMAT")
    heading = [
        f"{_('NAP annual progress report')}: {report.framework.display_name}",
        f"{_('Period')}: {report.period_label} ({report.period_code}) — {report.org_unit.display_name}",
        _("Generated on %(date)s by %(org)s") % {"date": generated, "org": report.generated_by},
    ]
    statuses = [str(STATUS_LABELS[s]) for s in STATUSES]

    ws = xlsx.sheet(wb, _("Summary"), heading=heading)
    row = len(heading) + 2
    xlsx.write(ws, row, [_("Overall status"), report.overall_label], bold=True)
    if report.honesty_note:
        row += 1
        xlsx.write(ws, row, [report.honesty_note])
    row += 2
    xlsx.header(ws, row, [_("Pillar / objective"), _("Outcomes"), *statuses, _("Status")])
    for p in report.pillars:
        row += 1
        xlsx.write(
            ws,
            row,
            [p.name, p.outcomes, *[p.counts[s.value] for s in STATUSES], p.status_label],
            formats=[None] + [N] * 6,
        )
    row += 1
    xlsx.write(
        ws,
        row,
        [
            _("Total"),
            report.outcome_count,
            *[report.outcome_counts[s.value] for s in STATUSES],
            report.overall_label,
        ],
        formats=[None] + [N] * 6,
        bold=True,
    )
    xlsx.widths(ws, [48, 10, 12, 12, 12, 12, 12, 18])

    ws = xlsx.sheet(wb, _("Indicators"), heading=heading)
    row = len(heading) + 2
    xlsx.header(
        ws,
        row,
        [
            _("Pillar / objective"), _("Outcome"), _("Code"), _("Indicator"), _("Unit"), _("Baseline"),
            _("Target"), _("Actual"), _("% of target"), _("Status"), _("Civil-society assessment"),
        ],
        first_columns=4,
    )  # fmt: skip
    for o in report.outcomes:
        for line in o.indicators:
            row += 1
            xlsx.write(
                ws,
                row,
                [
                    o.pillar_name, o.name, line.code, line.name, line.unit, line.baseline, line.target,
                    line.actual, line.achievement, line.status_label, o.cso_label,
                ],
                formats=[None, None, None, None, None, D, D, D, P, None, None],
            )  # fmt: skip
    xlsx.widths(ws, [28, 36, 16, 48, 10, 12, 12, 12, 12, 14, 22])

    ws = xlsx.sheet(wb, _("Funding"), heading=heading)
    row = len(heading) + 2
    if not report.funding_visible:
        xlsx.write(ws, row, [_("Funding is not shown: you may not see this framework's funding.")])
    else:
        money_head = [_("Planned"), _("Committed"), _("Disbursed"), _("Gap")]
        xlsx.write(ws, row, [f"{_('Currency')}: {report.currency}"], bold=True)
        row += 2
        xlsx.header(ws, row, [_("Pillar / objective"), *money_head])
        for r in [*report.funding_pillars, *([report.funding_total] if report.funding_total else [])]:
            row += 1
            xlsx.write(
                ws,
                row,
                [r.name, _money(r.planned), _money(r.committed), _money(r.disbursed), _money(r.gap)],
                formats=[None, M, M, M, M],
                bold=r is report.funding_total,
            )
        row += 2
        xlsx.header(ws, row, [_("Agency"), *money_head], freeze=False)
        for r in report.funding_agencies:
            row += 1
            xlsx.write(
                ws,
                row,
                [r.name, _money(r.planned), _money(r.committed), _money(r.disbursed), _money(r.gap)],
                formats=[None, M, M, M, M],
            )
    xlsx.widths(ws, [40, 16, 16, 16, 16])

    ws = xlsx.sheet(wb, _("Civil society"), heading=heading)
    row = len(heading) + 2
    if report.cso_round:
        xlsx.write(
            ws,
            row,
            [f"{_('Consultation round')}: {report.cso_round} {report.cso_round_period}".strip()],
            bold=True,
        )
    else:
        xlsx.write(ws, row, [_("No published consultation round for this framework.")])
    row += 2
    xlsx.header(
        ws,
        row,
        [
            _("Outcome"),
            _("Official status"),
            _("Civil-society assessment"),
            _("Mean rating (1-5)"),
            _("Assessments"),
        ],
    )
    for o in report.outcomes:
        row += 1
        xlsx.write(
            ws,
            row,
            [o.name, o.status_label, o.cso_label, o.cso_rating, o.cso_count],
            formats=[None, None, None, D, N],
        )
    xlsx.widths(ws, [48, 16, 24, 14, 12])

    ws = xlsx.sheet(wb, _("Participation"), heading=heading)
    row = len(heading) + 2
    if not report.parity and not report.representation:  # as the PDF says it
        xlsx.write(ws, row, [_("No participation figures are recorded.")])
        row += 2
    part_head = [_("Period"), _("Women"), _("Men"), _("Share of women (%)"), _("Target (%)")]
    xlsx.header(ws, row, [_("Peacekeeping personnel"), *part_head])
    for pr in report.parity:
        row += 1
        xlsx.write(
            ws,
            row,
            [pr.name, pr.period, pr.women, pr.men, pr.share, pr.target],
            formats=[None, None, N, N, D, D],
        )
    row += 2
    xlsx.header(ws, row, [_("Representation"), *part_head], freeze=False)
    for pr in report.representation:
        row += 1
        xlsx.write(
            ws,
            row,
            [pr.name, pr.period, pr.women, pr.men, pr.share, pr.target],
            formats=[None, None, N, N, D, D],
        )
    xlsx.widths(ws, [40, 14, 10, 10, 16, 12])

    ws = xlsx.sheet(wb, _("Data completeness"), heading=heading)
    row = len(heading) + 2
    xlsx.header(
        ws,
        row,
        [
            _("Code"),
            _("Indicator"),
            _("Period type"),
            _("Periods with data"),
            _("Periods expected"),
            _("Completeness"),
            _("Places reporting"),
        ],
        first_columns=2,
    )
    for line in report.indicators:
        row += 1
        share = line.periods_with_data / line.periods_expected if line.periods_expected else None
        xlsx.write(
            ws,
            row,
            [
                line.code,
                line.name,
                line.period_type,
                line.periods_with_data,
                line.periods_expected,
                share,
                line.places_reporting,
            ],
            formats=[None, None, None, N, N, P, N],
        )
    xlsx.widths(ws, [16, 48, 14, 14, 14, 14, 14])
    return xlsx.to_bytes(wb)


kinds.register(NapProgress())
