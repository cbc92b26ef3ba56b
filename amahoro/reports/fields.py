"""The parameters each report kind takes, described for people: the API's list of reports, the form on the
report's page and the OpenAPI document read them here. A kind may carry its own `params` (a sequence of
`Param`); the three kinds of issue 14 are described below (contract R1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .kinds import ReportKind

# What a field's picker on the page is: a select of frameworks, a select/search of places, a period input,
# the language select.
FRAMEWORK, ORG_UNIT, PERIOD, LANG = "framework", "org_unit", "period", "lang"


@dataclass(frozen=True)
class Param:
    name: str
    label: str | Promise
    picker: str
    required: bool = True
    hint: str | Promise = ""


LANG_PARAM = Param("lang", _("Language"), LANG, required=False, hint=_("English, French or Kinyarwanda"))
PERIOD_HINT = _("A month as 202609, a quarter as 2026Q3 or a year as 2026")

DEFAULTS: dict[str, tuple[Param, ...]] = {
    "nap-progress": (
        Param("framework", _("Results framework"), FRAMEWORK),
        Param("period", _("Period"), PERIOD, hint=PERIOD_HINT),
        Param(
            "org_unit",
            _("Place"),
            ORG_UNIT,
            required=False,
            hint=_("Leave empty for the whole country (or the whole of your area)"),
        ),
        LANG_PARAM,
    ),
    "itt": (
        Param("framework", _("Results framework"), FRAMEWORK),
        Param("start", _("First period"), PERIOD, hint=_("e.g. 2025Q1 or 202501")),
        Param(
            "end",
            _("Last period"),
            PERIOD,
            hint=_("Of the same type as the first, e.g. 2026Q2 or 202606; at most 36 periods"),
        ),
        Param(
            "org_unit",
            _("Place"),
            ORG_UNIT,
            required=False,
            hint=_("Leave empty for the whole country (or the whole of your area)"),
        ),
        LANG_PARAM,
    ),
    "gbv-monthly": (
        Param("org_unit", _("Place"), ORG_UNIT, hint=_("A district or a province")),
        Param("period", _("Month"), PERIOD, hint=_("A month as 202609 (September 2026)")),
        LANG_PARAM,
    ),
}
GENERIC: tuple[Param, ...] = (LANG_PARAM,)


def params_of(kind: ReportKind) -> tuple[Param, ...]:
    own: Sequence[Param] | None = getattr(kind, "params", None)
    if own is not None:
        return tuple(own)
    return DEFAULTS.get(kind.code, GENERIC)


# Every parameter name any kind takes (the API's query string of a report file).
ALL_NAMES = ("framework", "period", "start", "end", "org_unit", "lang")
