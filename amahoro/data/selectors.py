"""Reads of the data app: values a user may see (dataValueSets export, the entry grid), validation results,
and the approval/lock state of a place and period. Aggregates of data values are the analytics engine's
(amahoro.analytics.engine), not this module's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.data.importing import Gatekeeper, OrgUnitRef, default_option_combo, organisation_of_aocs
from amahoro.data.models import DataApproval, DataSet, DataValue, DataValueAudit, Period, ValidationRule
from amahoro.data.validation import Violation, run_rules
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.policy import Actor
from amahoro.roles import Perm


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


# ---------------------------------------------------------------------------------------------------------
# Choosing what to enter: a data set, a place by name, a period (DHIS2's data entry app)

PLACE_RESULTS = 20
PICKER_PERIODS = 12


def entry_data_sets(*, user: Actor) -> list[DataSet]:
    """The data sets the user may open for entry: visible to them and, when a data set is assigned to places,
    assigned to at least one place inside the user's data.view scope."""
    roots = policy.subtree_roots(user, Perm.DATA_VIEW)
    sets = data_sets_visible_to(user=user).prefetch_related("org_units").order_by("name")
    out = []
    for ds in sets[:500]:
        units = list(ds.org_units.all())
        if not units or roots is None or any(u.path.startswith(r) for u in units for r in roots):
            out.append(ds)
    return out


def entry_places(*, user: Actor, data_set: DataSet | None, query: str = "") -> list[OrgUnit]:
    """Places whose name (in any language) or code contains `query`, inside the user's data.view scope and,
    when the data set is assigned to places, among those places; at most PLACE_RESULTS, best first."""
    roots = policy.subtree_roots(user, Perm.DATA_VIEW)
    units = OrgUnit.objects.select_related("level", "parent")
    if roots is not None:
        if not roots:
            return []
        scope = Q()
        for root in roots:
            scope |= Q(path__startswith=root)
        units = units.filter(scope)
    if data_set is not None:
        assigned = list(data_set.org_units.values_list("pk", flat=True))
        if assigned:
            units = units.filter(pk__in=assigned)
    query = query.strip()
    if query:
        units = units.filter(
            Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(name_fr__icontains=query)
            | Q(name_rw__icontains=query)
            | Q(code__iexact=query)
        )
    found = list(units.order_by("depth", "name")[: PLACE_RESULTS * 5])
    lowered = query.lower()

    def rank(unit: OrgUnit) -> tuple[int, int, str]:
        names = [n.lower() for n in (unit.name, unit.name_en, unit.name_fr, unit.name_rw) if n]
        exact = 0 if lowered and (lowered in names or unit.code.lower() == lowered) else 1
        return exact, unit.depth, unit.name

    return sorted(found, key=rank)[:PLACE_RESULTS]


def entry_period_type(data_set: DataSet | None) -> str:
    """The period type the picker offers: the data set's, Monthly when it has none."""
    period_type = data_set.period_type if data_set is not None else ""
    try:
        return period_lib.normalize_period_type(period_type) if period_type else "Monthly"
    except (KeyError, ValueError):
        return "Monthly"


def entry_periods(
    *, data_set: DataSet | None, today: date, count: int = PICKER_PERIODS
) -> list[period_lib.Period]:
    """The periods to pick from, newest first: the current one (DHIS2 allows entry into an open period) and
    the `count - 1` before it."""
    current = period_lib.period_for_date(entry_period_type(data_set), today)
    out = [current]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


@dataclass(frozen=True)
class EntryShortcut:
    """A way into data entry from the home page: a data set, and when the user has one place for it, that
    place and the last period that has ended (the report most likely to be entered now)."""

    data_set: DataSet
    place: OrgUnit | None
    period: period_lib.Period | None
    query: dict[str, str]


def entry_shortcuts(*, user: Actor, today: date, limit: int = 6) -> list[EntryShortcut]:
    if not policy.has_perm(user, Perm.DATA_ENTER):
        return []
    out = []
    for data_set in entry_data_sets(user=user)[:limit]:
        places = entry_places(user=user, data_set=data_set)[:2]
        query = {"data_set": data_set.code}
        if len(places) == 1:
            period = entry_periods(data_set=data_set, today=today, count=2)[1]
            query.update(org_unit=places[0].code, period=period.code)
            out.append(EntryShortcut(data_set, places[0], period, query))
        else:
            out.append(EntryShortcut(data_set, None, None, query))
    return out
