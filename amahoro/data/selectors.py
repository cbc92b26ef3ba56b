"""Reads of the data app: values a user may see (dataValueSets export, the entry grid), aggregates for
frameworks and analytics, validation results, and the approval/lock state of a place and period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from amahoro import policy
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.data.importing import Gatekeeper, OrgUnitRef, default_option_combo, organisation_of_aocs
from amahoro.data.models import DataApproval, DataSet, DataValue, DataValueAudit, Period, ValidationRule
from amahoro.data.validation import Violation, run_rules
from amahoro.geo.models import PATH_SEP, OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import AggregationType, CategoryOptionCombo, DataElement
from amahoro.policy import Actor, Reader
from amahoro.roles import Perm

AGGREGATE_DIMENSIONS = ("period", "org_unit", "category_option_combo", "attribute_option_combo")


def datavalues_visible_to(*, user: Actor, perm: Perm = Perm.DATA_VIEW) -> QuerySet[DataValue]:
    """Live values the user may read (data.view) or write (data.enter)."""
    return policy.visible(user, perm, DataValue.objects.filter(deleted=False))


def period_get(*, code: str) -> Period | None:
    """The stored Period of a code, or None; ValidationFailed for an invalid code."""
    try:
        parsed = period_lib.parse_period(code)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from exc
    return Period.objects.filter(code=parsed.code).first()


def data_sets_visible_to(*, user: Actor) -> QuerySet[DataSet]:
    return policy.visible(user, Perm.DATA_VIEW, DataSet.objects.all())


def data_elements_visible_to(*, user: Actor) -> QuerySet[DataElement]:
    return policy.visible(user, Perm.DATA_VIEW, DataElement.objects.all())


def data_elements_by_ident(
    *, user: Actor, idents: Iterable[str], scheme: str = "code"
) -> dict[str, DataElement]:
    """The data elements the user may see, by code (or uid); others are simply not found."""
    field_name = "uid" if scheme == "uid" else "code"
    wanted = [i for i in idents if i]
    found = data_elements_visible_to(user=user).filter(**{f"{field_name}__in": wanted})
    return {getattr(de, field_name): de for de in found}


def org_units_by_code(*, codes: Iterable[str]) -> dict[str, OrgUnit]:
    return {ou.code: ou for ou in OrgUnit.objects.filter(code__in=[c for c in codes if c])}


# ---------------------------------------------------------------------------------------------------------
# dataValueSets export


def datavalue_export(
    *,
    user: Actor,
    data_element_ids: Iterable[int],
    org_units: Sequence[OrgUnit],
    children: bool = False,
    period_codes: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
    include_deleted: bool = False,
    attribute_option_combo_ids: Sequence[int] = (),
    last_updated: Any = None,
) -> QuerySet[DataValue]:
    """The values a dataValueSets GET returns, narrowed by the policy, in a stable order."""
    base = DataValue.objects.all() if include_deleted else DataValue.objects.filter(deleted=False)
    qs = policy.visible(user, Perm.DATA_VIEW, base).filter(data_element_id__in=list(data_element_ids))
    if children:
        place = Q()
        for ou in org_units:
            place |= Q(org_unit__path__startswith=ou.path)
        qs = qs.filter(place)
    else:
        qs = qs.filter(org_unit__in=list(org_units))
    if period_codes:
        qs = qs.filter(period__code__in=list(period_codes))
    if start is not None:
        qs = qs.filter(period__start__gte=start)
    if end is not None:
        qs = qs.filter(period__end__lte=end)
    if attribute_option_combo_ids:
        qs = qs.filter(attribute_option_combo_id__in=list(attribute_option_combo_ids))
    if last_updated is not None:
        qs = qs.filter(updated_at__gte=last_updated)
    return qs.order_by(
        "data_element__code",
        "period__start",
        "period__code",
        "org_unit__path",
        "category_option_combo__code",
        "attribute_option_combo__code",
    )


EXPORT_FIELDS = (
    "data_element__code",
    "data_element__uid",
    "period__code",
    "org_unit__code",
    "category_option_combo__code",
    "category_option_combo__uid",
    "attribute_option_combo__code",
    "attribute_option_combo__uid",
    "value",
    "stored_by__username",
    "created_at",
    "updated_at",
    "comment",
    "follow_up",
    "deleted",
)
# Read as well when an export names objects by name, uid or attribute (idScheme and friends).
SCHEME_EXPORT_FIELDS = (
    "data_element__name",
    "data_element__id",
    "org_unit__uid",
    "org_unit__name",
    "org_unit__id",
    "category_option_combo__name",
    "category_option_combo__id",
    "attribute_option_combo__name",
    "attribute_option_combo__id",
)
ATTRIBUTE_EXPORT_FIELDS = (
    "data_element__attribute_values",
    "org_unit__attribute_values",
    "category_option_combo__attribute_values",
    "attribute_option_combo__attribute_values",
)


def value_history(*, user: Actor, value_id: int) -> list[DataValueAudit]:
    value = policy.get_visible_or_404(user, Perm.DATA_VIEW, DataValue.objects.all(), pk=value_id)
    return list(value.history.select_related("by"))


# ---------------------------------------------------------------------------------------------------------
# Aggregation (used by frameworks progress and analytics)


def _ancestor_path(path: str, level: int) -> str | None:
    parts = path.strip(PATH_SEP).split(PATH_SEP)
    if len(parts) < level:
        return None
    return PATH_SEP + PATH_SEP.join(parts[:level]) + PATH_SEP


def aggregate_values(
    *,
    data_element_ids: Iterable[int],
    org_unit_path: str,
    start: date,
    end: date,
    by: Sequence[str] = ("period", "org_unit", "category_option_combo"),
    level: int | None = None,
    period_type: str | None = None,
    user: Reader | None = None,
) -> list[dict[str, Any]]:
    """Numeric values of the data elements in the subtree `org_unit_path`, for periods inside start..end,
    aggregated per data element and the dimensions in `by` (period, org_unit, category_option_combo,
    attribute_option_combo).

    Each row: {"data_element_id", ["period" (code)], ["org_unit_id"], ["category_option_combo_id"],
    ["attribute_option_combo_id"], "value", "count"}. `level` (org unit depth, 1 = country) reports org
    units rolled up to their ancestor at that level; values recorded above that level are left out. The
    data element's aggregation type decides `value`: SUM adds, AVERAGE averages the underlying values, LAST
    takes each place's latest period (when period is not in `by`) and adds those over places. Mixing period
    types of one data element double counts: pass `period_type` when data is stored at several. `user`
    narrows to the values that user may see.
    """
    unknown = set(by) - set(AGGREGATE_DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown dimensions {sorted(unknown)}; use {AGGREGATE_DIMENSIONS}")
    de_ids = list(data_element_ids)
    agg_types = dict(DataElement.objects.filter(pk__in=de_ids).values_list("pk", "aggregation_type"))
    base = DataValue.objects.filter(
        data_element_id__in=de_ids,
        org_unit__path__startswith=org_unit_path,
        period__start__gte=start,
        period__end__lte=end,
        deleted=False,
        numeric_value__isnull=False,
    )
    if period_type:
        base = base.filter(period__type=period_lib.normalize_period_type(period_type))
    if user is not None:
        base = policy.visible(user, Perm.DATA_VIEW, base)

    want_ou = "org_unit" in by
    roll_up = want_ou and level is not None
    last_ids = [d for d in de_ids if agg_types.get(d) == AggregationType.LAST]
    other_ids = [d for d in de_ids if d not in last_ids]

    # final key -> [sum, count]
    acc: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0, 0])
    ou_field = "org_unit__path" if roll_up else "org_unit_id"

    def final_key(row: dict[str, Any]) -> tuple[Any, ...] | None:
        key: list[Any] = [row["data_element_id"]]
        for dim in by:
            if dim == "period":
                key.append(row["period__code"])
            elif dim == "org_unit":
                if roll_up:
                    assert level is not None
                    ancestor = _ancestor_path(row["org_unit__path"], level)
                    if ancestor is None:
                        return None
                    key.append(ancestor)
                else:
                    key.append(row["org_unit_id"])
            else:
                key.append(row[f"{dim}_id"])
        return tuple(key)

    if other_ids:
        fields = ["data_element_id"]
        for dim in by:
            fields.append(
                "period__code" if dim == "period" else ou_field if dim == "org_unit" else f"{dim}_id"
            )
        rows = (
            base.filter(data_element_id__in=other_ids)
            .values(*fields)
            .annotate(total=Sum("numeric_value"), n=Count("id"))
            .order_by()
        )
        for row in rows:
            key = final_key(row)
            if key is None:
                continue
            acc[key][0] += row["total"]
            acc[key][1] += row["n"]

    if last_ids:
        fields = [
            "data_element_id",
            "period__code",
            "period__start",
            "org_unit_id",
            "org_unit__path",
            "category_option_combo_id",
            "attribute_option_combo_id",
        ]
        rows = (
            base.filter(data_element_id__in=last_ids)
            .values(*fields)
            .annotate(total=Sum("numeric_value"))
            .order_by()
        )
        if "period" in by:
            picked = list(rows)
        else:
            latest: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in rows:
                cell = (
                    row["data_element_id"],
                    row["org_unit_id"],
                    row["category_option_combo_id"],
                    row["attribute_option_combo_id"],
                )
                if cell not in latest or row["period__start"] > latest[cell]["period__start"]:
                    latest[cell] = row
            picked = list(latest.values())
        for row in picked:
            key = final_key(row)
            if key is None:
                continue
            acc[key][0] += row["total"]
            acc[key][1] += 1

    path_ids: dict[str, int] = {}
    if roll_up and acc:
        paths = {k[1 + list(by).index("org_unit")] for k in acc}
        path_ids = dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "pk"))

    out: list[dict[str, Any]] = []
    for key, (total, count) in acc.items():
        de_id = key[0]
        row_out: dict[str, Any] = {"data_element_id": de_id}
        for dim, part in zip(by, key[1:], strict=True):
            if dim == "period":
                row_out["period"] = part
            elif dim == "org_unit":
                row_out["org_unit_id"] = path_ids.get(part) if roll_up else part
            else:
                row_out[f"{dim}_id"] = part
        average = agg_types.get(de_id) == AggregationType.AVERAGE
        row_out["value"] = total / count if average and count else total
        row_out["count"] = int(count)
        out.append(row_out)
    out.sort(
        key=lambda r: tuple(
            str(r.get(k, ""))
            for k in (
                "data_element_id",
                "period",
                "org_unit_id",
                "category_option_combo_id",
                "attribute_option_combo_id",
            )
        )
    )
    return out


# ---------------------------------------------------------------------------------------------------------
# Validation results


def validation_violations(
    *,
    user: Actor,
    org_unit: OrgUnit,
    period_codes: Sequence[str],
    children: bool = False,
    rules: Sequence[ValidationRule] | None = None,
) -> list[Violation]:
    """Validation rule violations for the org unit (and its subtree if `children`) and periods, computed
    from the values the user may see, with the rules the user may see."""
    if rules is None:
        rules = list(policy.visible(user, Perm.DATA_VIEW, ValidationRule.objects.filter(is_active=True)))
    values = datavalues_visible_to(user=user).filter(period__code__in=list(period_codes))
    values = (
        values.filter(org_unit__path__startswith=org_unit.path)
        if children
        else values.filter(org_unit=org_unit)
    )
    return run_rules(rules=rules, values=values)


# ---------------------------------------------------------------------------------------------------------
# The data entry grid


@dataclass
class Cell:
    data_element: DataElement
    coc: CategoryOptionCombo
    value: str = ""
    comment: str = ""
    follow_up: bool = False


@dataclass
class GridSection:
    combo_code: str
    columns: list[CategoryOptionCombo]
    rows: list[tuple[DataElement, list[Cell]]] = field(default_factory=list)


@dataclass
class EntryGrid:
    org_unit: OrgUnit
    period: period_lib.Period
    attribute_option_combo: CategoryOptionCombo
    sections: list[GridSection]
    closed_message: str | None
    approval_state: str | None
    can_enter: bool
    violations: list[Violation]


def entry_state(
    *, user: Actor, org_unit: OrgUnit, period: period_lib.Period, aoc: CategoryOptionCombo
) -> tuple[str | None, str | None, bool]:
    """(why the period is closed here or None, approval state or None, may the user enter data here)."""
    organisation_id = organisation_of_aocs({aoc.pk: aoc.option_key}).get(aoc.pk)
    gate = Gatekeeper(user, (period.start, period.end))
    ou = OrgUnitRef(org_unit.pk, org_unit.code, org_unit.path, org_unit.opened_on, org_unit.closed_on)
    closed = gate.closed(ou, period, aoc.pk, organisation_id)
    approval = (
        DataApproval.objects.filter(org_unit=org_unit, period__code=period.code, attribute_option_combo=aoc)
        .values_list("state", flat=True)
        .first()
    )
    can_enter = gate.refusal(ou, organisation_id) is None
    return (closed[1] if closed else None), approval, can_enter


def entry_grid(
    *,
    user: Actor,
    org_unit: OrgUnit,
    period: period_lib.Period,
    data_elements: Sequence[DataElement],
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> EntryGrid:
    """The grid of one org unit and period: one section per category combo, a row per data element, a
    column per category option combo, with the stored values the user may see."""
    if not policy.can_in(user, Perm.DATA_VIEW, org_unit=org_unit.path):
        raise NotFound("org unit not found")
    aoc = attribute_option_combo or default_option_combo()
    assert aoc is not None
    sections: dict[int, GridSection] = {}
    combo_cocs: dict[int, list[CategoryOptionCombo]] = defaultdict(list)
    combo_ids = {de.category_combo_id for de in data_elements}
    for coc in (
        CategoryOptionCombo.objects.filter(combo_id__in=combo_ids)
        .select_related("combo")
        .order_by("combo_id", "pk")
    ):
        combo_cocs[coc.combo_id].append(coc)
    stored = {
        (v.data_element_id, v.category_option_combo_id): v
        for v in datavalues_visible_to(user=user).filter(
            org_unit=org_unit,
            period__code=period.code,
            attribute_option_combo=aoc,
            data_element__in=list(data_elements),
        )
    }
    for de in data_elements:
        columns = combo_cocs.get(de.category_combo_id, [])
        section = sections.get(de.category_combo_id)
        if section is None:
            code = columns[0].combo.code if columns else ""
            section = sections[de.category_combo_id] = GridSection(code, columns)
        cells = []
        for coc in columns:
            v = stored.get((de.pk, coc.pk))
            cells.append(
                Cell(de, coc, v.value if v else "", v.comment if v else "", v.follow_up if v else False)
            )
        section.rows.append((de, cells))
    closed, approval, can_enter = entry_state(user=user, org_unit=org_unit, period=period, aoc=aoc)
    violations = validation_violations(user=user, org_unit=org_unit, period_codes=[period.code])
    return EntryGrid(org_unit, period, aoc, list(sections.values()), closed, approval, can_enter, violations)
