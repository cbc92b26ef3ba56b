"""Months, periods and codes in the active language (issue 17, item 4): "December 2018" reads "Ukuboza 2018"
in Kinyarwanda and "décembre 2018" in French; codes are shown as labels."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from amahoro.core import dates
from amahoro.core.i18n import localized, name_translations
from amahoro.metadata.periods import parse_period
from amahoro.roles import PERM_LABELS, Perm


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "December 2018"), ("fr", "décembre 2018"), ("rw", "Ukuboza 2018")],
)
def test_a_month_period_reads_in_the_active_language(lang: str, expected: str) -> None:
    with translation.override(lang):
        assert parse_period("201812").name == expected
        assert dates.month_year(dt.date(2018, 12, 1)) == expected


@pytest.mark.parametrize(("lang", "day"), [("en", "Wednesday"), ("fr", "mercredi"), ("rw", "Kuwa gatatu")])
def test_a_weekly_period_names_its_first_day_in_the_active_language(lang: str, day: str) -> None:
    with translation.override(lang):
        name = parse_period("2024WedW3").name
    assert day in name and "2024" in name
    if lang != "en":
        assert "Wednesday" not in name


def test_financial_years_and_quarters_name_their_months() -> None:
    with translation.override("rw"):
        assert parse_period("2024July").name == "Nyakanga 2024 - Kamena 2025"
        assert parse_period("2024Q1").name == "Mutarama - Werurwe 2024"
    with translation.override("en"):
        assert parse_period("2024Q1").name == "January - March 2024"


def test_the_month_year_filter() -> None:
    html = Template("{% load amahoro_dates %}{{ d|month_year }}").render(Context({"d": dt.date(2026, 11, 3)}))
    with translation.override("rw"):
        html_rw = Template("{% load amahoro_dates %}{{ d|month_year }}").render(
            Context({"d": dt.date(2026, 11, 3)})
        )
    assert (html, html_rw) == ("November 2026", "Ugushyingo 2026")


def test_kinyarwanda_has_its_own_date_formats() -> None:
    with translation.override("rw"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "d/m/Y"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
        assert formats.get_format("DECIMAL_SEPARATOR") == "."  # scripts read numbers from the page


def test_localized_falls_back_to_english() -> None:
    row = SimpleNamespace(name="Sex", name_fr="Sexe", name_rw="")
    with translation.override("fr"):
        assert localized(row, "name") == "Sexe"
    with translation.override("rw"):
        assert localized(row, "name") == "Sex"
    assert localized(row, "name", "fr") == "Sexe"
    assert name_translations("Sexe", "") == [{"property": "NAME", "locale": "fr", "value": "Sexe"}]


def test_every_permission_has_a_label() -> None:
    assert set(PERM_LABELS) == set(Perm)
    with translation.override("en"):
        assert str(PERM_LABELS[Perm.CASE_VIEW]) == "See GBV cases"
