"""Built-in dashboard items that are not visualizer views: "my places and what is due" (the data clerk's
landing dashboard): the places the user enters data for and, for each, whether last month's report has
any value yet, with a link to data entry."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from amahoro import policy
from amahoro.data.selectors import data_sets_visible_to, datavalues_visible_to
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

MAX_PLACES = 20


def last_month(today: datetime.date) -> tuple[str, datetime.date]:
    """The DHIS2 code (YYYYMM) and first day of the month before `today`'s."""
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.year}{first.month:02d}", first.replace(day=1)


def due_widget(*, user: Any, today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    period, start = last_month(today)
    grants = policy.grants_with(user, Perm.DATA_ENTER)
    paths = sorted({g.path for g in grants if g.path is not None})
    everywhere = any(g.path is None for g in grants)
    units = list(OrgUnit.objects.filter(path__in=paths).order_by("path")[:MAX_PLACES])
    if everywhere and not units:
        units = list(OrgUnit.objects.filter(depth=1)[:1])
    values = datavalues_visible_to(user=user)
    data_sets = list(data_sets_visible_to(user=user).filter(period_type__in=("", "Monthly"))[:5])
    places = []
    for unit in units:
        entered = values.filter(org_unit__path__startswith=unit.path, period__code=period).exists()
        query = {"org_unit": unit.code, "period": period}
        if data_sets:
            query["data_set"] = data_sets[0].code
        places.append(
            {
                "unit": unit,
                "entered": entered,
                "entry_url": reverse("data:entry") + "?" + urlencode(query),
            }
        )
    return {
        "period": period,
        "period_start": start,
        "places": places,
        "data_sets": data_sets,
        "may_enter": bool(grants),
    }
