"""Progress: achieved vs target per indicator, org unit and period; status with thresholds and direction;
roll-up through the framework tree; the series over time and the values by district."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from amahoro import policy
from amahoro.frameworks import selectors, services
from amahoro.frameworks.progress import Row, Status, TargetValue, achievement, item_values, roll_up, status_of
from amahoro.geo.models import OrgUnit
from amahoro.metadata.expressions import Item

from .factories import indicator, ngo_framework, put

pytestmark = pytest.mark.django_db
NOW = dt.date(2030, 1, 1)  # every period in these tests has ended


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def progress(
    user: Any, code: str, ou: str = "RW", period: str = "2024", today: dt.date = NOW
) -> selectors.IndicatorProgress:
    return selectors.indicator_progress(
        user=user,
        indicator=indicator(code),
        org_unit=unit(ou),
        span=selectors.span_of(period=period),
        today=today,
    )


@pytest.fixture
def plan(cast: Any, sex_age: None) -> Any:
    fw = ngo_framework(cast.ngo)
    # Nyarugenge (11): sector 1101 and the district itself; Gasabo (12).
    put("GBV_AWARE", "1101", "202401", 30, "F_15_24")
    put("GBV_AWARE", "1101", "202402", 10, "M_25_49")
    put("GBV_AWARE", "11", "2024Q2", 20, "F_25_49")
    put("GBV_AWARE", "12", "202403", 40, "M_15_24")
    put("GBV_AWARE", "12", "2023", 999, "F_15_24")  # another year
    return fw


def test_count_indicator_sums_over_time_place_and_option_combos(cast: Any, plan: Any) -> None:
    p = progress(cast.sysadmin, "NGO1-SP-REACH")
    assert p.actual == 100 and p.status == Status.NO_TARGET
    assert progress(cast.sysadmin, "NGO1-SP-REACH", ou="11").actual == 60
    assert progress(cast.sysadmin, "NGO1-SP-REACH", ou="1101").actual == 40
    assert progress(cast.sysadmin, "NGO1-SP-REACH", period="2024Q1").actual == 80
    assert progress(cast.sysadmin, "NGO1-SP-REACH", period="2023").actual == 999


def test_percentage_indicator_with_numerator_and_denominator(cast: Any, plan: Any) -> None:
    # women: 30 + 20 = 50 of 100
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN").actual == pytest.approx(50.0)
    # Gasabo reached no woman in 2024: every numerator item is missing, skipped by the default strategy...
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN", ou="12").actual is None
    services.indicator_save(actor=policy.SYSTEM, code="NGO1-SP-WOMEN", missing_value_strategy="NEVER_SKIP")
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN", ou="12").actual == pytest.approx(
        0.0
    )  # ... or counted as 0
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN", period="2019").actual is None  # 0 / 0: no value


def test_status_against_targets_with_default_thresholds(cast: Any, plan: Any) -> None:
    reach = indicator("NGO1-SP-REACH")
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period="2024", value=100)
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("11"), period="2024", value=80)
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("12"), period="2024", value=100)
    national = progress(cast.sysadmin, "NGO1-SP-REACH")
    assert (national.target.value, national.achievement, national.status) == (100, 1.0, Status.ON_TRACK)
    assert progress(cast.sysadmin, "NGO1-SP-REACH", ou="11").status == Status.AT_RISK  # 60 / 80 = 75%
    assert progress(cast.sysadmin, "NGO1-SP-REACH", ou="12").status == Status.OFF_TRACK  # 40 / 100
    d = national.as_dict()
    assert (
        d["status"] == "on_track"
        and d["status_label"] == "On track"
        and d["actual"] == 100
        and d["target"] == 100
    )


def test_yearly_targets_combine_over_a_longer_span(cast: Any, plan: Any) -> None:
    reach = indicator("NGO1-SP-REACH")
    for year, value in (("2023", 900), ("2024", 200)):
        services.target_set(
            actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period=year, value=value
        )
    span = selectors.Span(None, dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    p = selectors.indicator_progress(
        user=cast.sysadmin, indicator=reach, org_unit=unit("RW"), span=span, today=NOW
    )
    assert p.actual == 1099 and p.target.value == 1100 and p.status == Status.ON_TRACK


def test_a_running_period_is_compared_with_its_pro_rata_target(cast: Any, plan: Any) -> None:
    reach = indicator("NGO1-SP-REACH")
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period="2024", value=400)
    mid_year = dt.date(2024, 3, 31)  # 91 of 366 days
    p = progress(cast.sysadmin, "NGO1-SP-REACH", today=mid_year)
    assert p.expected == pytest.approx(400 * 91 / 366)
    assert p.status == Status.ON_TRACK  # 100 reached of ~99.5 expected by the end of March
    assert progress(cast.sysadmin, "NGO1-SP-REACH").status == Status.OFF_TRACK  # the year is over: 25%


def test_lower_is_better_reverses_the_ratio(cast: Any, plan: Any) -> None:
    reach = indicator("NGO1-SP-REACH")
    services.indicator_save(actor=policy.SYSTEM, code=reach.code, direction="lower")
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period="2024", value=80)
    p = progress(cast.sysadmin, "NGO1-SP-REACH")
    assert p.achievement == pytest.approx(0.8) and p.status == Status.AT_RISK
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period="2024", value=120)
    assert progress(cast.sysadmin, "NGO1-SP-REACH").status == Status.ON_TRACK


def test_custom_thresholds_and_target_bands(cast: Any, plan: Any) -> None:
    women = indicator("NGO1-SP-WOMEN")
    services.indicator_save(
        actor=policy.SYSTEM, code=women.code, on_track_threshold=1.0, at_risk_threshold=0.95
    )
    services.target_set(actor=policy.SYSTEM, indicator=women, org_unit=unit("RW"), period="2024", value=52)
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN").status == Status.AT_RISK  # 50 / 52 = 96%
    services.target_set(
        actor=policy.SYSTEM, indicator=women, org_unit=unit("RW"), period="2024", value=52, lower=45, upper=55
    )
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN").status == Status.ON_TRACK  # inside the band
    services.target_set(
        actor=policy.SYSTEM, indicator=women, org_unit=unit("RW"), period="2024", value=70, lower=65, upper=75
    )
    assert progress(cast.sysadmin, "NGO1-SP-WOMEN").status == Status.OFF_TRACK  # outside, 71%


def test_progress_counts_only_the_values_the_user_may_see(cast: Any, plan: Any) -> None:
    put("GBV_AWARE", "11", "202405", 1000, "F_15_24", organisation=cast.police)
    assert progress(cast.sysadmin, "NGO1-SP-REACH", ou="11").actual == 1060
    assert progress(cast.me_nyarugenge, "NGO1-SP-REACH", ou="11").actual == 60  # not the police's value
    assert progress(cast.me_nyarugenge, "NGO1-SP-REACH", ou="RW").actual == 60  # nor Gasabo's
    assert progress(cast.me_gasabo, "NGO1-SP-REACH", ou="RW").actual == 40


def test_time_and_place_aggregations(cast: Any, sex_age: None) -> None:
    services.indicator_save(
        actor=policy.SYSTEM,
        code="COMM",
        name="Committees",
        numerator="#{COMMITTEES}",
        aggregation_time="last",
    )
    for month, n in (("202401", 3), ("202402", 5)):
        put("COMMITTEES", "11", month, n)
    put("COMMITTEES", "12", "202401", 4)
    assert progress(cast.sysadmin, "COMM").actual == 9  # latest per district, summed
    services.indicator_save(
        actor=policy.SYSTEM, code="COMM", aggregation_time="average", aggregation_place="average"
    )
    assert progress(cast.sysadmin, "COMM").actual == 4  # mean of (4, 4)


def test_missing_value_strategy_applies_to_each_side(cast: Any, sex_age: None) -> None:
    services.indicator_save(
        actor=policy.SYSTEM,
        code="BOTH",
        name="Women and men",
        numerator="#{GBV_AWARE.F_15_24} + #{GBV_AWARE.M_15_24}",
        missing_value_strategy="SKIP_IF_ANY_VALUE_MISSING",
    )
    put("GBV_AWARE", "11", "2024", 5, "F_15_24")
    assert progress(cast.sysadmin, "BOTH").actual is None
    assert progress(cast.sysadmin, "BOTH").status == Status.NO_DATA
    services.indicator_save(actor=policy.SYSTEM, code="BOTH", missing_value_strategy="NEVER_SKIP")
    assert progress(cast.sysadmin, "BOTH").actual == 5
    assert progress(cast.sysadmin, "BOTH", period="2019").actual == 0


def test_framework_roll_up_takes_the_worst_status(cast: Any, plan: Any) -> None:
    reach, women = indicator("NGO1-SP-REACH"), indicator("NGO1-SP-WOMEN")
    services.target_set(
        actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period="2024", value=100
    )  # on track
    services.target_set(
        actor=policy.SYSTEM, indicator=women, org_unit=unit("RW"), period="2024", value=80
    )  # 62%: off track
    fp = selectors.framework_progress(
        user=cast.sysadmin,
        framework=plan,
        org_unit=unit("RW"),
        span=selectors.span_of(period="2024"),
        today=NOW,
    )
    goal = fp.roots[0]
    outcome = goal.children[0]
    output = outcome.children[0]
    assert output.status == Status.OFF_TRACK and output.bar == 62
    assert outcome.indicators[0].status == Status.ON_TRACK
    assert outcome.status == Status.OFF_TRACK  # worst of its indicator (on track) and its output (off track)
    assert outcome.bar == round((1.0 + 0.625) / 2 * 100)
    assert goal.status == Status.OFF_TRACK and fp.rollup.status == Status.OFF_TRACK
    assert [n.node.code for n in fp.flat] == ["G1", "O1", "O1.1"]
    d = fp.as_dict()
    assert d["nodes"][0]["children"][0]["indicators"][0]["indicator"]["code"] == "NGO1-SP-REACH"
    assert "worst" in d["rollup_rule"]


def test_series_over_time_and_values_by_district(cast: Any, plan: Any) -> None:
    reach = indicator("NGO1-SP-REACH")
    for q, v in (("2024Q1", 50), ("2024Q2", 50)):
        services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("RW"), period=q, value=v)
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=unit("11"), period="2024", value=60)
    series = selectors.indicator_series(
        user=cast.sysadmin,
        indicator=reach,
        org_unit=unit("RW"),
        span=selectors.span_of(period="2024"),
        today=NOW,
    )
    assert [s["period"] for s in series] == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
    ]  # the targets' period type
    assert [s["actual"] for s in series] == [80, 20, None, None]
    assert [s["status"] for s in series] == ["on_track", "off_track", "no_data", "no_data"]
    monthly = selectors.indicator_series(
        user=cast.sysadmin,
        indicator=reach,
        org_unit=unit("RW"),
        span=selectors.span_of(period="2024"),
        period_type="Monthly",
        today=NOW,
    )
    assert (
        len(monthly) == 12 and monthly[0]["actual"] == 30 and monthly[3]["actual"] is None
    )  # 2024Q2 data is not monthly
    places = selectors.indicator_by_place(
        user=cast.sysadmin,
        indicator=reach,
        org_unit=unit("RW"),
        span=selectors.span_of(period="2024"),
        today=NOW,
    )
    assert len(places) == 30
    by_code = {p["code"]: p for p in places}
    assert by_code["11"]["actual"] == 60 and by_code["11"]["status"] == "on_track"
    assert by_code["12"]["actual"] == 40 and by_code["12"]["status"] == "no_target"
    assert by_code["21"]["status"] == "no_data"
    mine = selectors.indicator_by_place(
        user=cast.me_nyarugenge,
        indicator=reach,
        org_unit=unit("RW"),
        span=selectors.span_of(period="2024"),
        today=NOW,
    )
    assert [p["code"] for p in mine] == ["11"]


# -- the pure rules


def test_achievement_and_status_rules() -> None:
    assert achievement(50, 100, "higher") == 0.5
    assert achievement(50, 100, "lower") == 2.0
    assert achievement(0, 10, "lower") == 1.0
    assert achievement(5, 0, "lower") == 0.0
    assert achievement(0, 0, "higher") == 1.0
    kw = {"direction": "higher", "on_track": 0.9, "at_risk": 0.7}
    assert status_of(None, TargetValue(10), **kw) == (Status.NO_DATA, None)
    assert status_of(5, None, **kw) == (Status.NO_TARGET, None)
    assert status_of(9, TargetValue(10), **kw)[0] == Status.ON_TRACK
    assert status_of(7, TargetValue(10), **kw)[0] == Status.AT_RISK
    assert status_of(6.9, TargetValue(10), **kw)[0] == Status.OFF_TRACK


def test_roll_up_rules() -> None:
    assert roll_up([]).status == Status.NO_DATA
    assert roll_up([(Status.NO_TARGET, None), (Status.NO_DATA, None)]).status == Status.NO_TARGET
    r = roll_up([(Status.ON_TRACK, 1.5), (Status.AT_RISK, 0.8), (Status.NO_DATA, None)])
    assert (
        r.status == Status.AT_RISK
        and r.score == pytest.approx(0.9)
        and r.counts == {"on_track": 1, "at_risk": 1, "no_data": 1}
    )


def test_item_values_per_option_combo() -> None:
    day = dt.date(2024, 1, 1)
    rows = [
        Row("DE", "F", "202401", day, dt.date(2024, 1, 31), 1, "/RW/1/", 2.0),
        Row("DE", "M", "202401", day, dt.date(2024, 1, 31), 1, "/RW/1/", 3.0),
    ]
    values = item_values(
        rows, [Item("DE"), Item("DE", "F"), Item("DE", "X"), Item("OTHER")], time="sum", place="sum"
    )
    assert values == {Item("DE"): 5.0, Item("DE", "F"): 2.0, Item("DE", "X"): None, Item("OTHER"): None}


def test_a_headline_counts_unassessed_outcomes_apart_and_never_calls_them_on_track() -> None:
    # Issue 17: "Overall: On track" while 11 of 15 NAP outcomes had no data or no target.
    from types import SimpleNamespace

    from amahoro.frameworks.selectors import honest_status

    def outcomes(*statuses: Status) -> list[Any]:
        return [SimpleNamespace(status=s) for s in statuses]

    status, label = honest_status(Status.ON_TRACK, outcomes(*[Status.ON_TRACK] * 4, *[Status.NO_DATA] * 11))
    assert status == Status.NO_DATA and label.startswith("Cannot be assessed") and "11 of 15" in label
    status, label = honest_status(
        Status.ON_TRACK, outcomes(Status.ON_TRACK, Status.ON_TRACK, Status.AT_RISK, Status.NO_TARGET)
    )
    assert status == Status.ON_TRACK
    assert label == "On track for 3 of 4 outcomes (1 without data or target)"
    assert honest_status(Status.ON_TRACK, outcomes(Status.ON_TRACK)) == (Status.ON_TRACK, "On track")
    assert honest_status(Status.NO_DATA, outcomes(Status.NO_DATA)) == (Status.NO_DATA, "No data")
