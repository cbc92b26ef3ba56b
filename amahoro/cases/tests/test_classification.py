"""The Classification Tool, the derived context flags and the time-to-report buckets, at their boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amahoro.cases import classification as cl

QUESTIONS = [q for q, _ in cl.QUESTIONS]


def facts(**kw: object) -> cl.ContextFacts:
    base: dict[str, object] = {
        "gbv_type": "rape",
        "survivor_age": 30,
        "relationships": (),
        "goods_exchanged": False,
        "abduction": "none",
        "harmful_traditional_practice": "",
    }
    base.update(kw)
    return cl.ContextFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("question", "expected"), cl.QUESTIONS)
def test_each_question_alone_decides_its_type(question: str, expected: str) -> None:
    assert cl.classify({question: True}) == expected


def test_no_yes_is_non_gbv() -> None:
    assert cl.classify({}) == "non_gbv"
    assert cl.classify(dict.fromkeys(QUESTIONS, False)) == "non_gbv"


@given(st.fixed_dictionaries({q: st.booleans() for q in QUESTIONS}))
def test_the_first_yes_in_the_tools_order_decides(answers: dict[str, bool]) -> None:
    first = next((t for q, t in cl.QUESTIONS if answers[q]), "non_gbv")
    assert cl.classify(answers) == first


def test_penetration_wins_over_everything_asked_later() -> None:
    assert cl.classify(dict.fromkeys(QUESTIONS, True)) == "rape"
    assert cl.classify({"physical_assault": True, "unwanted_sexual_contact": True}) == "sexual_assault"
    assert cl.classify({"psychological_abuse": True, "denial_of_resources": True}) == "denial_of_resources"


@pytest.mark.parametrize(
    ("relationship", "flagged"),
    [("intimate_partner", True), ("former_partner", True), ("family", False), ("stranger", False)],
)
def test_intimate_partner_violence_includes_former_partners(relationship: str, flagged: bool) -> None:
    out = cl.contexts(facts(gbv_type="physical_assault", relationships=("stranger", relationship)))
    assert ("intimate_partner_violence" in out) is flagged


def test_no_intimate_partner_violence_when_not_gbv() -> None:
    assert cl.contexts(facts(gbv_type="non_gbv", relationships=("intimate_partner",))) == []


@pytest.mark.parametrize(("age", "child"), [(0, True), (17, True), (18, False), (40, False), (None, False)])
def test_child_sexual_abuse_is_under_18(age: int | None, child: bool) -> None:
    for gbv_type in ("rape", "sexual_assault"):
        assert ("child_sexual_abuse" in cl.contexts(facts(gbv_type=gbv_type, survivor_age=age))) is child
    assert "child_sexual_abuse" not in cl.contexts(facts(gbv_type="physical_assault", survivor_age=age))


@pytest.mark.parametrize(("age", "early"), [(17, True), (18, False)])
def test_early_marriage_is_forced_marriage_under_18(age: int, early: bool) -> None:
    assert ("early_marriage" in cl.contexts(facts(gbv_type="forced_marriage", survivor_age=age))) is early
    assert "early_marriage" not in cl.contexts(facts(gbv_type="rape", survivor_age=age))


def test_exploitation_and_slavery_need_a_sexual_type() -> None:
    assert "possible_sexual_exploitation" in cl.contexts(facts(goods_exchanged=True))
    assert "possible_sexual_exploitation" not in cl.contexts(
        facts(gbv_type="physical_assault", goods_exchanged=True)
    )
    for abduction in ("forced_conscription", "trafficked", "other"):
        assert "possible_sexual_slavery" in cl.contexts(facts(gbv_type="sexual_assault", abduction=abduction))
    assert "possible_sexual_slavery" not in cl.contexts(facts(abduction="none"))
    assert "possible_sexual_slavery" not in cl.contexts(
        facts(gbv_type="denial_of_resources", abduction="trafficked")
    )


def test_harmful_traditional_practice_flag_is_set_by_the_practice() -> None:
    assert "harmful_traditional_practice" in cl.contexts(
        facts(gbv_type="non_gbv", harmful_traditional_practice="fgm")
    )
    assert "harmful_traditional_practice" not in cl.contexts(facts(harmful_traditional_practice=""))


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0_3_days"),
        (3, "0_3_days"),
        (4, "4_5_days"),
        (5, "4_5_days"),
        (6, "6_14_days"),
        (14, "6_14_days"),
        (15, "15_30_days"),
        (30, "15_30_days"),
        (31, "over_1_month"),
        (400, "over_1_month"),
    ],
)
def test_bucket_boundaries(days: int, bucket: str) -> None:
    assert cl.bucket(days) == bucket


def test_72_hours_is_day_3_not_day_4() -> None:
    monday = date(2026, 3, 2)
    assert cl.elapsed_days(monday, monday) == 0
    assert cl.bucket(cl.elapsed_days(monday, monday + timedelta(days=3))) == "0_3_days"  # Thursday
    assert cl.bucket(cl.elapsed_days(monday, monday + timedelta(days=4))) == "4_5_days"  # Friday
    assert cl.within_hours(monday, monday + timedelta(days=3), 72)
    assert not cl.within_hours(monday, monday + timedelta(days=4), 72)
    assert cl.within_hours(monday, monday + timedelta(days=5), 120)
    assert not cl.within_hours(monday, monday + timedelta(days=6), 120)


def test_elapsed_days_cross_month_and_leap_day() -> None:
    assert cl.elapsed_days(date(2024, 2, 27), date(2024, 3, 1)) == 3  # 29 February counted
    assert cl.elapsed_days(date(2025, 12, 31), date(2026, 1, 31)) == 31


@given(st.integers(min_value=0, max_value=5000))
def test_every_day_count_has_exactly_one_bucket(days: int) -> None:
    b = cl.bucket(days)
    assert b in cl.BUCKETS
    assert (b == "0_3_days") == (days <= 3)
    assert (b == "over_1_month") == (days >= 31)


def test_negative_elapsed_time_is_refused() -> None:
    with pytest.raises(ValueError):
        cl.bucket(-1)


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (0, "0-11"),
        (11, "0-11"),
        (12, "12-17"),
        (17, "12-17"),
        (18, "18-25"),
        (25, "18-25"),
        (26, "26-40"),
        (40, "26-40"),
        (41, "41-60"),
        (60, "41-60"),
        (61, "61+"),
        (None, "unknown"),
    ],
)
def test_age_groups(age: int | None, group: str) -> None:
    assert cl.age_group(age) == group


def test_age_at_counts_birthdays() -> None:
    assert cl.age_at(date(2008, 6, 15), date(2026, 6, 14)) == 17
    assert cl.age_at(date(2008, 6, 15), date(2026, 6, 15)) == 18
