"""GBVIMS-style monthly statistics and Isange One Stop Centre accountability, suppressed before they leave
the case module (see suppression.py). Only incidents whose survivor consented to non-identifiable reporting
count; incidents are counted in the month they were reported."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data import periods as period_lib
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

from . import classification as cl
from .models import Consent, Incident, Perpetrator, Service, ServiceStatus, ServiceType, Sex
from .services import windows
from .suppression import PRIMARY, THRESHOLD, suppress

MAX_MONTHS = 36
DONE = (ServiceStatus.PROVIDED, ServiceStatus.ALREADY_RECEIVED)


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    months: list[str]  # "2026-01"
    org_unit: OrgUnit | None
    period: str


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
    unit = None
    if org_unit:
        unit = OrgUnit.objects.filter(code=org_unit).first()
        if unit is None:
            raise ValidationFailed("unknown org_unit", field="org_unit")
    return Scope(p.start, p.end, months, unit, p.code)


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


def incidents_for_statistics(*, user: Any, scope: Scope) -> list[dict[str, Any]]:
    if not policy.has_perm(user, Perm.CASE_STATISTICS):
        raise PermissionDenied("Your roles do not include GBV statistics")
    qs = policy.visible(user, Perm.CASE_STATISTICS, Incident.objects.all()).filter(
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


def _table(rows: list[str], months: list[str], pairs: list[tuple[str, str]]) -> dict[str, Any]:
    counts = Counter(pairs)
    extra = sorted({k for k, _ in counts} - set(rows))
    keys = rows + extra
    return suppress(keys, months, [[counts[(k, m)] for m in months] for k in keys]).as_dict()


def statistics(*, user: Any, period: str | None, org_unit: str | None) -> dict[str, Any]:
    scope = scope_parse(period=period, org_unit=org_unit)
    rows = incidents_for_statistics(user=user, scope=scope)
    ids = [r["id"] for r in rows]
    month = {r["id"]: r["report_date"].strftime("%Y-%m") for r in rows}
    primary: dict[int, str] = {}
    for incident_id, relationship in (
        Perpetrator.objects.filter(incident_id__in=ids)
        .order_by("id")
        .values_list("incident_id", "relationship")
    ):
        primary.setdefault(incident_id, relationship)
    services = list(Service.objects.filter(incident_id__in=ids).values_list("incident_id", "type"))
    districts = sorted({_district(r["org_unit__path"]) for r in rows} - {""})
    tables = {
        "gbv_type": _table(list(cl.GBV_TYPES), scope.months, [(r["gbv_type"], month[r["id"]]) for r in rows]),
        "context": _table(
            list(cl.CONTEXTS), scope.months, [(c, month[r["id"]]) for r in rows for c in r["contexts"]]
        ),
        "age_group": _table(
            [*cl.AGE_GROUPS, "unknown"],
            scope.months,
            [(cl.age_group(r["survivor_age"]), month[r["id"]]) for r in rows],
        ),
        "sex": _table(list(Sex.values), scope.months, [(r["survivor__sex"], month[r["id"]]) for r in rows]),
        "district": _table(
            districts, scope.months, [(_district(r["org_unit__path"]), month[r["id"]]) for r in rows]
        ),
        "perpetrator_relationship": _table(
            list(cl.RELATIONSHIPS),
            scope.months,
            [(primary.get(r["id"], "unknown"), month[r["id"]]) for r in rows],
        ),
        "services": _table(list(ServiceType.values), scope.months, [(t, month[i]) for i, t in services]),
    }
    total = len(rows)
    return {
        "period": scope.period,
        "org_unit": scope.org_unit.code if scope.org_unit else None,
        "incidents": PRIMARY if 0 < total < THRESHOLD else total,
        "suppression": {
            "primary": f"counts from 1 to {THRESHOLD - 1} are shown as '{PRIMARY}'",
            "complementary": "'*' hides a further cell so that no hidden count follows from a total",
        },
        "tables": tables,
        "accountability": accountability(rows=rows),
    }


def _count(n: int) -> int | str:
    return PRIMARY if 0 < n < THRESHOLD else n


def _share(numerator: int, denominator: int) -> float | None:
    """A share only when neither the numerator nor its complement is a small count (or it would tell it)."""
    rest = denominator - numerator
    if denominator < THRESHOLD or 0 < numerator < THRESHOLD or 0 < rest < THRESHOLD:
        return None
    return round(numerator / denominator, 3)


def _median(values: list[int]) -> float | None:
    return float(median(values)) if len(values) >= THRESHOLD else None


def accountability(*, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per organisation (Isange One Stop Centre or other case holder) and district: days from incident to
    report and from report to first service, rape survivors reporting within 72 h and given PEP within the
    PEP window, referral completion."""
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
    out = []
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
                if s["provider_id"] is not None and s["provider_id"] != r["organisation_id"]:
                    referrals += 1
                    referrals_done += int(s["status"] in DONE)
        out.append(
            {
                "organisation": org_code,
                "district": district,
                "incidents": _count(len(members)),
                "median_days_incident_to_report": _median([r["elapsed_days"] for r in members]),
                "median_days_report_to_first_service": _median(to_service),
                "rape_incidents": _count(rape),
                "rape_reported_within_72h_share": _share(rape_72h, rape),
                "rape_pep_within_72h_share": _share(rape_pep, rape),
                "referrals": _count(referrals),
                "referral_completion_share": _share(referrals_done, referrals),
            }
        )
    return out
