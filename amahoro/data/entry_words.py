"""Words for the data-entry form, in the active language: readable period labels ("March 2024", "Q1 2024")
and what is wrong with a typed value ("must be 0 or more") instead of DHIS2's type names and codes."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amahoro.data.values import MAX_TEXT_LENGTH, InvalidValue, check_value
from amahoro.metadata import periods as period_lib

MONTH_NAMES = (
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
)


def _month(number: int) -> str:
    return str(MONTH_NAMES[number - 1])


def period_label(period: period_lib.Period) -> str:
    """A period as a person names it: "March 2024", "Q1 2024", "Week 5 2024 (29 Jan - 4 Feb)", "2024"."""
    start, end = period.start, period.end
    if period.type == "Daily":
        return f"{start.day} {_month(start.month)} {start.year}"
    if period.type == "Monthly":
        return _("%(month)s %(year)s") % {"month": _month(start.month), "year": start.year}
    if period.type == "Quarterly":
        return _("Q%(number)s %(year)s") % {"number": (start.month - 1) // 3 + 1, "year": start.year}
    if period.type == "Yearly":
        return str(start.year)
    span = f"{start.day} {_month(start.month)} - {end.day} {_month(end.month)} {end.year}"
    week = re.fullmatch(r"([0-9]{4})[A-Za-z]*W([0-9]+)", period.code)
    if week:
        if period.type == "BiWeekly":
            return _("Two weeks %(number)s of %(year)s (%(span)s)") % {
                "number": week[2],
                "year": week[1],
                "span": span,
            }
        return _("Week %(number)s of %(year)s (%(span)s)") % {
            "number": week[2],
            "year": week[1],
            "span": span,
        }
    if start.year == end.year:
        return _("%(first)s - %(last)s %(year)s") % {
            "first": _month(start.month),
            "last": _month(end.month),
            "year": start.year,
        }
    return _("%(first)s %(first_year)s - %(last)s %(last_year)s") % {
        "first": _month(start.month),
        "first_year": start.year,
        "last": _month(end.month),
        "last_year": end.year,
    }


def value_problem(value_type: str, text: str) -> str | None:
    """What is wrong with `text` as a value of this type, in words (None when it fits, or when empty: an
    empty cell deletes the value)."""
    text = text.strip()
    if not text:
        return None
    try:
        check_value(value_type, text)
    except InvalidValue:
        pass
    else:
        return None
    if value_type == "INTEGER_ZERO_OR_POSITIVE":
        return _("must be a whole number, 0 or more")
    if value_type == "INTEGER":
        return _("must be a whole number")
    if value_type == "PERCENTAGE":
        return _("must be a number from 0 to 100")
    if value_type == "NUMBER":
        return _("must be a number")
    if value_type == "BOOLEAN":
        return _("must be yes (true) or no (false)")
    if value_type == "TEXT":
        return _("must be at most %(count)s characters") % {"count": MAX_TEXT_LENGTH}
    return _("is not a value this data element accepts")


def value_hint(value_type: str) -> str:
    """What a cell accepts, said before anything is typed (the input's title)."""
    hints = {
        "INTEGER_ZERO_OR_POSITIVE": _("A whole number, 0 or more"),
        "INTEGER": _("A whole number"),
        "PERCENTAGE": _("A number from 0 to 100"),
        "NUMBER": _("A number"),
        "BOOLEAN": _("true or false"),
    }
    return hints.get(value_type, _("Text"))


# Refusals of the import engine (DHIS2 error codes) said the way a clerk understands them.
def refusal_words(code: str | None, fallback: str) -> str:
    words = {
        "E7643": _("this period is closed for data entry here"),
        "E7642": _("this data is approved; ask the approver to unapprove it before changing it"),
        "E7641": _("this period is closed for data entry here"),
        "E7619": _("this value does not fit the data element"),
        "E7617": _("you may not enter data for this place"),
        "E7616": _("you may not enter data for this organisation here"),
    }
    return words.get(code or "", fallback)
