"""`{{ day|month_year }}`: "December 2018" in the active language (amahoro.core.dates), also in Kinyarwanda,
which Django's `date:"F Y"` does not know until the catalogue names the months."""

from __future__ import annotations

import datetime as dt

from django import template

from amahoro.core import dates

register = template.Library()


@register.filter
def month_year(day: dt.date | None) -> str:
    return dates.month_year(day) if day else ""
