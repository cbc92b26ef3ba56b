"""GBVIMS-style monthly statistics and Isange One Stop Centre accountability, suppressed before they leave
the case module (see suppression.py). Only incidents whose survivor consented to non-identifiable reporting
count; incidents are counted in the month they were reported. How fine a request may be, and the smallest
number of incidents a table may rest on, are decided in disclosure.py. The statistics API, its page and CSV
and the monthly GBV report (reports/gbv.py) all read `statistics()`, so they show the same figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from django.utils.translation import gettext_lazy as _

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import org_unit_by_code
from amahoro.metadata import periods as period_lib
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import classification as cl
from . import disclosure
from .models import Consent, Incident, Perpetrator, Service, ServiceStatus, ServiceType, Sex
from .services import windows
from .suppression import COMPLEMENTARY, PRIMARY, SUPPRESSED, THRESHOLD, Pos, Table, suppress, withheld

MAX_MONTHS = 36
DONE = (ServiceStatus.PROVIDED, ServiceStatus.ALREADY_RECEIVED)


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    months: list[str]  # "2026-01"
    org_unit: OrgUnit | None
    period: str
    parsed: period_lib.Period


def scope_parse(*, period: str | None, org_unit: str | None) -> Scope:
    if not period:
        raise ValidationFailed(
            "period is required (a DHIS2 period code: 2026, 202601, 2026Q1)", field="period"
        )
    try:
        p = period_lib.parse_period(period)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from None
    months: list[str] = []
    y, m = p.start.year, p.start.month
    while (y, m) <= (p.end.year, p.end.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if len(months) > MAX_MONTHS:
        raise ValidationFailed(f"period covers more than {MAX_MONTHS} months", field="period")
    unit = org_unit_by_code(org_unit, required=False)
    return Scope(p.start, p.end, months, unit, p.code, p)


def _reporting_consented(ids: list[int]) -> set[int]:
    latest: dict[int, bool] = {}
    rows = (
        Consent.objects.filter(incident_id__in=ids, purpose="reporting")
        .order_by("recorded_at", "id")
        .values_list("incident_id", "given", "withdrawn_at")
    )
    for incident_id, given, withdrawn_at in rows:
        latest[incident_id] = given and withdrawn_at is None
    return {i for i, ok in latest.items() if ok}


def _district(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) >= 3 else ""


def incidents_for_statistics(
    *, user: Actor, scope: Scope, grain: disclosure.Grain | None = None
) -> list[dict[str, Any]]:
    """The consented incidents of the scope the user may count, at the grain disclosure.py allows (it
    refuses a finer request with a 400 naming the field)."""
    if not policy.has_perm(user, Perm.CASE_STATISTICS):
        raise PermissionDenied("Your roles do not include GBV statistics")
    if grain is None:
        grain = disclosure.grain_for(user=user, period=scope.parsed, org_unit=scope.org_unit)
    qs = policy.visible(user, grain.perm, Incident.objects.all(), where=grain.where).filter(
        report_date__gte=scope.start, report_date__lte=scope.end
    )
    if scope.org_unit is not None:
        qs = qs.filter(org_unit__path__startswith=scope.org_unit.path)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in qs.values(
            "id",
            "report_date",
            "incident_date",
            "gbv_type",
            "contexts",
            "survivor_age",
            "survivor__sex",
            "org_unit__path",
            "organisation_id",
            "organisation__code",
            "elapsed_days",
        )
    ]
    allowed = _reporting_consented([r["id"] for r in rows])
    return [r for r in rows if r["id"] in allowed]


# The tables about one value per incident: their totals row is the same (incidents per column), so an entry
# of it hidden in one is hidden in all, or the others would give it away.
SINGLE = ("gbv_type", "age_group", "sex", "district", "perpetrator_relationship", "time_to_report")

# Days from the incident to the report, in GBVIMS's buckets (classification.BUCKETS), as the table's rows.
TIME_TO_REPORT: tuple[str, ...] = ("0-3", "4-5", "6-14", "15-30", "31+", "unknown")
_BUCKET_ROWS = dict(zip(cl.BUCKETS, TIME_TO_REPORT, strict=False))
# Rape incidents by post-exposure prophylaxis: the earliest PEP given within the PEP window (72 h by
# default, counted in calendar days as in accountability), given later, or none recorded. Its totals row is
# the rape row of the type table, so the two share their hidden entries (see tables_build).
PEP: tuple[str, ...] = ("within_72h", "after_72h", "not_recorded")

TITLES = {
    "gbv_type": _("By type of GBV"),
    "context": _("By case context"),
    "age_group": _("By survivor age group"),
    "sex": _("By survivor sex"),
    "district": _("By district"),
    "perpetrator_relationship": _("By relationship of the (first) perpetrator"),
    "services": _("Services and referrals by type"),
    "time_to_report": _("By days from incident to report"),
    "referrals": _("Referrals to other organisations by service"),
    "pep": _("Rape incidents by post-exposure prophylaxis (PEP)"),
}


def time_to_report(days: int | None) -> str:
    return "unknown" if days is None else _BUCKET_ROWS[cl.bucket(days)]


def pep_status(incident_date: date, pep_dates: Sequence[date], hours: int) -> str:
    """A rape incident's row of the PEP table (dates of PEP given by any of its services)."""
    if any(cl.within_hours(incident_date, d, hours) for d in pep_dates):
        return "within_72h"
    return "after_72h" if pep_dates else "not_recorded"


def is_referral(provider_id: int | None, organisation_id: int) -> bool:
    """A service given by another organisation than the one holding the case (as accountability counts)."""
    return provider_id is not None and provider_id != organisation_id


def _grid(
    keys: list[str], columns: list[str], pairs: list[tuple[str, str]]
) -> tuple[list[str], list[list[int]]]:
    counts = Counter(pairs)
    extra = sorted({k for k, _ in counts} - set(keys))
    rows = keys + extra
    return rows, [[counts[(k, m)] for m in columns] for k in rows]


def tables_build(
    *,
    rows: list[dict[str, Any]],
    columns: list[str],
    column_of: dict[int, str],
    primary: dict[int, str],
    services: list[tuple[int, str]],
    min_total: int,
    referrals: Sequence[tuple[int, str]] = (),
    pep: Mapping[int, str] | None = None,
) -> dict[str, Table]:
    """The suppressed breakdowns of the incidents `rows` (no database access: property tests call it).

    `services` and `referrals` are (incident id, service type) per service recorded and per referral to
    another organisation; `pep` is the PEP row (see PEP) of each rape incident with a PEP date."""
    pep = pep or {}
    col = {r["id"]: column_of[r["id"]] for r in rows}
    per_column = Counter(col.values())
    specs: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
        "gbv_type": (list(cl.GBV_TYPES), [(r["gbv_type"], col[r["id"]]) for r in rows]),
        "context": (list(cl.CONTEXTS), [(c, col[r["id"]]) for r in rows for c in r["contexts"]]),
        "age_group": (
            [*cl.AGE_GROUPS, "unknown"],
            [(cl.age_group(r["survivor_age"]), col[r["id"]]) for r in rows],
        ),
        "sex": (list(Sex.values), [(r["survivor__sex"], col[r["id"]]) for r in rows]),
        "district": (
            sorted({_district(r["org_unit__path"]) for r in rows} - {""}),
            [(_district(r["org_unit__path"]), col[r["id"]]) for r in rows],
        ),
        "perpetrator_relationship": (
            list(cl.RELATIONSHIPS),
            [(primary.get(r["id"], "unknown"), col[r["id"]]) for r in rows],
        ),
        "services": (list(ServiceType.values), [(t, col[i]) for i, t in services if i in col]),
        "time_to_report": (
            list(TIME_TO_REPORT),
            [(time_to_report(r["elapsed_days"]), col[r["id"]]) for r in rows],
        ),
        "referrals": (list(ServiceType.values), [(t, col[i]) for i, t in referrals if i in col]),
        "pep": (
            list(PEP),
            [(pep.get(r["id"], "not_recorded"), col[r["id"]]) for r in rows if r["gbv_type"] == "rape"],
        ),
    }
    grids = {name: _grid(keys, columns, pairs) for name, (keys, pairs) in specs.items()}
    forced: dict[str, dict[Pos, str]] = {name: {} for name in grids}
    while True:
        tables = {
            name: suppress(
                keys,
                columns,
                counts,
                min_total=min_total,
                incidents=len(rows),
                column_incidents=[per_column[c] for c in columns],
                forced=forced[name],
            )
            for name, (keys, counts) in grids.items()
        }
        grown = {name: dict(entries) for name, entries in forced.items()}
        for group in _linked(tables, len(columns)):
            marks = [tables[name].hidden[p] for name, p in group if p in tables[name].hidden]
            if marks:
                mark = COMPLEMENTARY if marks[0] == PRIMARY else marks[0]
                for name, p in group:
                    if p not in tables[name].hidden:
                        grown[name][p] = mark
        if grown == forced:
            return tables
        forced = grown


def _linked(tables: dict[str, Table], n_cols: int) -> list[list[tuple[str, Pos]]]:
    """Entries of different tables that hold the same count, so that one shown gives the other away:
    hidden in one, they are hidden in all (a reader would otherwise read a hidden count off another table).

    - The totals row of the SINGLE tables: incidents per column.
    - The rape row of gbv_type and the totals row of pep: rape incidents per column.
    - An entry of services and of referrals with the same count: every such service was a referral (a
      reader who guesses as much could otherwise read one table's hidden count off the other).
    A table hidden whole ("x") shows nothing that a known total could complete, so it links nothing."""
    groups = [[(name, (len(tables[name].rows), c)) for name in SINGLE] for c in range(n_cols + 1)]
    types, pep = tables["gbv_type"], tables["pep"]
    if not withheld(pep):
        rape = types.rows.index("rape")
        groups += [[("gbv_type", (rape, c)), ("pep", (len(pep.rows), c))] for c in range(n_cols + 1)]
    given, referred = tables["services"], tables["referrals"]
    if not withheld(referred):
        keys = [*given.rows, "total"]
        other = {key: r for r, key in enumerate([*referred.rows, "total"])}
        a, b = given.grid(), referred.grid()
        for r, key in enumerate(keys):
            r2 = other.get(key)
            for c in range(n_cols + 1):
                if r2 is not None and a[r][c] == b[r2][c]:
                    groups.append([("services", (r, c)), ("referrals", (r2, c))])
    return groups


def statistics(*, user: Actor, period: str | None, org_unit: str | None) -> dict[str, Any]:
    scope = scope_parse(period=period, org_unit=org_unit)
    grain = disclosure.grain_for(user=user, period=scope.parsed, org_unit=scope.org_unit)
    rows = incidents_for_statistics(user=user, scope=scope, grain=grain)
    ids = [r["id"] for r in rows]
    if grain.month_columns():
        columns = scope.months
        column_of = {r["id"]: r["report_date"].strftime("%Y-%m") for r in rows}
    else:
        # The minimum period is longer than a month: one column for the whole period.
        columns = [scope.period]
        column_of = dict.fromkeys(ids, scope.period)
    primary: dict[int, str] = {}
    for incident_id, relationship in (
        Perpetrator.objects.filter(incident_id__in=ids)
        .order_by("id")
        .values_list("incident_id", "relationship")
    ):
        primary.setdefault(incident_id, relationship)
    organisation_of = {r["id"]: r["organisation_id"] for r in rows}
    services: list[tuple[int, str]] = []
    referrals: list[tuple[int, str]] = []
    pep_dates: dict[int, list[date]] = defaultdict(list)
    for incident_id, service_type, provider_id, pep_given_on in Service.objects.filter(
        incident_id__in=ids
    ).values_list("incident_id", "type", "provider_id", "pep_given_on"):
        services.append((incident_id, service_type))
        if is_referral(provider_id, organisation_of[incident_id]):
            referrals.append((incident_id, service_type))
        if pep_given_on is not None:
            pep_dates[incident_id].append(pep_given_on)
    hours = windows()["pep_hours"]
    pep = {
        r["id"]: pep_status(r["incident_date"], pep_dates[r["id"]], hours)
        for r in rows
        if r["gbv_type"] == "rape"
    }
    min_total = grain.rule.min_total
    tables = tables_build(
        rows=rows,
        columns=columns,
        column_of=column_of,
        primary=primary,
        services=services,
        min_total=min_total,
        referrals=referrals,
        pep=pep,
    )
    total = len(rows)
    gbv = tables["gbv_type"]
    grand = gbv.hidden.get((len(gbv.rows), len(columns)))
    if 0 < total < min_total:
        incidents: int | str = f"<{min_total}"
    else:
        incidents = total if grand is None else grand
    return {
        "period": scope.period,
        "org_unit": scope.org_unit.code if scope.org_unit else None,
        "incidents": incidents,
        "suppression": {
            "primary": f"counts from 1 to {THRESHOLD - 1} are shown as '{PRIMARY}' (and zeros beside them too)",
            "complementary": "'*' hides a further cell so that no hidden count follows from a total",
            "suppressed": f"'{SUPPRESSED}' hides a whole table, or a month, about fewer than {min_total} incidents",
        },
        "tables": {name: t.as_dict() for name, t in tables.items()},
        "accountability": accountability(rows=rows, tables=tables, min_total=min_total),
    }


def _small(n: int, minimum: int) -> bool:
    return 0 < n < minimum


def _share(numerator: int, denominator: int, min_total: int) -> float | None:
    """A share only when it rests on enough incidents and neither the numerator nor its complement is a
    small count (or it would tell it)."""
    rest = denominator - numerator
    if denominator < min_total or _small(numerator, THRESHOLD) or _small(rest, THRESHOLD):
        return None
    return round(numerator / denominator, 3)


def _median(values: list[int], min_total: int) -> float | None:
    return float(median(values)) if len(values) >= min_total else None


def _total_hidden(table: Table, key: str) -> bool:
    """Is any entry of the row `key`'s total, or of the table's total column, hidden?"""
    n_cols = len(table.columns)
    if key == "total":
        return any(c == n_cols for _, c in table.hidden)
    r = table.rows.index(key) if key in table.rows else -1
    return (r, n_cols) in table.hidden


def accountability(
    *, rows: list[dict[str, Any]], tables: dict[str, Table], min_total: int
) -> list[dict[str, Any]]:
    """Per organisation (Isange One Stop Centre or other case holder) and district: days from incident to
    report and from report to first service, rape survivors reporting within 72 h and given PEP within the
    PEP window, referral completion.

    The groups split the district table's totals (and the rape row of the type table) further, so a count
    is shown only when no group's count of it is small and the totals it adds up to are all shown: one
    hidden group count could otherwise be worked out from the others and the total. A group about fewer
    than `min_total` incidents shows no share or median."""
    win = windows()
    ids = [r["id"] for r in rows]
    svc: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in Service.objects.filter(incident_id__in=ids).values(
        "incident_id", "type", "status", "provider_id", "provided_on", "pep_given_on"
    ):
        svc[row["incident_id"]].append(dict(row))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["organisation__code"], _district(r["org_unit__path"]))].append(r)
    out: list[dict[str, Any]] = []
    small_total = _small(len(rows), min_total)
    for (org_code, district), members in sorted(groups.items()):
        to_service: list[int] = []
        rape = rape_72h = rape_pep = referrals = referrals_done = 0
        for r in members:
            services = svc[r["id"]]
            provided = [s["provided_on"] for s in services if s["provided_on"] is not None]
            if provided:
                to_service.append((min(provided) - r["report_date"]).days)
            if r["gbv_type"] == "rape":
                rape += 1
                rape_72h += int(r["elapsed_days"] <= 3)
                rape_pep += int(
                    any(
                        s["pep_given_on"]
                        and cl.within_hours(r["incident_date"], s["pep_given_on"], win["pep_hours"])
                        for s in services
                    )
                )
            for s in services:
                if is_referral(s["provider_id"], r["organisation_id"]):
                    referrals += 1
                    referrals_done += int(s["status"] in DONE)
        enough = len(members) >= min_total and not small_total
        out.append(
            {
                "organisation": org_code,
                "district": district,
                "incidents": len(members),
                "median_days_incident_to_report": (
                    _median([r["elapsed_days"] for r in members], min_total) if enough else None
                ),
                "median_days_report_to_first_service": _median(to_service, min_total) if enough else None,
                "rape_incidents": rape,
                "rape_reported_within_72h_share": _share(rape_72h, rape, min_total) if enough else None,
                "rape_pep_within_72h_share": _share(rape_pep, rape, min_total) if enough else None,
                "referrals": referrals,
                "referral_completion_share": _share(referrals_done, referrals, min_total) if enough else None,
            }
        )
    referral_table = tables["referrals"]
    hide = {
        "incidents": small_total or _total_hidden(tables["district"], "total"),
        "rape_incidents": small_total or _total_hidden(tables["gbv_type"], "rape"),
        # The groups' referrals add up to the referral table's grand total.
        "referrals": small_total
        or (len(referral_table.rows), len(referral_table.columns)) in referral_table.hidden,
    }
    for key in hide:
        if hide[key] or any(_small(group[key], min_total) for group in out):
            for group in out:
                group[key] = SUPPRESSED
    if _total_hidden(tables["pep"], "within_72h"):
        # A share times a shown rape count is a count: the groups' counts add up to the hidden total.
        for group in out:
            group["rape_pep_within_72h_share"] = None
    return out
