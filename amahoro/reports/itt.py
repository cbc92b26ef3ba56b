"""The indicator tracking table (ITT) of a framework (contract R1, issue 14 item 2): the table donors ask for
(USAID- and EU-style), one row per indicator under its pillar / outcome / output, with its baseline, the
target and the actual of every period of the chosen range, the cumulative actual against the target of the
whole range, disaggregations (the options of its data elements' categories) as sub-rows, and notes.

Figures are read as the user: the framework and org unit through the frameworks selectors (NotFound outside
their scope), data values through `analytics.engine.aggregate` with `user=` (their data.view grants), once
for every indicator of the table and once per disaggregating category, never per cell. An indicator's value
over a period or the range follows the framework pages (frameworks.progress): numerator / denominator x
factor, each item aggregated over time by the indicator's `aggregation_time` (a count sums its periods, a
percentage or a stock takes the last period with data) and over places by `aggregation_place`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Alignment, Font, PatternFill

from amahoro import policy
from amahoro.analytics import engine
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Framework, Indicator, Node, NodeKind, Target, TimeAggregation
from amahoro.frameworks.progress import Formula, Row, TargetValue, achievement, combine_targets, formula_of
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import (
    DEFAULT_COMBO_CODE,
    Category,
    CategoryComboMembership,
    CategoryOptionCombo,
    CategoryOptionMembership,
    DataElement,
)
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import kinds, pdf, xlsx
from .kinds import Progress

MAX_PERIODS = 36
# Periods per table in the PDF (a landscape A4 page holds about this many Target/Actual pairs).
PDF_PERIODS_PER_TABLE = 6
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NODE_FILL = PatternFill("solid", fgColor="F3F3F3")
_SUB_FONT = Font(italic=True, color="444444")


# ---------------------------------------------------------------------------------------------------------
# The report's figures


@dataclass(frozen=True)
class Cell:
    target: float | None
    actual: float | None


@dataclass
class Line:
    """One row of the table: a node heading ("node"), an indicator ("indicator") or one option of one of
    its disaggregations ("option")."""

    kind: str
    depth: int
    code: str
    label: str
    unit: str = ""
    baseline: float | None = None
    cells: list[Cell] = field(default_factory=list)
    total: Cell = field(default_factory=lambda: Cell(None, None))
    achieved: float | None = None  # cumulative actual / the range's target (as frameworks.progress)
    notes: list[str] = field(default_factory=list)
    decimals: int = 2
    integer: bool = False  # every figure of the row is a whole number: shown without decimals

    @property
    def note(self) -> str:
        return "; ".join(self.notes)

    def show(self, value: float | None) -> str:
        """A figure as the PDF prints it, in the active language's number format (the workbook keeps
        numbers as numbers)."""
        if value is None:
            return ""
        if self.integer:
            return formats.number_format(value, 0, force_grouping=True)
        text = formats.number_format(value, self.decimals, force_grouping=True)
        point = str(formats.get_format("DECIMAL_SEPARATOR"))
        return text.rstrip("0").rstrip(point) if point in text else text

    @property
    def achieved_text(self) -> str:
        return "" if self.achieved is None else f"{round(self.achieved * 100)}%"

    @property
    def baseline_text(self) -> str:
        return self.show(self.baseline)

    @property
    def total_target_text(self) -> str:
        return self.show(self.total.target)

    @property
    def total_actual_text(self) -> str:
        return self.show(self.total.actual)


@dataclass
class Report:
    framework: Framework
    org_unit: OrgUnit
    periods: list[period_lib.Period]
    lines: list[Line]
    generated_at: dt.datetime
    params: dict[str, str]

    @property
    def start(self) -> period_lib.Period:
        return self.periods[0]

    @property
    def end(self) -> period_lib.Period:
        return self.periods[-1]


# ---------------------------------------------------------------------------------------------------------
# Periods and targets


def _period(params: Mapping[str, str], name: str, *, may_be_ahead: bool = False) -> period_lib.Period:
    code = (params.get(name) or "").strip()
    if not code:
        raise ValidationFailed(
            f"{name} is required: a DHIS2 period code such as 2025Q1 or 202501", field=name
        )
    try:
        period = period_lib.parse_period(code)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(f"{name}: {exc}", field=name) from None
    # As the other reports, no table starts in a period not begun; its end may lie ahead, so a year's table
    # shows the targets of the quarters to come beside the actuals so far.
    if period.start > timezone.localdate() and not may_be_ahead:
        raise ValidationFailed(f"{name}: period {period.code} has not begun yet", field=name)
    return period


def _periods(start: period_lib.Period, end: period_lib.Period) -> list[period_lib.Period]:
    """The periods of the range (start, end of one type, start <= end, at most MAX_PERIODS)."""
    if start.type != end.type:
        raise ValidationFailed(
            f"start {start.code} is a {start.type} period and end {end.code} a {end.type} one: "
            "use two periods of the same type",
            field="end",
        )
    if start.start > end.start:
        raise ValidationFailed(f"start {start.code} is after end {end.code}", field="start")
    found: list[period_lib.Period] = []
    period = start
    while True:
        found.append(period)
        if period.code == end.code:
            return found
        if len(found) >= MAX_PERIODS:
            raise ValidationFailed(
                f"{start.code}..{end.code} holds more than {MAX_PERIODS} periods: "
                "choose a shorter range or a longer period type",
                field="end",
            )
        period = period.next()


def period_label(period: period_lib.Period) -> str:
    """A column heading in the active language ("Jan. 2025" / "janv. 2025", "2025 Q1")."""
    if period.type == "Monthly":
        return formats.date_format(period.start, "YEAR_MONTH_FORMAT")
    if period.type == "Quarterly":
        return f"{period.start.year} Q{(period.start.month - 1) // 3 + 1}"
    return period.code


def _target_in(
    targets: Sequence[Target], start: dt.date, end: dt.date, *, time: str, prefer: str
) -> TargetValue | None:
    """The target over start..end: the one set for exactly that period; else those inside it of one period
    type (the table's own type when there are some, else the type covering most days) combined by the
    indicator's time aggregation. Targets of two types are never added together (a year's target and its
    quarters' would count twice)."""
    inside = [t for t in targets if t.start >= start and t.end <= end]
    exact = [t for t in inside if t.start == start and t.end == end]
    if exact:
        t = exact[0]
        return TargetValue(t.value, t.lower, t.upper)
    if not inside:
        return None
    by_type: dict[str, list[Target]] = {}
    for t in inside:
        by_type.setdefault(_type_of(t.period), []).append(t)
    chosen = by_type.get(prefer) or max(
        by_type.values(), key=lambda ts: sum((t.end - t.start).days + 1 for t in ts)
    )
    return combine_targets(
        [TargetValue(t.value, t.lower, t.upper) for t in sorted(chosen, key=lambda t: t.start)], time
    )


def _type_of(code: str) -> str:
    try:
        return period_lib.parse_period(code).type
    except period_lib.InvalidPeriod:  # pragma: no cover - targets are saved with valid codes
        return ""


# ---------------------------------------------------------------------------------------------------------
# Reading the data (engine queries for the whole table)


@dataclass(frozen=True)
class OptionRow:
    option: str  # category option code
    row: Row


def _engine_rows(
    *,
    user: Actor,
    codes: Iterable[str],
    org_unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    category: str | None = None,
) -> list[OptionRow]:
    """The values of the data elements inside the org unit's subtree, as the user may see them, per data
    element, period, org unit and option combo (and the option of `category` when given: values whose
    combo lacks it are left out by the engine). One engine query."""
    de_codes = dict(DataElement.objects.filter(code__in=list(codes)).values_list("pk", "code"))
    if not de_codes:
        return []
    group_by = ["data_element", "period", "org_unit", "category_option_combo"]
    if category:
        group_by.append(f"category:{category}")
    raw = engine.aggregate(
        data_element_ids=sorted(de_codes),
        start=start,
        end=end,
        group_by=group_by,
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
    units = {
        code: (pk, path)
        for code, pk, path in OrgUnit.objects.filter(code__in={r["org_unit"] for r in raw}).values_list(
            "code", "pk", "path"
        )
    }
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    out = []
    for r in raw:
        code = r["period"]
        if code not in spans:
            p = period_lib.parse_period(code)
            spans[code] = (p.start, p.end)
        unit_id, unit_path = units.get(r["org_unit"], (0, ""))
        row = Row(
            de=de_codes[r["data_element"]],
            coc=coc_codes.get(r["category_option_combo"], ""),
            period=code,
            period_start=spans[code][0],
            period_end=spans[code][1],
            org_unit_id=unit_id,
            org_unit_path=unit_path,
            value=float(r["value"]),
        )
        out.append(OptionRow(r.get(f"category:{category}", "") if category else "", row))
    return out


def _value(formula: Formula, rows: Sequence[Row], start: dt.date, end: dt.date) -> float | None:
    return formula.value(r for r in rows if start <= r.period_start and r.period_end <= end)


@dataclass(frozen=True)
class Disaggregation:
    category: str  # code
    name: str
    options: list[tuple[str, str]]  # (code, name) in the category's order


def _disaggregations(codes: set[str]) -> dict[str, list[Disaggregation]]:
    """Data element code -> the categories its values are disaggregated by (not the default one)."""
    memberships = (
        CategoryComboMembership.objects.filter(combo__data_elements__code__in=codes)
        .exclude(combo__code=DEFAULT_COMBO_CODE)
        .exclude(category__code=DEFAULT_COMBO_CODE)
        .order_by("combo_id", "sort_order")
        .values_list("combo__data_elements__code", "category_id")
    )
    per_de: dict[str, list[int]] = {}
    for de, category_id in memberships:
        if de in codes:
            per_de.setdefault(de, []).append(category_id)
    wanted = {c for ids in per_de.values() for c in ids}
    categories = {c.pk: c for c in Category.objects.filter(pk__in=wanted)}
    options: dict[int, list[tuple[str, str]]] = {c: [] for c in wanted}
    for m in (
        CategoryOptionMembership.objects.filter(category_id__in=wanted)
        .select_related("option")
        .order_by("category_id", "sort_order", "option__code")
    ):
        options[m.category_id].append((m.option.code, m.option.display_name))
    made = {
        pk: Disaggregation(c.code, c.display_name, options[pk]) for pk, c in categories.items() if options[pk]
    }
    return {de: [made[c] for c in ids if c in made] for de, ids in per_de.items()}


# ---------------------------------------------------------------------------------------------------------
# Building the table


def _rounded(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


def _aggregation_note(indicator: Indicator) -> str:
    if indicator.aggregation_time == TimeAggregation.LAST:
        return gettext("cumulative = latest value")
    if indicator.aggregation_time == TimeAggregation.AVERAGE:
        return gettext("cumulative = average of the periods")
    return gettext("cumulative = sum of the periods")


def _indicator_lines(
    *,
    indicator: Indicator,
    formula: Formula,
    periods: Sequence[period_lib.Period],
    rows: Sequence[Row],
    option_rows: Mapping[str, Sequence[OptionRow]],
    disaggregations: Sequence[Disaggregation],
    targets: Sequence[Target],
) -> list[Line]:
    decimals = indicator.decimals if indicator.decimals is not None else 2
    time = indicator.aggregation_time
    prefer = periods[0].type
    start, end = periods[0].start, periods[-1].end
    cells = [
        Cell(
            _rounded(
                v.value if (v := _target_in(targets, p.start, p.end, time=time, prefer=prefer)) else None,
                decimals,
            ),
            _rounded(_value(formula, rows, p.start, p.end), decimals),
        )
        for p in periods
    ]
    range_target = _target_in(targets, start, end, time=time, prefer=prefer)
    actual = _value(formula, rows, start, end)
    achieved = (
        achievement(actual, range_target.value, indicator.direction)
        if actual is not None and range_target is not None
        else None
    )
    notes = []
    if range_target is None:
        notes.append(gettext("no target for the range"))
    if actual is None:
        notes.append(gettext("no data"))
    if indicator.direction == "lower":
        notes.append(gettext("lower is better"))
    if indicator.baseline_value is not None and indicator.baseline_date:
        notes.append(gettext("baseline of %(date)s") % {"date": formats.date_format(indicator.baseline_date)})
    if len(periods) > 1:
        notes.append(_aggregation_note(indicator))
    if indicator.definition:
        notes.append(indicator.definition.strip())
    line = Line(
        kind="indicator",
        depth=0,
        code=indicator.code,
        label=indicator.display_name,
        unit=indicator.unit,
        baseline=_rounded(indicator.baseline_value, decimals),
        cells=cells,
        total=Cell(
            _rounded(range_target.value if range_target else None, decimals), _rounded(actual, decimals)
        ),
        achieved=achieved,
        notes=notes,
        decimals=decimals,
    )
    lines = [line]
    if actual is not None:
        for dis in disaggregations:
            by_option: dict[str, list[Row]] = {}
            for o in option_rows.get(dis.category, ()):
                by_option.setdefault(o.option, []).append(o.row)
            for code, name in dis.options:
                mine = by_option.get(code, [])
                lines.append(
                    Line(
                        kind="option",
                        depth=1,
                        code="",
                        label=f"{dis.name}: {name}",
                        unit=indicator.unit,
                        cells=[
                            Cell(None, _rounded(_value(formula, mine, p.start, p.end), decimals))
                            for p in periods
                        ],
                        total=Cell(None, _rounded(_value(formula, mine, start, end), decimals)),
                        decimals=decimals,
                    )
                )
    for each in lines:
        figures = [each.baseline, each.total.target, each.total.actual]
        figures += [v for c in each.cells for v in (c.target, c.actual)]
        each.integer = decimals == 0 or all(v is None or float(v).is_integer() for v in figures)
    return lines


def _node_line(node: Node, depth: int) -> Line:
    kind = str(dict(NodeKind.choices).get(node.kind, node.kind))
    return Line(kind="node", depth=depth, code=node.code, label=f"{kind}: {node.display_name}")


class IndicatorTrackingTable:
    code: str = "itt"
    title: str | Promise = _("Indicator tracking table")
    description: str | Promise = _(
        "Every indicator of a framework with its baseline, targets and actuals per quarter or month, the "
        "cumulative value, % achieved and disaggregations (the layout donors ask for)."
    )
    formats: tuple[str, ...] = ("xlsx", "pdf")
    perm: Perm = Perm.FRAMEWORK_VIEW
    frequencies: tuple[str, ...] = ("quarterly", "monthly")

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        framework = (params.get("framework") or "").strip()
        if not framework:
            raise ValidationFailed("framework is required (a framework code)", field="framework")
        if len(framework) > 50:
            raise ValidationFailed(
                "framework must be a framework code (at most 50 characters)", field="framework"
            )
        start, end = _period(params, "start"), _period(params, "end", may_be_ahead=True)
        _periods(start, end)
        clean = {"framework": framework, "start": start.code, "end": end.code}
        org_unit = (params.get("org_unit") or "").strip()
        if org_unit:
            if len(org_unit) > 50:
                raise ValidationFailed("org_unit must be an org unit code", field="org_unit")
            clean["org_unit"] = org_unit
        clean["lang"] = kinds.lang_of(params)
        return clean

    def build(self, *, user: Actor, params: dict[str, str], progress: Progress) -> Report:
        policy.require(user, Perm.FRAMEWORK_VIEW)
        try:
            framework = fw_selectors.framework_get(user=user, code=params["framework"])
        except NotFound:
            raise NotFound(f"framework '{params['framework']}' not found", field="framework") from None
        org_unit = fw_selectors.progress_org_unit(user=user, code=params.get("org_unit") or None)
        periods = _periods(period_lib.parse_period(params["start"]), period_lib.parse_period(params["end"]))
        start, end = periods[0].start, periods[-1].end

        nodes = fw_selectors.framework_nodes(framework=framework)
        visible = {
            ind.pk: ind
            for ind in fw_selectors.indicators_visible_to(user=user)
            .filter(Q(nodes__framework=framework) | Q(framework=framework))
            .distinct()
        }
        formulas = {pk: formula_of(ind) for pk, ind in visible.items()}
        every_code = sorted({c for f in formulas.values() for c in f.data_element_codes})
        numerator_codes = {pk: {i.de for i in f.numerator.items} for pk, f in formulas.items()}
        progress(15, gettext("Reading the data"))

        rows: dict[str, list[Row]] = {}  # data element code -> its values
        for o in _engine_rows(user=user, codes=every_code, org_unit=org_unit, start=start, end=end):
            rows.setdefault(o.row.de, []).append(o.row)
        # The categories an indicator is broken down by: those of its numerator's data elements. Each is read
        # for every data element of those indicators disaggregated by it (a share's denominator too).
        per_de = _disaggregations(set(every_code))
        used = sorted(
            {d.category for codes in numerator_codes.values() for c in codes for d in per_de.get(c, [])}
        )
        option_rows: dict[str, dict[str, list[OptionRow]]] = {}  # category -> data element -> values
        for step, category in enumerate(used):
            progress(20 + 30 * step // len(used), gettext("Reading the disaggregations"))
            codes = {de for de, found in per_de.items() if any(d.category == category for d in found)}
            for o in _engine_rows(
                user=user, codes=codes, org_unit=org_unit, start=start, end=end, category=category
            ):
                option_rows.setdefault(category, {}).setdefault(o.row.de, []).append(o)
        targets: dict[int, list[Target]] = {}
        for t in Target.objects.filter(
            indicator_id__in=list(visible), org_unit=org_unit, start__gte=start, end__lte=end
        ).order_by("start", "period"):
            targets.setdefault(t.indicator_id, []).append(t)
        progress(55, gettext("Computing the table"))

        computed: dict[int, list[Line]] = {}

        def lines_of(indicator: Indicator, depth: int) -> list[Line]:
            """The indicator's lines under a node at `depth` (it may sit under several nodes)."""
            if indicator.pk not in computed:
                formula = formulas[indicator.pk]
                wanted = formula.data_element_codes
                found: list[Disaggregation] = []
                for de in sorted(numerator_codes[indicator.pk]):
                    found += [d for d in per_de.get(de, []) if d not in found]
                computed[indicator.pk] = _indicator_lines(
                    indicator=indicator,
                    formula=formula,
                    periods=periods,
                    rows=[r for de in wanted for r in rows.get(de, [])],
                    option_rows={
                        d.category: [o for de in wanted for o in option_rows.get(d.category, {}).get(de, [])]
                        for d in found
                    },
                    disaggregations=found,
                    targets=targets.get(indicator.pk, []),
                )
            return [replace(line, depth=line.depth + depth) for line in computed[indicator.pk]]

        # Nodes whose subtree holds a visible indicator, in tree order, each followed by its indicators.
        children: dict[int | None, list[Node]] = {}
        for n in nodes:
            children.setdefault(n.parent_id, []).append(n)
        placed: set[int] = set()

        def has_indicators(node: Node) -> bool:
            return any(i.pk in visible for i in node.indicators.all()) or any(
                has_indicators(c) for c in children.get(node.pk, [])
            )

        lines: list[Line] = []
        for node in nodes:
            if not has_indicators(node):
                continue
            depth = int(getattr(node, "depth", 0))
            lines.append(_node_line(node, depth))
            for ind in node.indicators.all():
                if ind.pk in visible:
                    placed.add(ind.pk)
                    lines += lines_of(visible[ind.pk], depth + 1)
        loose = sorted((i for pk, i in visible.items() if pk not in placed), key=lambda i: i.code)
        if loose:
            lines.append(Line(kind="node", depth=0, code="", label=gettext("Indicators outside the tree")))
            for ind in loose:
                lines += lines_of(ind, 1)
        progress(75, gettext("Laying out the table"))
        return Report(framework, org_unit, periods, lines, timezone.localtime(), dict(params))

    # -----------------------------------------------------------------------------------------------------
    # Output

    def render(self, report: Any, *, fmt: str) -> bytes:
        assert isinstance(report, Report)
        if fmt == "xlsx":
            return _workbook(report)
        document = pdf.html("reports/pdf/itt.html", _context(report))
        if fmt == "html":
            return document.encode()
        return pdf.pdf(document)

    def filename(self, params: dict[str, str], fmt: str) -> str:
        framework = _UNSAFE.sub("-", params["framework"]).strip("-.") or "framework"
        return f"itt-{framework}-{params['start']}_{params['end']}-{params['lang']}.{fmt}"

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        kind = {"monthly": "Monthly", "quarterly": "Quarterly"}.get(frequency)
        if kind is None:
            raise ValidationFailed(
                f"frequency must be one of {', '.join(self.frequencies)}, not '{frequency}'",
                field="frequency",
            )
        last = period_lib.period_for_date(kind, today).previous()
        first = period_lib.period_for_date(kind, dt.date(last.start.year, 1, 1))
        return {**params, "start": first.code, "end": last.code}


def _title_lines(report: Report) -> list[str]:
    fw = report.framework
    return [
        gettext("Indicator tracking table"),
        f"{gettext('Framework')}: {fw.display_name} ({fw.code})",
        f"{gettext('Place')}: {report.org_unit.display_name}",
        f"{gettext('Periods')}: {period_label(report.start)} - {period_label(report.end)}"
        f" ({report.start.code}..{report.end.code})",
        gettext("Generated on %(date)s")
        % {"date": formats.date_format(report.generated_at, "DATETIME_FORMAT")},
    ]


def _workbook(report: Report) -> bytes:
    wb = xlsx.new_workbook()
    heading = _title_lines(report)
    ws = xlsx.sheet(wb, gettext("Indicator tracking table"), heading=heading)
    first = len(heading) + 2  # a blank line under the title block
    fixed = [gettext("Code"), gettext("Indicator"), gettext("Unit"), gettext("Baseline")]
    top: list[str] = [*fixed]
    sub: list[str] = ["", "", "", ""]
    for p in report.periods:
        top += [period_label(p), ""]
        sub += [gettext("Target"), gettext("Actual")]
    top += [gettext("Cumulative"), "", gettext("% achieved"), gettext("Notes")]
    sub += [gettext("Target"), gettext("Actual"), "", ""]
    xlsx.header(ws, first, top, freeze=False)
    xlsx.header(ws, first + 1, sub, freeze=True, first_columns=2)
    for col in (1, 2, 3, 4, len(top) - 1, len(top)):  # one heading over both header rows
        ws.merge_cells(start_row=first, start_column=col, end_row=first + 1, end_column=col)
    for n in range(len(report.periods) + 1):  # a period's (or the cumulative) name over Target and Actual
        col = 5 + 2 * n
        ws.merge_cells(start_row=first, start_column=col, end_row=first, end_column=col + 1)
        ws.cell(row=first, column=col).alignment = Alignment(horizontal="center", wrap_text=True)

    row = first + 2
    for line in report.lines:
        if line.kind == "node":
            xlsx.write(ws, row, [line.code, line.label], bold=True)
            for col in range(1, len(top) + 1):
                ws.cell(row=row, column=col).fill = _NODE_FILL
            ws.cell(row=row, column=2).alignment = Alignment(indent=line.depth, wrap_text=True)
        else:
            number = xlsx.INTEGER if line.integer else xlsx.DECIMAL
            values: list[Any] = [line.code, line.label, line.unit, line.baseline]
            for c in line.cells:
                values += [c.target, c.actual]
            values += [line.total.target, line.total.actual, line.achieved, line.note]
            num_formats: list[str | None] = [None, None, None, number]
            num_formats += [number] * (2 * len(line.cells) + 2) + [xlsx.PERCENT, None]
            xlsx.write(ws, row, values, formats=num_formats)
            label = ws.cell(row=row, column=2)
            label.alignment = Alignment(indent=line.depth, wrap_text=True, vertical="top")
            if line.kind == "option":
                label.font = _SUB_FONT
            ws.cell(row=row, column=len(top)).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    if not any(line.kind == "indicator" for line in report.lines):
        xlsx.write(ws, row + 1, ["", gettext("No indicator of this framework is visible to you.")])
    xlsx.widths(ws, [12, 48, 10, 10, *([10] * (2 * len(report.periods) + 2)), 11, 48])
    ws.print_title_rows = f"{first}:{first + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return xlsx.to_bytes(wb)


def _context(report: Report) -> dict[str, Any]:
    """The PDF's tables: the periods in groups of PDF_PERIODS_PER_TABLE (repeating the indicator columns),
    the cumulative, % achieved and notes in the last one."""
    chunks = [
        list(range(n, min(n + PDF_PERIODS_PER_TABLE, len(report.periods))))
        for n in range(0, len(report.periods), PDF_PERIODS_PER_TABLE)
    ]
    tables = []
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        tables.append(
            {
                "periods": [period_label(report.periods[i]) for i in chunk],
                "last": last,
                "rows": [
                    {
                        "line": line,
                        "cells": [
                            (line.show(line.cells[i].target), line.show(line.cells[i].actual)) for i in chunk
                        ]
                        if line.kind != "node"
                        else [],
                    }
                    for line in report.lines
                ],
                "columns": 4 + 2 * len(chunk) + (4 if last else 0),
            }
        )
    title = f"{gettext('Indicator tracking table')} · {report.framework.code}"
    heading = _title_lines(report)
    return {
        "title": title,
        "running": pdf.css_string(title),
        "generated_label": heading[-1],
        "heading": heading,
        "report": report,
        "tables": tables,
        "has_indicators": any(line.kind == "indicator" for line in report.lines),
    }


kinds.register(IndicatorTrackingTable())
