"""Month names and period labels in the active language ("December 2018", "Ukuboza 2018", "décembre 2018").

Django's catalogue has no Kinyarwanda, so the month names are also messages of Amahoro's own catalogue
(`make messages` extracts them from here). Until a catalogue translates them, Kinyarwanda falls back to
RW_MONTHS below, so a Kinyarwanda page never shows an English month."""

from __future__ import annotations

from django.utils.translation import get_language, gettext, pgettext_lazy

MONTHS = {
    1: pgettext_lazy("month name", "January"),
    2: pgettext_lazy("month name", "February"),
    3: pgettext_lazy("month name", "March"),
    4: pgettext_lazy("month name", "April"),
    5: pgettext_lazy("month name", "May"),
    6: pgettext_lazy("month name", "June"),
    7: pgettext_lazy("month name", "July"),
    8: pgettext_lazy("month name", "August"),
    9: pgettext_lazy("month name", "September"),
    10: pgettext_lazy("month name", "October"),
    11: pgettext_lazy("month name", "November"),
    12: pgettext_lazy("month name", "December"),
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
    if name == ENGLISH[month - 1]:
        lang = (get_language() or "en")[:2]
        if lang == "rw":
            return RW_MONTHS[month - 1]
        # Django's own catalogue names the months in French (and its other languages).
        return gettext(ENGLISH[month - 1])
    return name
