"""GBV case figures in the analytics API follow the case module's rules (amahoro/cases/disclosure.py,
suppression.py): no period finer than GBV_STATS_MIN_PERIOD and no place below GBV_STATS_MIN_ORG_LEVEL for
callers without case.statistics_detail (400 naming pe / ou), and counts 1-4 never shown."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.cases import accountability

URL = "/api/v1/analytics"
RAPE, RAPE_72H = accountability.RAPE, accountability.RAPE_72H
# Values per sector for 202401: district 11 adds up to 3 (a small count), district 12 to 12.
VALUES = {
    RAPE: {"1101": 1, "1102": 2, "1201": 7, "1202": 5},
    RAPE_72H: {"1101": 0, "1102": 1, "1201": 3, "1202": 5},
}


@pytest.fixture
def gbv(db: Any, settings: Any, tmp_path: Any) -> None:
    from amahoro.analytics import engine
    from amahoro.data.importing import default_option_combo
    from amahoro.data.models import DataValue, Period
    from amahoro.frameworks.models import Indicator
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import DataElement

    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = str(tmp_path / "analytics")
    engine.forget_cache()
    default = default_option_combo()
    assert default is not None
    period = Period.objects.get_or_create(
        code="202401",
        defaults={
            "type": "Monthly",
            "start": date(2024, 1, 1),
            "end": date(2024, 1, calendar.monthrange(2024, 1)[1]),
        },
    )[0]
    for code, per_sector in VALUES.items():
        de = DataElement.objects.create(
            code=code, name=accountability.ELEMENTS[code], category_combo=default.combo
        )
        for sector, n in per_sector.items():
            DataValue.objects.create(
                data_element=de,
                org_unit=OrgUnit.objects.get(code=sector),
                period=period,
                category_option_combo=default,
                attribute_option_combo=default,
                value=str(n),
                numeric_value=float(n),
            )
    Indicator.objects.create(
        code="GBV_PCT_72H",
        name="Share reported within 72 h",
        numerator="#{" + RAPE_72H + "}",
        denominator="#{" + RAPE + "}",
        factor=100,
    )
    yield
    engine.forget_cache()


def rows(user: Any, **params: Any) -> dict[tuple[str, ...], str]:
    response = api_as(user).get(URL, params)
    assert response.status_code == 200, response.content[:500]
    return {tuple(r[:-1]): r[-1] for r in response.json()["rows"]}


def test_counts_one_to_four_are_suppressed(cast: Any, gbv: None) -> None:
    got = rows(cast.sysadmin, dimension=[f"dx:{RAPE};{RAPE_72H}", "pe:202401", "ou:11;12"])
    assert got == {
        (RAPE, "202401", "11"): "<5",  # 1 + 2
        (RAPE, "202401", "12"): "12",  # 7 + 5
        (RAPE_72H, "202401", "11"): "<5",  # 0 + 1
        (RAPE_72H, "202401", "12"): "8",  # 3 + 5
    }
    # As a filter too (the total of the province is shown, it is not small).
    got = rows(cast.sysadmin, dimension=["ou:1"], filter=[f"dx:{RAPE}", "pe:202401"])
    assert got == {("1",): "15"}


def test_an_indicator_resting_on_a_small_count_is_hidden(cast: Any, gbv: None) -> None:
    got = rows(cast.sysadmin, dimension=["dx:GBV_PCT_72H", "pe:202401", "ou:11;12;1"])
    assert got[("GBV_PCT_72H", "202401", "11")] == "x"  # 1 of 3
    assert got[("GBV_PCT_72H", "202401", "12")] == "x"  # 8 of 12: 4 not within 72 h, a count 1-4
    assert float(got[("GBV_PCT_72H", "202401", "1")]) == pytest.approx(round(9 / 15 * 100, 2))


@pytest.mark.parametrize("pe", ["2024W2", "20240105", "2024BiW1"])
def test_a_period_shorter_than_the_minimum_is_400_naming_pe(cast: Any, gbv: None, pe: str) -> None:
    body = assert_error(
        api_as(cast.sysadmin).get(URL, {"dimension": [f"dx:{RAPE}", f"pe:{pe}", "ou:11"]}), 400, "pe"
    )
    assert pe in body["error"]


@pytest.mark.parametrize("ou", ["ou:1101", "ou:11;LEVEL-sector", "ou:LEVEL-4"])
def test_a_place_below_the_minimum_level_is_400_naming_ou(cast: Any, gbv: None, ou: str) -> None:
    assert_error(api_as(cast.sysadmin).get(URL, {"dimension": [f"dx:{RAPE}", "pe:202401", ou]}), 400, "ou")
    assert_error(
        api_as(cast.sysadmin).get(URL, {"dimension": ["dx:GBV_PCT_72H", "pe:202401"], "filter": [ou]}),
        400,
        "ou",
    )


def test_a_sector_level_caller_without_ou_is_400_naming_ou(cast: Any, gbv: None) -> None:
    assert_error(api_as(cast.clerk_sector).get(URL, {"dimension": [f"dx:{RAPE}", "pe:202401"]}), 400, "ou")


def test_the_minimums_follow_the_settings(cast: Any, gbv: None, settings: Any) -> None:
    settings.GBV_STATS_MIN_ORG_LEVEL = 2
    assert_error(
        api_as(cast.sysadmin).get(URL, {"dimension": [f"dx:{RAPE}", "pe:202401", "ou:11"]}), 400, "ou"
    )
    settings.GBV_STATS_MIN_ORG_LEVEL = 4
    settings.GBV_STATS_MIN_PERIOD = "Quarterly"
    assert_error(
        api_as(cast.sysadmin).get(URL, {"dimension": [f"dx:{RAPE}", "pe:202401", "ou:11"]}), 400, "pe"
    )
    got = rows(cast.sysadmin, dimension=[f"dx:{RAPE}", "pe:2024Q1", "ou:1201;1202"])
    assert got == {(RAPE, "2024Q1", "1201"): "7", (RAPE, "2024Q1", "1202"): "5"}


def test_case_roles_may_ask_finer_inside_their_area_still_without_small_counts(cast: Any, gbv: None) -> None:
    from amahoro.accounts.models import RoleAssignment
    from amahoro.geo.models import OrgUnit

    user = cast.viewer_nyarugenge
    RoleAssignment.objects.create(
        user=user, organisation=cast.ngo, role="case_worker", org_unit=OrgUnit.objects.get(code="11")
    )
    got = rows(user, dimension=[f"dx:{RAPE}", "pe:202401", "ou:1101;1102"])
    assert got == {(RAPE, "202401", "1101"): "<5", (RAPE, "202401", "1102"): "<5"}
    # Still only inside the places of their data.view grants.
    assert_error(
        api_as(cast.viewer_nyarugenge).get(URL, {"dimension": [f"dx:{RAPE}", "pe:202401", "ou:12"]}),
        403,
        "ou",
    )


def test_non_gbv_figures_are_not_touched(cast: Any, gbv: None) -> None:
    from amahoro.data.importing import default_option_combo
    from amahoro.data.models import DataValue, Period
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import DataElement

    default = default_option_combo()
    de = DataElement.objects.create(code="TRAININGS", name="Trainings", category_combo=default.combo)
    DataValue.objects.create(
        data_element=de,
        org_unit=OrgUnit.objects.get(code="1101"),
        period=Period.objects.get(code="202401"),
        category_option_combo=default,
        attribute_option_combo=default,
        value="3",
        numeric_value=3.0,
    )
    got = rows(cast.sysadmin, dimension=["dx:TRAININGS", "pe:20240105;202401", "ou:1101"])
    assert got == {("TRAININGS", "202401", "1101"): "3"}
