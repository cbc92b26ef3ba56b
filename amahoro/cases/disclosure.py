"""The one rule for how fine a GBV aggregate may be before it leaves the case module.

Every aggregate of incidents (the statistics API, its CSV and page, the NAP accountability push, and any
report built later) asks here, so that one day in one sector can never be asked for by someone who does not
handle cases:

- Period: at least `GBV_STATS_MIN_PERIOD` (a DHIS2 period type, default "Monthly"); a day or a week is
  refused with a 400 naming `period`.
- Place: an org unit at level `GBV_STATS_MIN_ORG_LEVEL` or above (geo levels: 1 = country, 2 = province,
  3 = district; default 3); a sector is refused with a 400 naming `org_unit`. Only grants over such an area
  count, so a viewer whose role covers one sector gets nothing finer by leaving `org_unit` out.
- Case roles (permission `case.statistics_detail` in roles.py) may ask for finer figures inside their own
  case scope (their organisation's cases in their subtree).
- For everyone, a table about fewer than `GBV_STATS_MIN_TOTAL` incidents (default 10) is hidden whole, and a
  month with fewer is hidden in every table (see suppression.py for the cell rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit, OrgUnitLevel
from amahoro.metadata import periods as period_lib
from amahoro.policy import Grant
from amahoro.roles import Perm

from .suppression import THRESHOLD

# Months a period type spans at least; types under a month (days, weeks) are 0.
_TYPE_MONTHS = {
    "daily": 0,
    "weekly": 0,
    "biweekly": 0,
    "monthly": 1,
    "bimonthly": 2,
    "quarterly": 3,
    "sixmonthly": 6,
    "yearly": 12,
}


@dataclass(frozen=True)
class Rule:
    min_period: str  # the setting as written, for messages
    min_months: int
    min_org_level: int
    min_total: int
    small: int = THRESHOLD


def rule() -> Rule:
    """The configured minimums (read each time, so tests and deployments can change them)."""
    min_period = str(getattr(settings, "GBV_STATS_MIN_PERIOD", "Monthly"))
    key = min_period.strip().lower()
    if key not in _TYPE_MONTHS:
        raise ImproperlyConfigured(
            f"GBV_STATS_MIN_PERIOD must be one of {', '.join(sorted(_TYPE_MONTHS))}, not {min_period!r}"
        )
    min_total = int(getattr(settings, "GBV_STATS_MIN_TOTAL", 10))
    if min_total < THRESHOLD:
        raise ImproperlyConfigured(f"GBV_STATS_MIN_TOTAL must be at least {THRESHOLD}")
    return Rule(
        min_period=min_period,
        min_months=_TYPE_MONTHS[key],
        min_org_level=int(getattr(settings, "GBV_STATS_MIN_ORG_LEVEL", 3)),
        min_total=min_total,
    )


def period_months(p: period_lib.Period) -> int:
    """Whole calendar months a period spans (0 when it does not start and end on month boundaries)."""
    if p.start.day != 1 or (p.end + timedelta(days=1)).day != 1:
        return 0
    return (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1


def _depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def _level_name(level: int) -> str:
    row = OrgUnitLevel.objects.filter(level=level).first()
    return row.name if row else f"level {level}"


@dataclass(frozen=True)
class Grain:
    """What a request may be counted as: the permission whose scope counts, which grants of it, and
    whether the figures must be coarsened to the minimum period (when that is longer than a month)."""

    perm: Perm
    where: Callable[[Grant], bool] | None
    detail: bool
    rule: Rule

    def month_columns(self) -> bool:
        return self.detail or self.rule.min_months <= 1


def is_case_role(user: Any, *, org_unit: OrgUnit | None) -> bool:
    """May the user see figures finer than the minimums here? From the permission table, never a role name."""
    path = org_unit.path if org_unit is not None else None
    return policy.can_in(user, Perm.CASE_STATISTICS_DETAIL, org_unit=path)


def grain_for(*, user: Any, period: period_lib.Period, org_unit: OrgUnit | None) -> Grain:
    """Refuse (400, naming the field) a request finer than the user may make; say how to count the rest."""
    r = rule()
    fine_period = period_months(period) < r.min_months
    fine_place = org_unit is not None and _depth(org_unit.path) > r.min_org_level
    if fine_period or fine_place:
        if is_case_role(user, org_unit=org_unit):
            return Grain(Perm.CASE_STATISTICS_DETAIL, None, True, r)
        if fine_period:
            raise ValidationFailed(
                f"GBV statistics cover a whole {r.min_period.lower()} period or longer (e.g. 202601, 2026Q1, "
                f"2026); '{period.code}' is shorter. Finer periods are for case roles in their own area.",
                field="period",
            )
        assert org_unit is not None
        raise ValidationFailed(
            f"GBV statistics cover a {_level_name(r.min_org_level)} or a larger area; '{org_unit.code}' is "
            "smaller. Leave org_unit out or name a larger area; finer places are for case roles in their own "
            "area.",
            field="org_unit",
        )

    def coarse(g: Grant) -> bool:
        # A grant over a small area would make "everything I may see" a small area.
        return g.path is None or _depth(g.path) <= r.min_org_level or Perm.CASE_STATISTICS_DETAIL in g.perms

    if not any(coarse(g) for g in policy.grants_with(user, Perm.CASE_STATISTICS)):
        raise PermissionDenied(
            f"Your GBV statistics permission covers an area smaller than a {_level_name(r.min_org_level)}"
        )
    return Grain(Perm.CASE_STATISTICS, coarse, False, r)


def check_push_period(p: period_lib.Period) -> None:
    """The accountability push publishes to everyone (portal): the minimum period always applies."""
    r = rule()
    if period_months(p) < r.min_months:
        raise ValidationFailed(
            f"accountability figures are pushed for a whole {r.min_period.lower()} period or longer; "
            f"'{p.code}' is shorter",
            field="period",
        )


def district_level_allowed() -> bool:
    """May published figures name a district (geo level 3)? Otherwise only provinces."""
    return rule().min_org_level >= 3
