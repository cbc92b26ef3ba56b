"""What the /analytics/ page offers to choose from: data elements and indicators, places, periods and
categories by name, each list narrowed by the policy to what the user may see (no figures here: those
come from the analytics API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypedDict

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.data import completeness
from amahoro.data.selectors import data_elements_visible_to
from amahoro.frameworks.selectors import indicators_visible_to
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import orgunits_visible_to
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import AggregationType, Category
from amahoro.metadata.selectors import metadata_visible_to
from amahoro.roles import Perm

SEARCH_LIMIT = 20
MAX_QUERY = 100
# The aggregation types whose total over places or periods is the sum of the parts: only for these does
# the pivot table show totals (computed by the API, not summed in the browser).
ADDITIVE = {AggregationType.SUM.value, "COUNT"}
# The period types the picker offers (any other DHIS2 type still works when typed into the URL).
PICKER_PERIOD_TYPES = ("Monthly", "Quarterly", "SixMonthly", "Yearly", "FinancialJuly")
MAP_LEVELS = ("district", "sector")


class Choice(TypedDict, total=False):
    code: str
    name: str
    kind: str  # "data element" | "indicator" | "reporting rate" | a level name | a period type
    additive: bool


def relative_periods() -> list[Choice]:
    """DHIS2's relative periods the API resolves (against relativePeriodDate or today)."""
    return [
        {"code": "THIS_MONTH", "name": _("This month")},
        {"code": "LAST_MONTH", "name": _("Last month")},
        {"code": "LAST_3_MONTHS", "name": _("Last 3 months")},
        {"code": "LAST_6_MONTHS", "name": _("Last 6 months")},
        {"code": "LAST_12_MONTHS", "name": _("Last 12 months")},
        {"code": "THIS_QUARTER", "name": _("This quarter")},
        {"code": "LAST_QUARTER", "name": _("Last quarter")},
        {"code": "LAST_4_QUARTERS", "name": _("Last 4 quarters")},
        {"code": "THIS_YEAR", "name": _("This year")},
        {"code": "LAST_YEAR", "name": _("Last year")},
        {"code": "LAST_5_YEARS", "name": _("Last 5 years")},
    ]


def _check_text(q: str, *, field: str = "q") -> str:
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise ValidationFailed(f"search text is longer than {MAX_QUERY} characters", field=field)
    return q


def data_search(*, user: policy.Actor, q: str) -> list[Choice]:
    """Data elements (data.view), indicators (framework.view) and data sets' reporting rates (data.view)
    whose name or code matches `q`."""
    q = _check_text(q)
    out: list[Choice] = []
    text = Q(name__icontains=q) | Q(name_fr__icontains=q) | Q(name_rw__icontains=q) | Q(code__istartswith=q)
    if policy.has_perm(user, Perm.DATA_VIEW):
        for de in data_elements_visible_to(user=user).filter(text).order_by("name")[:SEARCH_LIMIT]:
            out.append(
                {
                    "code": de.code,
                    "name": de.display_name,
                    "kind": "data element",
                    "additive": de.aggregation_type in ADDITIVE,
                }
            )
    if policy.has_perm(user, Perm.FRAMEWORK_VIEW):
        for ind in indicators_visible_to(user=user).filter(text).order_by("name")[:SEARCH_LIMIT]:
            out.append({"code": ind.code, "name": ind.display_name, "kind": "indicator", "additive": False})
    if policy.has_perm(user, Perm.DATA_VIEW):
        # Reporting rates of the data sets that expect reports (docs/completeness.md).
        sets = [
            ds
            for ds in completeness.data_sets_for_completeness(user=user)
            if q.lower() in ds.name.lower() or ds.code.lower().startswith(q.lower())
        ]
        for ds in sets[:SEARCH_LIMIT]:
            for metric in (completeness.REPORTING_RATE, completeness.REPORTING_RATE_ON_TIME):
                item = completeness.ReportingMetric(ds, metric)
                out.append(
                    {
                        "code": item.code,
                        "name": item.display_name,
                        "kind": "reporting rate",
                        "additive": False,
                    }
                )
    return out[: SEARCH_LIMIT * 3]


def places_visible(*, user: policy.Actor) -> QuerySet[OrgUnit]:
    """Places whose data the user may read: the scope of analytics (data.view), not just of the tree."""
    return orgunits_visible_to(user=user, perm=Perm.DATA_VIEW)


def place_search(*, user: policy.Actor, q: str) -> list[Choice]:
    q = _check_text(q)
    if not q:
        return []
    text = Q(name__icontains=q) | Q(name_fr__icontains=q) | Q(name_rw__icontains=q) | Q(code__istartswith=q)
    units = places_visible(user=user).filter(text).order_by("depth", "name")[:SEARCH_LIMIT]
    return [_place(u) for u in units]


def _place(u: OrgUnit) -> Choice:
    parent = u.parent.display_name if u.parent_id and u.parent else ""
    name = f"{u.display_name} ({parent})" if parent else u.display_name
    return {"code": u.code, "name": name, "kind": u.level.code}


def user_roots(*, user: policy.Actor) -> list[Choice]:
    """The top places of the user's data.view scope: the boundary of "all districts"/"all sectors" when the
    user picked no place (a nationwide user gets the country)."""
    roots = policy.subtree_roots(user, Perm.DATA_VIEW)
    qs = OrgUnit.objects.select_related("level", "parent")
    units = qs.filter(parent__isnull=True) if roots is None else qs.filter(path__in=roots)
    return [_place(u) for u in units.order_by("path")]


def period_label(p: period_lib.Period) -> str:
    """ "March 2024", "Q1 2024", "S1 2024", "2024", "July 2024 - June 2025"."""
    if p.type == "Quarterly":
        return _("Q%(n)s %(year)s") % {"n": (p.start.month - 1) // 3 + 1, "year": p.start.year}
    if p.type == "SixMonthly":
        return _("S%(n)s %(year)s") % {"n": 1 if p.start.month <= 6 else 2, "year": p.start.year}
    return p.name


def periods_of(*, period_type: str, year: int) -> list[Choice]:
    """The fixed periods of a type starting in a year, newest last, with readable labels."""
    try:
        ptype = period_lib.normalize_period_type(period_type)
    except (ValueError, KeyError) as exc:
        raise ValidationFailed(f"unknown period type '{period_type}'", field="type") from exc
    if not 1900 <= year <= 2100:
        raise ValidationFailed(f"year {year} is out of range (1900-2100)", field="year")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    found = period_lib.periods_between(ptype, start, end)
    return [{"code": p.code, "name": period_label(p), "kind": ptype} for p in found if p.start.year == year]


def categories(*, user: policy.Actor) -> list[dict[str, Any]]:
    """Categories (disaggregations such as sex or age band) the user may split by, with their options."""
    qs = metadata_visible_to(user=user, queryset=Category.objects.all()).prefetch_related("options")
    return [
        {
            "code": c.code,
            "name": c.display_name,
            "options": [{"code": o.code, "name": o.display_name} for o in c.options.all()],
        }
        for c in qs.order_by("name")
    ]


def describe(
    *, user: policy.Actor, dx: Iterable[str] = (), pe: Iterable[str] = (), ou: Iterable[str] = ()
) -> dict[str, dict[str, Choice]]:
    """Names (and additivity for data) of the items a saved query names, per dimension, as far as the user
    may see them: how a bookmarked view shows its choices again. Unknown or invisible codes are simply
    absent (the API then answers with a 400/403 naming them)."""

    def clean(codes: Iterable[str]) -> set[str]:
        return {c for c in codes if c and len(c) <= 60}

    out: dict[str, dict[str, Choice]] = {"dx": {}, "pe": {}, "ou": {}}
    rel = {r["code"]: r for r in relative_periods()}
    for code in clean(pe):
        if code in rel:
            out["pe"][code] = {"code": code, "name": rel[code]["name"], "kind": "relative"}
            continue
        try:
            p = period_lib.parse_period(code)
        except period_lib.InvalidPeriod:
            continue
        out["pe"][code] = {"code": p.code, "name": period_label(p), "kind": p.type}
    data_codes = clean(dx)
    if data_codes and policy.has_perm(user, Perm.DATA_VIEW):
        for de in data_elements_visible_to(user=user).filter(code__in=data_codes):
            out["dx"][de.code] = {
                "code": de.code,
                "name": de.display_name,
                "kind": "data element",
                "additive": de.aggregation_type in ADDITIVE,
            }
    if data_codes and policy.has_perm(user, Perm.FRAMEWORK_VIEW):
        for ind in indicators_visible_to(user=user).filter(code__in=data_codes):
            out["dx"].setdefault(
                ind.code, {"code": ind.code, "name": ind.display_name, "kind": "indicator", "additive": False}
            )
    place_codes = clean(ou)
    if place_codes:
        for u in places_visible(user=user).filter(code__in=place_codes):
            out["ou"][u.code] = _place(u)
    return out
