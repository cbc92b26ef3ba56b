"""One analytics query in DHIS2's shape: `run(user=..., params=...)` parses the dimensions, checks the
caller's scope and the GBV disclosure minimums, reads every figure through `amahoro.analytics.engine`
(`aggregate` for data elements, `indicator_values` for indicators; reporting rates `<data set>.REPORTING_RATE`
from amahoro.data.completeness, since they count reports rather than values) and answers the JSON of
`GET /api/v1/analytics` (headers, rows, metaData, height, width). Pages (the visualizer, dashboards) call it
directly with their query string's parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from amahoro.analytics import engine
from amahoro.cases import accountability, disclosure, suppression
from amahoro.core.errors import ValidationFailed
from amahoro.data import completeness
from amahoro.frameworks.models import Indicator
from amahoro.geo.models import OrgUnit
from amahoro.metadata import expressions
from amahoro.metadata.models import DataElement

from . import dimensions as dims
from .dimensions import DX, OU, PE, Dimension

# Parameters run() reads; `type`, `rows` and `columns` are the visualizer's layout (C3), accepted and ignored.
PARAMS = (
    "dimension",
    "filter",
    "relativePeriodDate",
    "outputIdScheme",
    "aggregationType",
    "skipMeta",
    "displayProperty",
)
LAYOUT_PARAMS = ("type", "rows", "columns", "format")
ID_SCHEMES = ("CODE", "NAME")
DISPLAY_PROPERTIES = ("NAME", "SHORTNAME")
AGGREGATION_TYPES = ("SUM", "AVERAGE", "AVERAGE_SUM_ORG_UNIT", "LAST", "COUNT", "MIN", "MAX")
# How a cell about too few GBV incidents is shown (the case module's rule: counts 1-4 never leave it).
SMALL_COUNT = suppression.PRIMARY  # a data element value 1-4
SMALL_INDICATOR = suppression.SUPPRESSED  # an indicator resting on a count 1-4


def _text_header(name: str, column: str) -> dict[str, Any]:
    return {
        "name": name,
        "column": column,
        "valueType": "TEXT",
        "type": "java.lang.String",
        "hidden": False,
        "meta": True,
    }


VALUE_HEADER = {
    "name": "value",
    "column": "Value",
    "valueType": "NUMBER",
    "type": "java.lang.Double",
    "hidden": False,
    "meta": False,
}


@dataclass(frozen=True)
class Options:
    today: date
    scheme: str
    aggregation: str | None
    skip_meta: bool
    short_names: bool


def _one(params: Mapping[str, Any], name: str) -> str | None:
    values = dims.values_of(params, name)
    return values[-1].strip() if values else None


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = _one(params, name)
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes", "on"):
        return True
    if value.lower() in ("false", "0", "no", "off"):
        return False
    raise ValidationFailed(
        _("%(name)s must be true or false, not '%(value)s'") % {"name": name, "value": value}, field=name
    )


def parse_options(params: Mapping[str, Any]) -> Options:
    known = set(PARAMS) | set(LAYOUT_PARAMS)
    for name in params:
        if name not in known:
            raise ValidationFailed(
                _("unknown query parameter '%(name)s' (expected: %(known)s)")
                % {"name": name, "known": ", ".join(PARAMS)},
                field=name,
            )
    today = timezone.localdate()
    relative = _one(params, "relativePeriodDate")
    if relative:
        try:
            today = date.fromisoformat(relative)
        except ValueError:
            raise ValidationFailed(
                _("relativePeriodDate must be a date as YYYY-MM-DD, not '%(value)s'") % {"value": relative},
                field="relativePeriodDate",
            ) from None
    scheme = (_one(params, "outputIdScheme") or "CODE").upper()
    if scheme not in ID_SCHEMES:
        raise ValidationFailed(
            _("outputIdScheme must be CODE or NAME, not '%(value)s'") % {"value": scheme},
            field="outputIdScheme",
        )
    aggregation = _one(params, "aggregationType")
    if aggregation is not None:
        aggregation = aggregation.upper()
        if aggregation not in AGGREGATION_TYPES:
            raise ValidationFailed(
                _("aggregationType must be one of %(known)s, not '%(value)s'")
                % {"known": ", ".join(AGGREGATION_TYPES), "value": aggregation},
                field="aggregationType",
            )
    display = (_one(params, "displayProperty") or "NAME").upper()
    if display not in DISPLAY_PROPERTIES:
        raise ValidationFailed(
            _("displayProperty must be NAME or SHORTNAME, not '%(value)s'") % {"value": display},
            field="displayProperty",
        )
    return Options(today, scheme, aggregation, _flag(params, "skipMeta"), display == "SHORTNAME")


# ---------------------------------------------------------------------------------------------------------
# GBV case figures: the case module's disclosure minimums and small-cell rule


def gbv_codes() -> set[str]:
    """Data elements that carry GBV case counts: those the case module pushes, and any coded GBV_*."""
    return set(accountability.ELEMENTS)


def is_gbv_code(code: str) -> bool:
    return code in gbv_codes() or code.upper().startswith("GBV_")


def _indicator_codes(indicator: Indicator) -> list[str]:
    out: list[str] = []
    for text in (indicator.numerator, indicator.denominator):
        try:
            out.extend(expressions.parse(text).data_element_codes)
        except expressions.ExpressionError:
            continue
    return out


def is_gbv_item(item: dims.Item) -> bool:
    if isinstance(item.obj, completeness.ReportingMetric):
        return False  # counts of reports, not of incidents
    if isinstance(item.obj, Indicator):
        return any(is_gbv_code(c) for c in _indicator_codes(item.obj))
    return is_gbv_code(item.code)


def check_gbv_grain(*, user: Any, dx: Dimension, pe: Dimension, ou: Dimension | None) -> None:
    """GBV figures no finer than GBV_STATS_MIN_PERIOD and GBV_STATS_MIN_ORG_LEVEL, except for case roles
    (case.statistics_detail) in their own area: 400 naming pe or ou, as the case statistics API does."""
    if not any(is_gbv_item(i) for i in dx.items):
        return
    rule = disclosure.rule()
    places: list[OrgUnit] = [i.obj for i in ou.items] if ou is not None else dims.user_roots(user)
    if places and all(disclosure.is_case_role(user, org_unit=p) for p in places):
        return
    for item in pe.items:
        if disclosure.period_months(item.obj) < rule.min_months:
            raise ValidationFailed(
                _(
                    "dimension pe: GBV case figures cover a whole %(min)s period or longer; '%(code)s' is "
                    "shorter. Finer periods are for case roles in their own area."
                )
                % {"min": rule.min_period.lower(), "code": item.code},
                field=PE,
            )
    for place in places:
        if place.depth > rule.min_org_level:
            raise ValidationFailed(
                _(
                    "dimension ou: GBV case figures cover level %(level)s or a larger area; '%(code)s' is "
                    "smaller. Finer places are for case roles in their own area."
                )
                % {"level": rule.min_org_level, "code": place.code},
                field=OU,
            )


def _small(value: float | None) -> bool:
    return value is not None and 0 < value < suppression.THRESHOLD


# ---------------------------------------------------------------------------------------------------------
# Figures through the engine


@dataclass
class Cell:
    value: float
    numerator: float | None = None
    denominator: float | None = None


def _engine_call(fn: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The engine's refusals as 400s naming this API's parameter."""
    try:
        return list(fn(**kwargs))
    except engine.InvalidQuery as exc:
        field = {
            "aggregation": "aggregationType",
            "numerator": DX,
            "denominator": DX,
            "within_periods": PE,
            "org_unit_paths": OU,
        }.get(str(exc.field), str(exc.field or "dimension"))
        raise ValidationFailed(exc.message, field=field) from exc


def _period_groups(pe: Dimension) -> list[tuple[str | None, list[str]]]:
    """(period type to group by or None for a filter, the period codes) per engine call."""
    if pe.is_filter:
        return [(None, [i.code for i in pe.items])]
    by_type: dict[str, list[str]] = {}
    for item in pe.items:
        by_type.setdefault(item.obj.type, []).append(item.code)
    return list(by_type.items())


def _place_groups(ou: Dimension | None) -> list[tuple[int | None, list[str] | None]]:
    """(org unit level to group by or None, the subtrees to keep or None = the caller's whole scope)."""
    if ou is None:
        return [(None, None)]
    if ou.is_filter:
        return [(None, [i.obj.path for i in ou.items])]
    by_depth: dict[int, list[str]] = {}
    for item in ou.items:
        by_depth.setdefault(int(item.obj.depth), []).append(item.obj.path)
    return sorted(by_depth.items())


def compute(
    *,
    user: Any,
    dx: Dimension,
    pe: Dimension,
    ou: Dimension | None,
    categories: Sequence[Dimension],
    aggregation: str | None,
) -> dict[tuple[str, ...], tuple[dims.Item, Cell]]:
    """{(dx code, pe code, ou code, option codes ... of the split categories): (the dx item, the cell)};
    codes in the order dx, pe, ou, then the categories as given (absent keys for filters)."""
    start = min(i.obj.start for i in pe.items)
    end = max(i.obj.end for i in pe.items)
    split_cats = [c for c in categories if not c.is_filter]
    options: dict[str, list[str]] = {}
    for cat in categories:
        if not cat.all_options or cat.is_filter:
            options[cat.key] = [i.code for i in cat.items]
    elements = [i for i in dx.items if isinstance(i.obj, DataElement)]
    indicators = [i for i in dx.items if isinstance(i.obj, Indicator)]
    rates = [i for i in dx.items if isinstance(i.obj, completeness.ReportingMetric)]
    if dx.is_filter and (indicators or rates) and len(dx.items) > 1:
        raise ValidationFailed(
            _(
                "a dx filter holds one indicator or reporting rate, or data elements only (indicators and "
                "rates do not add up)"
            ),
            field=DX,
        )
    by_id = {i.obj.pk: i for i in elements}
    cells: dict[tuple[str, ...], tuple[dims.Item, Cell]] = {}
    for period_type, period_codes in _period_groups(pe):
        for depth, paths in _place_groups(ou):
            place_keys = [f"org_unit_level:{depth}"] if depth is not None else []
            period_keys = [f"period:{period_type}"] if period_type is not None else []
            common = {
                "start": start,
                "end": end,
                "org_unit_paths": paths,
                "user": user,
                "category_options": options or None,
                "within_periods": period_codes,
            }
            cat_keys = [f"category:{c.key}" for c in split_cats]
            if elements:
                group_by = ["data_element", *period_keys, *place_keys, *cat_keys]
                rows = _engine_call(
                    engine.aggregate,
                    data_element_ids=[i.obj.pk for i in elements],
                    group_by=group_by if not dx.is_filter else group_by[1:],
                    aggregation=aggregation,
                    **common,
                )
                for row in rows:
                    item = by_id[row["data_element"]] if not dx.is_filter else dx.items[0]
                    key = _key(row, item, dx, period_keys, place_keys, cat_keys)
                    if dx.is_filter and key in cells:  # several data elements in a filter add up
                        cells[key][1].value += float(row["value"])
                    else:
                        cells[key] = (item, Cell(float(row["value"])))
            for item in indicators:
                ind: Indicator = item.obj
                rows = _engine_call(
                    engine.indicator_values,
                    numerator=ind.numerator,
                    denominator=ind.denominator or "1",
                    factor=float(ind.factor),
                    missing_value_strategy=ind.missing_value_strategy,
                    aggregation_time=ind.aggregation_time,
                    aggregation_place=ind.aggregation_place,
                    group_by=[*period_keys, *place_keys, *cat_keys],
                    **common,
                )
                for row in rows:
                    key = _key(row, item, dx, period_keys, place_keys, cat_keys)
                    cells[key] = (
                        item,
                        Cell(float(row["value"]), row.get("numerator"), row.get("denominator")),
                    )
    if rates and not split_cats:
        cells.update(_reporting_cells(user=user, dx=dx, pe=pe, ou=ou, items=rates))
    return cells


def _reporting_cells(
    *, user: Any, dx: Dimension, pe: Dimension, ou: Dimension | None, items: list[dims.Item]
) -> dict[tuple[str, ...], tuple[dims.Item, Cell]]:
    """Reporting rates and report counts, counted by the data app (registrations, not data values); a
    filter sums its periods or places. Nothing expected: no cell (DHIS2 leaves it out too)."""
    periods = [i.obj for i in pe.items]
    units = [i.obj for i in ou.items] if ou is not None else None
    cells: dict[tuple[str, ...], tuple[dims.Item, Cell]] = {}
    for item in items:
        metric: completeness.ReportingMetric = item.obj
        found = completeness.reporting_rates(
            user=user, data_set=metric.data_set, periods=periods, org_units=units, today=timezone.localdate()
        )
        grouped: dict[tuple[str, ...], completeness.Tally] = {}
        for (pe_code, ou_code), tally in found.items():
            parts = [] if dx.is_filter else [item.code]
            if not pe.is_filter:
                parts.append(str(pe_code))
            if ou is not None and not ou.is_filter:
                parts.append(str(ou_code))
            grouped.setdefault(tuple(parts), completeness.Tally()).add(tally)
        for key, tally in grouped.items():
            value = tally.metric(metric.metric)
            if value is None:
                continue
            cells[key] = (item, Cell(value, float(tally.actual), float(tally.expected)))
    return cells


def _key(
    row: Mapping[str, Any],
    item: dims.Item,
    dx: Dimension,
    period_keys: list[str],
    place_keys: list[str],
    cat_keys: list[str],
) -> tuple[str, ...]:
    out = [] if dx.is_filter else [item.code]
    out += [str(row[k]) for k in (*period_keys, *place_keys, *cat_keys)]
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# The answer


def format_value(value: float, decimals: int | None = None) -> str:
    """DHIS2's way: whole numbers without a decimal point; others rounded (indicators: their decimals or 2)."""
    rounded = round(value, 10 if decimals is None else decimals)
    if rounded == int(rounded) and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


def _shown(item: dims.Item, cell: Cell, gbv: bool) -> str:
    if isinstance(item.obj, completeness.ReportingMetric):
        return format_value(cell.value, 1 if item.obj.is_percent else None)
    if isinstance(item.obj, Indicator):
        if gbv and (
            _small(cell.numerator)
            or _small(cell.denominator)
            or (
                cell.numerator is not None
                and cell.denominator is not None
                and _small(cell.denominator - cell.numerator)
            )
        ):
            return SMALL_INDICATOR
        decimals = item.obj.decimals if item.obj.decimals is not None else 2
        return format_value(cell.value, decimals)
    if gbv and _small(cell.value):
        return SMALL_COUNT
    return format_value(cell.value)


def run(*, user: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """The analytics answer for `params` (a QueryDict, or a mapping of parameter -> list of values)."""
    options = parse_options(params)
    specs = dims.parse_all(dims.values_of(params, "dimension"), dims.values_of(params, "filter"))
    if not specs:
        raise ValidationFailed(
            _("give at least dimension=dx:... and dimension=pe:... (or filters)"), field="dimension"
        )
    keys = {s.key for s in specs}
    for required in (DX, PE):
        if required not in keys:
            raise ValidationFailed(
                _("%(key)s is required, as a dimension or a filter (e.g. dimension=%(example)s)")
                % {"key": required, "example": "dx:GBV_CASES" if required == DX else "pe:LAST_12_MONTHS"},
                field=required,
            )
    resolved = [dims.resolve(spec, user=user, today=options.today) for spec in specs]
    by_key = {d.key: d for d in resolved}
    dx, pe, ou = by_key[DX], by_key[PE], by_key.get(OU)
    categories = [d for d in resolved if d.key not in dims.FIXED]
    check_gbv_grain(user=user, dx=dx, pe=pe, ou=ou)
    cells = compute(user=user, dx=dx, pe=pe, ou=ou, categories=categories, aggregation=options.aggregation)
    gbv_items = {item.code for item in dx.items if is_gbv_item(item)}
    gbv_filter = dx.is_filter and bool(gbv_items)

    shown = [d for d in resolved if not d.is_filter]
    # Cell keys are in the order dx, pe, ou, categories; the answer's columns in the order asked.
    internal = [d for d in (dx, pe, ou) if d is not None and not d.is_filter] + [
        c for c in categories if not c.is_filter
    ]
    position = {d.key: n for n, d in enumerate(internal)}
    order = {d.key: {item.code: n for n, item in enumerate(d.items)} for d in shown}
    labels = {d.key: {item.code: _label(item, options) for item in d.items} for d in shown}

    rows: list[tuple[tuple[int, ...], list[str]]] = []
    for key, (item, cell) in cells.items():
        codes = [key[position[d.key]] for d in shown]
        if any(code not in order[d.key] for d, code in zip(shown, codes, strict=True)):
            continue  # a group the engine found outside the items asked (cannot happen; never shown)
        sort_key = tuple(order[d.key][code] for d, code in zip(shown, codes, strict=True))
        gbv = gbv_filter or item.code in gbv_items
        out = [labels[d.key][code] for d, code in zip(shown, codes, strict=True)]
        rows.append((sort_key, [*out, _shown(item, cell, gbv)]))
    rows.sort(key=lambda r: r[0])
    headers = [_text_header(d.key, d.name) for d in shown] + [dict(VALUE_HEADER)]
    answer: dict[str, Any] = {
        "headers": headers,
        "rows": [r[1] for r in rows],
        "metaData": {"items": {}, "dimensions": {}},
        "height": len(rows),
        "width": len(headers),
    }
    if not options.skip_meta:
        answer["metaData"] = _meta(resolved, options)
    return answer


def _label(item: dims.Item, options: Options) -> str:
    if options.scheme == "CODE":
        return item.code
    return _name(item, options)


def _name(item: dims.Item, options: Options) -> str:
    if options.short_names:
        short = getattr(item.obj, "short_name", "")
        if short:
            return str(short)
    return item.name


def _meta(resolved: Sequence[Dimension], options: Options) -> dict[str, Any]:
    items: dict[str, dict[str, str]] = {}
    dimensions: dict[str, list[str]] = {}
    for d in resolved:
        items[d.key] = {"name": d.name}
        dimensions[d.key] = []
        for item in d.items:
            ident = _label(item, options)
            items[ident] = {"name": _name(item, options), "code": item.code}
            dimensions[d.key].append(ident)
    return {"items": items, "dimensions": dimensions}
