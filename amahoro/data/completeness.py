"""Reporting completeness and timeliness (DHIS2's reporting rate): which data sets each place owes for which
period, which came in (a completeDataSetRegistration), on time or late. Reads only; the registrations are
written by amahoro.data.registrations, the reminders sent by amahoro.data.reminders (docs/completeness.md).

- Expected: every place a data set is assigned to (`DataSet.org_units`), for every period of its period type
  that has ended, while the place was open, once per reporting organisation (`DataSet.organisations`, else
  the owner; a shared data set without either: once per place).
- Received (actual): a registration marked completed for that place, period and organisation.
- On time: registered on or before the due date, the period's last day + `timely_days` (local date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from amahoro import policy
from amahoro.data.models import CompleteDataSetRegistration, DataSet
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

REGISTRATION = "data.completedatasetregistration"
# Above this many periods x places, a completeness table is refused (the page names a shorter range).
MAX_CELLS = 20_000

# The analytics items (`<data set code>.<suffix>`), DHIS2's names.
REPORTING_RATE = "REPORTING_RATE"
REPORTING_RATE_ON_TIME = "REPORTING_RATE_ON_TIME"
ACTUAL_REPORTS = "ACTUAL_REPORTS"
ACTUAL_REPORTS_ON_TIME = "ACTUAL_REPORTS_ON_TIME"
EXPECTED_REPORTS = "EXPECTED_REPORTS"
METRICS = (REPORTING_RATE, REPORTING_RATE_ON_TIME, ACTUAL_REPORTS, ACTUAL_REPORTS_ON_TIME, EXPECTED_REPORTS)


METRIC_NAMES = {
    REPORTING_RATE: _("Reporting rate"),
    REPORTING_RATE_ON_TIME: _("Reporting rate on time"),
    ACTUAL_REPORTS: _("Actual reports"),
    ACTUAL_REPORTS_ON_TIME: _("Actual reports on time"),
    EXPECTED_REPORTS: _("Expected reports"),
}
PERCENT_METRICS = (REPORTING_RATE, REPORTING_RATE_ON_TIME)


@dataclass(frozen=True)
class ReportingMetric:
    """An analytics dx item `<data set code>.<metric>` (DHIS2's reporting rate items)."""

    data_set: DataSet
    metric: str

    @property
    def code(self) -> str:
        return f"{self.data_set.code}.{self.metric}"

    @property
    def display_name(self) -> str:
        return f"{self.data_set.name} - {METRIC_NAMES[self.metric]}"

    @property
    def is_percent(self) -> bool:
        return self.metric in PERCENT_METRICS


def reporting_metrics(codes: Iterable[str]) -> dict[str, ReportingMetric]:
    """{code: metric} for the codes of the form `<data set code>.<metric>` naming an existing data set."""
    parts = {c: c.rsplit(".", 1) for c in codes if "." in c}
    wanted = {c: p for c, p in parts.items() if p[1] in METRICS}
    sets = {ds.code: ds for ds in DataSet.objects.filter(code__in={p[0] for p in wanted.values()})}
    return {c: ReportingMetric(sets[p[0]], p[1]) for c, p in wanted.items() if p[0] in sets}


@dataclass(frozen=True)
class DueReport:
    """One report a user is responsible for: data set x place x period, due (not yet late) or late."""

    data_set_code: str
    data_set_name: str
    org_unit_code: str
    org_unit_name: str
    period: str  # DHIS2 period code
    due_on: dt.date
    state: str  # "due" (due date ahead, within the reminder window) or "late"
    link: str  # where to enter it


# ---------------------------------------------------------------------------------------------------------
# Dates


def today_local() -> dt.date:
    return timezone.localdate()


def due_date(data_set: DataSet, period: period_lib.Period) -> dt.date:
    """The last day a report counts as on time: the period's last day + the data set's timely days."""
    return period.end + dt.timedelta(days=data_set.timely_days)


def remind_days_before(data_set: DataSet) -> int:
    if data_set.remind_days_before is not None:
        return int(data_set.remind_days_before)
    return int(settings.AMAHORO_REPORT_REMIND_DAYS_BEFORE)


def remind_days_after(data_set: DataSet) -> int:
    if data_set.remind_days_after is not None:
        return int(data_set.remind_days_after)
    return int(settings.AMAHORO_REPORT_REMIND_DAYS_AFTER)


def registered_on(when: dt.datetime) -> dt.date:
    return timezone.localdate(when) if timezone.is_aware(when) else when.date()


def is_on_time(data_set: DataSet, period: period_lib.Period, when: dt.datetime) -> bool:
    return registered_on(when) <= due_date(data_set, period)


def _open_during(unit: OrgUnit, period: period_lib.Period) -> bool:
    """Was the place open at some time in the period (opened by its end, not closed before its start)?"""
    return (unit.opened_on is None or unit.opened_on <= period.end) and (
        unit.closed_on is None or unit.closed_on > period.start
    )


# ---------------------------------------------------------------------------------------------------------
# Who reports, and what a user may see


def reporting_organisation_ids(data_set: DataSet) -> list[int | None]:
    """The organisations that each owe a report per place and period: the data set's reporting
    organisations, else its owner (None: a shared data set, reported once per place by whoever enters)."""
    ids = sorted(data_set.organisations.values_list("pk", flat=True))
    return list(ids) if ids else [data_set.organisation_id]


@dataclass(frozen=True)
class Scope:
    """Per grant, (organisation id or None = any, subtree path or None = everywhere) the user may act in."""

    pairs: tuple[tuple[int | None, str | None], ...]

    def covers(self, organisation_id: int | None, path: str) -> bool:
        for org, root in self.pairs:
            if org is not None and organisation_id is not None and org != organisation_id:
                continue
            if root is None or path.startswith(root):
                return True
        return False


def scope_of(user: Any, perm: Perm = Perm.DATA_VIEW) -> Scope:
    _fields, pairs = policy.grant_scopes(user, perm, REGISTRATION)
    return Scope(tuple(pairs))


def expecting_reports(data_sets: QuerySet[DataSet]) -> QuerySet[DataSet]:
    """The data sets that expect reports: a period type and assigned places."""
    return data_sets.exclude(period_type="").filter(org_units__isnull=False).distinct()


def data_sets_for_completeness(*, user: Any) -> list[DataSet]:
    """Data sets the user may see that expect reports (a period type and assigned places)."""
    from amahoro.data.selectors import data_sets_visible_to

    return list(expecting_reports(data_sets_visible_to(user=user)).order_by("code"))


# ---------------------------------------------------------------------------------------------------------
# Expected and received


@dataclass(frozen=True)
class Slot:
    """One expected report."""

    org_unit: OrgUnit
    period: period_lib.Period
    organisation_id: int | None


def ended_periods(
    data_set: DataSet, start: dt.date, end: dt.date, *, today: dt.date
) -> list[period_lib.Period]:
    """The data set's periods lying inside start..end that have ended before `today`."""
    if not data_set.period_type or start > end:
        return []
    periods = period_lib.periods_between(data_set.period_type, start, end, within=True)
    return [p for p in periods if p.end < today]


def assigned_units(data_set: DataSet, *, within: Sequence[str] | None = None) -> list[OrgUnit]:
    """The places the data set is assigned to (inside the `within` subtrees when given), by path."""
    units = sorted(data_set.org_units.all(), key=lambda u: u.path)
    if within is not None:
        units = [u for u in units if any(u.path.startswith(p) for p in within)]
    return units


def expected_slots(
    *,
    data_set: DataSet,
    periods: Iterable[period_lib.Period],
    scope: Scope,
    units: Sequence[OrgUnit] | None = None,
) -> list[Slot]:
    organisations = reporting_organisation_ids(data_set)
    places = assigned_units(data_set) if units is None else units
    out: list[Slot] = []
    for period in periods:
        for unit in places:
            if not _open_during(unit, period):
                continue
            for org_id in organisations:
                if scope.covers(org_id, unit.path):
                    out.append(Slot(unit, period, org_id))
    return out


def received(
    *, data_set: DataSet, period_codes: Iterable[str], unit_ids: Iterable[int]
) -> dict[tuple[int, str, int | None], dt.datetime]:
    """{(org unit id, period code, organisation id): when it was first marked complete} (completed only;
    several attribute option combos of one organisation count once, at the earliest)."""
    codes, ids = list(set(period_codes)), list(set(unit_ids))
    out: dict[tuple[int, str, int | None], dt.datetime] = {}
    if not codes or not ids:
        return out
    rows = CompleteDataSetRegistration.objects.filter(
        data_set=data_set, completed=True, period__code__in=codes, org_unit_id__in=ids
    ).values_list("org_unit_id", "period__code", "organisation_id", "date")
    shared = data_set.organisation_id is None and not data_set.organisations.exists()
    for unit_id, code, org_id, when in rows:
        # A shared data set is owed once per place: whoever registers it, it is in.
        key = (unit_id, code, None if shared else org_id)
        if key not in out or when < out[key]:
            out[key] = when
    return out


@dataclass
class Tally:
    expected: int = 0
    actual: int = 0
    on_time: int = 0

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.actual += other.actual
        self.on_time += other.on_time

    @property
    def rate(self) -> float | None:
        """Reporting rate in % (None when nothing was expected)."""
        return 100.0 * self.actual / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return 100.0 * self.on_time / self.expected if self.expected else None

    def metric(self, name: str) -> float | None:
        return {
            REPORTING_RATE: self.rate,
            REPORTING_RATE_ON_TIME: self.on_time_rate,
            ACTUAL_REPORTS: float(self.actual),
            ACTUAL_REPORTS_ON_TIME: float(self.on_time),
            EXPECTED_REPORTS: float(self.expected),
        }[name]


# States of one cell of the completeness table.
ON_TIME, LATE, MISSING, NOT_EXPECTED = "on_time", "late", "missing", "not_expected"


@dataclass
class Cell:
    state: str
    tally: Tally
    registered: dt.datetime | None = None


def _cell(
    data_set: DataSet,
    slots: Sequence[Slot],
    got: dict[tuple[int, str, int | None], dt.datetime],
) -> Cell:
    tally = Tally()
    dates: list[dt.datetime] = []
    for slot in slots:
        tally.expected += 1
        when = got.get((slot.org_unit.pk, slot.period.code, slot.organisation_id))
        if when is not None:
            tally.actual += 1
            dates.append(when)
            if is_on_time(data_set, slot.period, when):
                tally.on_time += 1
    if not tally.expected:
        return Cell(NOT_EXPECTED, tally)
    if tally.actual < tally.expected:
        return Cell(MISSING, tally, max(dates) if dates else None)
    return Cell(ON_TIME if tally.on_time == tally.expected else LATE, tally, max(dates))


@dataclass
class Table:
    """Places x periods of one data set, for the completeness page."""

    data_set: DataSet
    periods: list[period_lib.Period]
    units: list[OrgUnit]
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    by_unit: dict[int, Tally] = field(default_factory=dict)
    by_period: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)

    def rows(self) -> list[tuple[OrgUnit, list[tuple[period_lib.Period, Cell]], Tally]]:
        return [
            (u, [(p, self.cells[(u.pk, p.code)]) for p in self.periods], self.by_unit[u.pk])
            for u in self.units
        ]

    def columns(self) -> list[tuple[period_lib.Period, Tally]]:
        return [(p, self.by_period[p.code]) for p in self.periods]


class TooLarge(ValueError):
    pass


def completeness_table(
    *, user: Actor, data_set: DataSet, start: dt.date, end: dt.date, today: dt.date | None = None
) -> Table:
    """Every assigned place the user may see data of x every ended period of the data set in start..end."""
    today = today or today_local()
    scope = scope_of(user)
    periods = ended_periods(data_set, start, end, today=today)
    units = [u for u in assigned_units(data_set) if scope.covers(None, u.path)]
    if len(periods) * len(units) > MAX_CELLS:
        raise TooLarge(f"{len(periods)} periods x {len(units)} places")
    slots = expected_slots(data_set=data_set, periods=periods, scope=scope, units=units)
    got = received(data_set=data_set, period_codes=[p.code for p in periods], unit_ids=[u.pk for u in units])
    grouped: dict[tuple[int, str], list[Slot]] = defaultdict(list)
    for slot in slots:
        grouped[(slot.org_unit.pk, slot.period.code)].append(slot)
    table = Table(data_set, periods, units)
    table.by_unit = {u.pk: Tally() for u in units}
    table.by_period = {p.code: Tally() for p in periods}
    for unit in units:
        for period in periods:
            cell = _cell(data_set, grouped.get((unit.pk, period.code), []), got)
            table.cells[(unit.pk, period.code)] = cell
            table.by_unit[unit.pk].add(cell.tally)
            table.by_period[period.code].add(cell.tally)
            table.total.add(cell.tally)
    return table


def reporting_rates(
    *,
    user: Actor,
    data_set: DataSet,
    periods: Sequence[period_lib.Period],
    org_units: Sequence[OrgUnit] | None,
    today: dt.date | None = None,
) -> dict[tuple[str | None, str | None], Tally]:
    """{(period code, org unit code): Tally} for each asked period (of any type: a year sums the months of a
    monthly data set) and each asked place, rolled up over the assigned places at or below it that the user
    may see. `org_units=None`: one total over the user's whole scope (key None). Periods not yet ended and
    places closed at the time expect nothing."""
    today = today or today_local()
    scope = scope_of(user)
    units = [u for u in assigned_units(data_set) if scope.covers(None, u.path)]
    own: dict[str, list[period_lib.Period]] = {}
    for asked in periods:
        own[asked.code] = ended_periods(data_set, asked.start, asked.end, today=today)
    all_periods = {p.code: p for ps in own.values() for p in ps}
    slots = expected_slots(data_set=data_set, periods=all_periods.values(), scope=scope, units=units)
    got = received(data_set=data_set, period_codes=list(all_periods), unit_ids=[u.pk for u in units])
    per_slot: dict[str, list[tuple[str, Tally]]] = defaultdict(list)  # data set period -> (path, tally)
    for slot in slots:
        one = Tally(expected=1)
        when = got.get((slot.org_unit.pk, slot.period.code, slot.organisation_id))
        if when is not None:
            one.actual = 1
            one.on_time = int(is_on_time(data_set, slot.period, when))
        per_slot[slot.period.code].append((slot.org_unit.path, one))
    out: dict[tuple[str | None, str | None], Tally] = {}
    places: list[tuple[str | None, str | None]] = (
        [(None, None)] if org_units is None else [(u.code, u.path) for u in org_units]
    )
    for asked in periods:
        for code, path in places:
            tally = Tally()
            for p in own[asked.code]:
                for slot_path, one in per_slot.get(p.code, []):
                    if path is None or slot_path.startswith(path):
                        tally.add(one)
            out[(asked.code, code)] = tally
    return out


# ---------------------------------------------------------------------------------------------------------
# What is due: the worklist and the reminders


@dataclass(frozen=True)
class Owed:
    """One report not yet received, due soon or late, with the objects the reminders need."""

    data_set: DataSet
    org_unit: OrgUnit
    period: period_lib.Period
    organisation_id: int | None
    due_on: dt.date
    state: str  # "due" or "late"


def entry_link(data_set: DataSet, org_unit: OrgUnit, period_code: str, organisation_code: str = "") -> str:
    params = {"org_unit": org_unit.code, "period": period_code, "data_set": data_set.code}
    if organisation_code:
        params["attribute_option_combo"] = organisation_code
    return reverse("data:entry") + "?" + urlencode(params)


def owed(
    *, today: dt.date, scope: Scope | None = None, data_sets: Iterable[DataSet] | None = None
) -> list[Owed]:
    """Reports not yet received whose due date is within the reminder window ahead (due) or has passed
    (late), no further back than AMAHORO_REPORT_LATE_WINDOW_DAYS; inside `scope` when given; oldest first."""
    window = int(settings.AMAHORO_REPORT_LATE_WINDOW_DAYS)
    everyone = Scope(((None, None),))
    sets = (
        data_sets
        if data_sets is not None
        else DataSet.objects.exclude(period_type="").filter(org_units__isnull=False).distinct()
    )
    out: list[Owed] = []
    for data_set in sets:
        if not data_set.period_type:
            continue
        before = remind_days_before(data_set)
        # Periods whose due date falls in [today - window, today + before].
        first_end = today - dt.timedelta(days=window + data_set.timely_days)
        last_end = today + dt.timedelta(days=before) - dt.timedelta(days=data_set.timely_days)
        if last_end < first_end:
            continue
        periods = [
            p
            for p in period_lib.periods_between(data_set.period_type, first_end, last_end)
            if first_end <= p.end <= last_end
        ]
        slots = expected_slots(data_set=data_set, periods=periods, scope=scope or everyone)
        got = received(
            data_set=data_set,
            period_codes=[p.code for p in periods],
            unit_ids={s.org_unit.pk for s in slots},
        )
        for slot in slots:
            if (slot.org_unit.pk, slot.period.code, slot.organisation_id) in got:
                continue
            due_on = due_date(data_set, slot.period)
            state = "late" if today > due_on else "due"
            out.append(Owed(data_set, slot.org_unit, slot.period, slot.organisation_id, due_on, state))
    out.sort(key=lambda o: (o.due_on, o.data_set.code, o.org_unit.path, o.organisation_id or 0))
    return out


def due_for(*, user: Actor, today: dt.date | None = None) -> list[DueReport]:
    """Reports due soon or late for the places where `user` enters data (data.enter), oldest first."""
    if not policy.has_perm(user, Perm.DATA_ENTER):
        return []
    today = today or today_local()
    from amahoro.data.selectors import data_sets_visible_to

    sets = list(
        data_sets_visible_to(user=user).exclude(period_type="").filter(org_units__isnull=False).distinct()
    )
    items = owed(today=today, scope=scope_of(user, Perm.DATA_ENTER), data_sets=sets)
    codes = dict(
        Organisation.objects.filter(
            pk__in={o.organisation_id for o in items if o.organisation_id}
        ).values_list("pk", "code")
    )
    return [
        DueReport(
            data_set_code=o.data_set.code,
            data_set_name=o.data_set.name,
            org_unit_code=o.org_unit.code,
            org_unit_name=str(o.org_unit.display_name),
            period=o.period.code,
            due_on=o.due_on,
            state=o.state,
            link=entry_link(
                o.data_set, o.org_unit, o.period.code, attribute_code_for(codes.get(o.organisation_id or 0))
            ),
        )
        for o in items
    ]


def organisation_q(organisation_id: int | None) -> Q:
    """Registrations of this organisation (None: of none)."""
    if organisation_id is None:
        return Q(organisation__isnull=True)
    return Q(organisation_id=organisation_id)


def attribute_code_for(organisation_code: str | None) -> str:
    """The attribute option combo to open data entry with: the organisation's, when one is named so."""
    if not organisation_code:
        return ""
    from amahoro.metadata.models import CategoryOptionCombo

    exists = CategoryOptionCombo.objects.filter(code=organisation_code).exists()
    return organisation_code if exists else ""
