"""Month names and period labels in the active language ("December 2018", "Ukuboza 2018", "décembre 2018").

The month names are Django's own messages ("January", as `django.utils.dates.MONTHS` asks for them), which
Django's catalogues translate into French but not Kinyarwanda (Django has none): naming them here puts them
in Amahoro's catalogue too (`make messages`), so the `date` filter's "F" is in Kinyarwanda once they are
translated there. Until then Kinyarwanda falls back to RW_MONTHS below: a Kinyarwanda page never shows an
English month."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import get_language, gettext_lazy

MONTHS = {
    1: gettext_lazy("January"),
    2: gettext_lazy("February"),
    3: gettext_lazy("March"),
    4: gettext_lazy("April"),
    5: gettext_lazy("May"),
    6: gettext_lazy("June"),
    7: gettext_lazy("July"),
    8: gettext_lazy("August"),
    9: gettext_lazy("September"),
    10: gettext_lazy("October"),
    11: gettext_lazy("November"),
    12: gettext_lazy("December"),
}
# The first days of DHIS2's weekly period types ("Wednesday week 3 2024"): named here for the catalogue.
WEEKDAYS = {
    "Monday": gettext_lazy("Monday"),
    "Tuesday": gettext_lazy("Tuesday"),
    "Wednesday": gettext_lazy("Wednesday"),
    "Thursday": gettext_lazy("Thursday"),
    "Friday": gettext_lazy("Friday"),
    "Saturday": gettext_lazy("Saturday"),
    "Sunday": gettext_lazy("Sunday"),
}
ENGLISH = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
RW_MONTHS = [
    "Mutarama",
    "Gashyantare",
    "Werurwe",
    "Mata",
    "Gicurasi",
    "Kamena",
    "Nyakanga",
    "Kanama",
    "Nzeri",
    "Ukwakira",
    "Ugushyingo",
    "Ukuboza",
]


def month_name(month: int) -> str:
    """The name of `month` (1-12) in the active language."""
    name = str(MONTHS[month])
    if name == ENGLISH[month - 1] and (get_language() or "en")[:2] == "rw":
        return RW_MONTHS[month - 1]
    return name


def month_year(day: dt.date) -> str:
    """ "December 2018" in the active language."""
    return f"{month_name(day.month)} {day.year}"
