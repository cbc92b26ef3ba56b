"""aggregate()'s aggregation types, period roll-up, categories and period filters, each compared with the
posted values aggregated by hand (tests/reference.py)."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amahoro.analytics import store
from amahoro.analytics.engine import AGGREGATIONS, InvalidQuery, aggregate
from amahoro.data.models import DataValue, Period
from amahoro.metadata.models import AggregationType, DataElement

from .conftest import Dataset
from .reference import Fact, aggregated, approx_equal, as_map, facts

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
WEEKS = (1, 5, 9, 10, 13, 14, 18)  # ISO weeks of 2024; 5 and 9 straddle two months, 18 April and May


def quarter(f: Fact) -> str:
    return f"{f.start.year}Q{(f.start.month - 1) // 3 + 1}"


def financial_july(f: Fact) -> str:
    return f"{f.start.year if f.start.month >= 7 else f.start.year - 1}July"


def month_of_iso_week(f: Fact) -> str:
    """An ISO week belongs to the month of its Thursday (its fourth day)."""
    thursday = f.start + timedelta(days=3)
    return f"{thursday.year}{thursday.month:02d}"


def _weekly(dataset: Dataset) -> Any:
    """A weekly data element with values in WEEKS (plus one 2024Q1 value, longer than a month)."""
    element = DataElement.objects.create(
        code="AN_WEEK", name="AN_WEEK", category_combo=dataset.combo, aggregation_type=AggregationType.SUM
    )
    rng = random.Random(11)
    rows = []
    for week in WEEKS:
        start = date.fromisocalendar(2024, week, 1)
        period = Period.objects.get_or_create(
            code=f"2024W{week}", defaults={"type": "Weekly", "start": start, "end": start + timedelta(days=6)}
        )[0]
        for ou in dataset.sectors:
            for coc in dataset.cocs.values():
                n = rng.randint(1, 9)
                rows.append(
                    DataValue(
                        data_element=element,
                        org_unit=ou,
                        period=period,
                        category_option_combo=coc,
                        attribute_option_combo=dataset.default_coc,
                        value=str(n),
                        numeric_value=float(n),
                    )
                )
    rows.append(
        DataValue(
            data_element=element,
            org_unit=dataset.sectors[0],
            period=dataset.quarter,
            category_option_combo=dataset.cocs[("F", "Y15_24")],
            attribute_option_combo=dataset.default_coc,
            value="500",
            numeric_value=500.0,
        )
    )
    DataValue.objects.bulk_create(rows)
    return element


@pytest.mark.parametrize("kind", AGGREGATIONS)
def test_each_aggregation_type_by_district_quarter_sex(
    dataset: Dataset, analytics_store: Any, kind: str
) -> None:
    store.refresh()
    # Monthly values plus two 2024Q1 values, which count in 2024Q1 too (not for LAST: a quarter and its
    # first month start the same day, which makes "the latest" a tie).
    de = dataset.last_de if kind == "LAST" else dataset.sum_de
    rows = aggregate(
        data_element_ids=[de.pk],
        group_by=["district", "period:Quarterly", "category:SEX"],
        aggregation=kind.lower(),
        **H1,
    )
    expected = aggregated(facts(data_element=de), kind, lambda f: (f.district, quarter(f), f.options["SEX"]))
    assert approx_equal(as_map(rows, "district", "period:Quarterly", "category:SEX"), expected)
    assert {r["period:Quarterly"] for r in rows} == {"2024Q1", "2024Q2"}


@pytest.mark.parametrize("kind", AGGREGATIONS)
def test_each_aggregation_type_without_groups_and_by_data_element(
    dataset: Dataset, analytics_store: Any, kind: str
) -> None:
    ids = [dataset.sum_de.pk, dataset.last_de.pk]
    everything = facts(data_element_id__in=ids, period__type="Monthly")
    total = aggregate(data_element_ids=ids, aggregation=kind, period_type="Monthly", **H1)
    assert approx_equal(as_map(total), aggregated(everything, kind, lambda f: ()))
    by_de = aggregate(
        data_element_ids=ids,
        group_by=["data_element", "month"],
        aggregation=kind,
        period_type="Monthly",
        **H1,
    )
    expected = aggregated(everything, kind, lambda f: (f.de, f"{f.start.year}-{f.start.month:02d}"))
    assert approx_equal(as_map(by_de, "data_element", "month"), expected)


def test_each_data_element_aggregates_by_its_own_type(dataset: Dataset, analytics_store: Any) -> None:
    ids = [dataset.sum_de.pk, dataset.average_de.pk, dataset.last_de.pk]
    rows = aggregate(data_element_ids=ids, group_by=["data_element", "period:Yearly"], **H1)
    kinds = {dataset.sum_de.pk: "SUM", dataset.average_de.pk: "AVERAGE", dataset.last_de.pk: "LAST"}
    for de, kind in kinds.items():
        expected = aggregated(facts(data_element_id=de), kind, lambda f: (f.de, "2024"))
        got = as_map([r for r in rows if r["data_element"] == de], "data_element", "period:Yearly")
        assert approx_equal(got, expected), kind


@pytest.mark.parametrize("kind", AGGREGATIONS)
def test_the_data_elements_own_type_is_the_default(dataset: Dataset, analytics_store: Any, kind: str) -> None:
    DataElement.objects.filter(pk=dataset.last_de.pk).update(aggregation_type=kind)
    rows = aggregate(data_element_ids=[dataset.last_de.pk], group_by=["district", "period:SixMonthly"], **H1)
    expected = aggregated(facts(data_element=dataset.last_de), kind, lambda f: (f.district, "2024S1"))
    assert approx_equal(as_map(rows, "district", "period:SixMonthly"), expected)


@pytest.mark.parametrize(
    ("period_type", "target"),
    [
        ("Monthly", lambda f: f.period if f.type == "Monthly" else None),  # the quarter is longer
        ("Quarterly", quarter),
        ("yearly", lambda f: str(f.start.year)),
        ("FinancialJuly", financial_july),
        ("SixMonthly", lambda f: f"{f.start.year}S{1 if f.start.month <= 6 else 2}"),
        (
            "BiMonthly",
            lambda f: None if f.type == "Quarterly" else f"{f.start.year}{(f.start.month + 1) // 2:02d}B",
        ),
    ],
)
def test_months_roll_up_into_longer_periods(
    dataset: Dataset, analytics_store: Any, period_type: str, target: Any
) -> None:
    de = dataset.sum_de
    dim = f"period:{period_type}"
    rows = aggregate(data_element_ids=[de.pk], group_by=[dim, "org_unit"], **H1)
    expected = aggregated(
        facts(data_element=de), "SUM", lambda f: None if target(f) is None else (target(f), f.ou_code)
    )
    assert approx_equal(as_map(rows, dim, "org_unit"), expected)
    assert rows == sorted(rows, key=lambda r: (r[dim], r["org_unit"]))


def test_weeks_roll_up_into_the_month_of_their_middle_day(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    element = _weekly(dataset)
    rows = aggregate(
        data_element_ids=[element.pk],
        group_by=["period:Monthly", "district"],
        start="2024-01-01",
        end="2024-06-30",
    )
    weekly = facts(data_element=element, period__type="Weekly")
    expected = aggregated(weekly, "SUM", lambda f: (month_of_iso_week(f), f.district))
    assert approx_equal(as_map(rows, "period:Monthly", "district"), expected)
    # Week 5 (29 January - 4 February) counts in February, week 9 (26 February - 3 March) too.
    assert {r["period:Monthly"] for r in rows} == {"202401", "202402", "202403", "202404", "202405"}
    assert month_of_iso_week(next(f for f in weekly if f.period == "2024W5")) == "202402"
    assert month_of_iso_week(next(f for f in weekly if f.period == "2024W9")) == "202402"
    # Into quarters, the weeks and the quarter's value all count.
    quarters = aggregate(data_element_ids=[element.pk], group_by=["period:Quarterly"], **H1)
    every = facts(data_element=element)
    assert approx_equal(
        as_map(quarters, "period:Quarterly"),
        aggregated(every, "SUM", lambda f: (f"2024Q{(month_of_iso_week(f)[4:] > '03') + 1}",)),
    )


def test_within_periods_keeps_periods_by_their_middle_day(dataset: Dataset, analytics_store: Any) -> None:
    element = _weekly(dataset)
    weekly = facts(data_element=element, period__type="Weekly")

    def within(*months: str) -> dict[tuple[Any, ...], tuple[float, int]]:
        first = date(2024, int(months[0][4:]), 1)
        last_month = int(months[-1][4:])
        last = date(2024, last_month, calendar.monthrange(2024, last_month)[1])
        rows = aggregate(
            data_element_ids=[element.pk],
            group_by=["period"],
            within_periods=list(months),
            period_type="Weekly",
            start=first,
            end=last,
        )
        return as_map(rows, "period")

    # February: weeks 5 and 9 (their Thursdays are in February) though they start or end outside it.
    expected = aggregated(weekly, "SUM", lambda f: (f.period,) if month_of_iso_week(f) == "202402" else None)
    assert approx_equal(within("202402"), expected)
    assert {k[0] for k in expected} == {"2024W5", "2024W9"}
    expected = aggregated(
        weekly, "SUM", lambda f: (f.period,) if month_of_iso_week(f) in ("202403", "202405") else None
    )
    assert approx_equal(within("202403", "202405"), expected)

    # Longer periods are left out: the quarter's value within March, but in within 2024Q1.
    total = aggregate(
        data_element_ids=[element.pk], within_periods=["202403"], start="2024-03-01", end="2024-03-31"
    )
    assert total[0]["value"] == sum(f.value for f in weekly if month_of_iso_week(f) == "202403")
    q1 = aggregate(
        data_element_ids=[element.pk], within_periods=["2024Q1"], start="2024-01-01", end="2024-03-31"
    )
    every = facts(data_element=element)
    assert q1[0]["value"] == sum(
        f.value for f in every if f.type == "Quarterly" or month_of_iso_week(f) <= "202403"
    )


def test_categories_group_and_filter(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    de = dataset.sum_de
    every = facts(data_element=de)
    rows = aggregate(data_element_ids=[de.pk], group_by=["category:SEX", "category:AGE", "province"], **H1)
    expected = aggregated(
        every,
        "SUM",
        lambda f: (f.options["SEX"], f.options["AGE"], f.path.split("/")[2]) if f.options else None,
    )
    assert approx_equal(as_map(rows, "category:SEX", "category:AGE", "province"), expected)
    # The old spelling still answers the same.
    old = aggregate(data_element_ids=[de.pk], group_by=["category_option"], category="AGE", **H1)
    new = aggregate(data_element_ids=[de.pk], group_by=["category:AGE"], **H1)
    assert [(r["category_option"], r["value"]) for r in old] == [(r["category:AGE"], r["value"]) for r in new]

    filtered = aggregate(
        data_element_ids=[de.pk],
        group_by=["category:AGE"],
        category_options={"SEX": ["F"], "AGE": ["Y15_24", "Y25_49"]},
        **H1,
    )
    expected = aggregated(
        every, "SUM", lambda f: (f.options["AGE"],) if f.options.get("SEX") == "F" else None
    )
    assert approx_equal(as_map(filtered, "category:AGE"), expected)
    one = aggregate(data_element_ids=[de.pk], category_options={"AGE": ["Y25_49"]}, **H1)
    assert one[0]["value"] == sum(f.value for f in every if f.options.get("AGE") == "Y25_49")


def test_attribute_categories_group_and_filter_by_the_attribute_combo(
    dataset: Dataset, analytics_store: Any
) -> None:
    """A category no data element is disaggregated by (a funding partner) is read from the attribute
    option combo; one created after the snapshot too."""
    from .conftest import _category, _coc, _combo

    store.refresh()
    partners = _combo("PARTNERS", [_category("PARTNER", ["P1", "P2"])])
    p1, p2 = _coc(partners, ["P1"]), _coc(partners, ["P2"])
    posted = [(0, p1, 5.0), (1, p1, 7.0), (2, p2, 11.0), (4, p2, 13.0)]
    DataValue.objects.bulk_create(
        DataValue(
            data_element=dataset.sum_de,
            org_unit=dataset.sectors[n],
            period=dataset.months[3],
            category_option_combo=dataset.cocs[("F", "Y25_49")],
            attribute_option_combo=aoc,
            value=str(v),
            numeric_value=v,
        )
        for n, aoc, v in posted
    )
    rows = aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["category:PARTNER", "district"], **H1)
    assert [(r["category:PARTNER"], r["district"], r["value"]) for r in rows] == [
        ("P1", "11", 12.0),
        ("P2", "12", 11.0),
        ("P2", "21", 13.0),
    ]
    only_p2 = aggregate(
        data_element_ids=[dataset.sum_de.pk],
        group_by=["category:SEX"],
        category_options={"PARTNER": ["P2"], "SEX": ["F"]},
        **H1,
    )
    assert only_p2 == [{"category:SEX": "F", "value": 24.0, "count": 2}]


def test_a_value_saved_a_moment_ago_counts_in_rolled_up_groups(
    dataset: Dataset, analytics_store: Any
) -> None:
    store.refresh()
    args: dict[str, Any] = {
        "data_element_ids": [dataset.sum_de.pk],
        "group_by": ["period:FinancialJuly", "category:SEX"],
        "category_options": {"AGE": ["Y15_24"]},
        **H1,
    }
    before = {(r["period:FinancialJuly"], r["category:SEX"]): r["value"] for r in aggregate(**args)}
    key = {
        "data_element": dataset.sum_de,
        "org_unit": dataset.sectors[4],
        "period": dataset.months[0],
        "category_option_combo": dataset.cocs[("M", "Y15_24")],
        "attribute_option_combo": dataset.default_coc,
    }
    value = DataValue.objects.filter(**key).first() or DataValue(**key, value="0", numeric_value=0.0)
    assert value.numeric_value is not None
    value.numeric_value += 1000
    value.value = str(value.numeric_value)
    value.save()
    after = {(r["period:FinancialJuly"], r["category:SEX"]): r["value"] for r in aggregate(**args)}
    assert after[("2023July", "F")] == before[("2023July", "F")]
    assert after[("2023July", "M")] == before[("2023July", "M")] + 1000
    expected = aggregated(
        facts(data_element=dataset.sum_de),
        "SUM",
        lambda f: (financial_july(f), f.options["SEX"]) if f.options.get("AGE") == "Y15_24" else None,
    )
    assert after[("2023July", "M")] == expected[("2023July", "M")][0]


GROUPS = [
    "district",
    "org_unit",
    "period:Quarterly",
    "period:Monthly",
    "category:SEX",
    "category:AGE",
    "month",
]


def _key_of(dim: str, f: Fact) -> Any:
    if dim == "district":
        return f.district
    if dim == "org_unit":
        return f.ou_code
    if dim == "period:Quarterly":
        return quarter(f)
    if dim == "period:Monthly":
        return f.period if f.type == "Monthly" else None
    if dim == "month":
        return f"{f.start.year}-{f.start.month:02d}"
    return f.options.get(dim.removeprefix("category:"))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(AGGREGATIONS),
    dims=st.lists(st.sampled_from(GROUPS), unique=True, max_size=3),
    sexes=st.none() | st.lists(st.sampled_from(["F", "M"]), min_size=1, max_size=2, unique=True),
)
def test_any_grouping_matches_the_reference(
    dataset: Dataset, analytics_store: Any, kind: str, dims: list[str], sexes: list[str] | None
) -> None:
    de = dataset.last_de
    rows = aggregate(
        data_element_ids=[de.pk],
        group_by=dims,
        aggregation=kind,
        category_options=None if sexes is None else {"SEX": sexes},
        **H1,
    )

    def key(f: Fact) -> tuple[Any, ...] | None:
        if sexes is not None and f.options.get("SEX") not in sexes:
            return None
        k = tuple(_key_of(d, f) for d in dims)
        return None if None in k else k

    assert approx_equal(as_map(rows, *dims), aggregated(facts(data_element=de), kind, key))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"group_by": ["period:Fortnightly"]}, "group_by"),
        ({"group_by": ["period:"]}, "group_by"),
        ({"group_by": ["category:NOPE"]}, "group_by"),
        ({"group_by": ["category:SEX", "category:SEX"]}, "group_by"),
        ({"aggregation": "MEDIAN"}, "aggregation"),
        ({"category_options": {"NOPE": ["F"]}}, "category_options"),
        ({"category_options": {"SEX": ["Y15_24"]}}, "category_options"),
        ({"category_options": {"SEX": []}}, "category_options"),
        ({"category_options": {"SEX": "F"}}, "category_options"),
        ({"category_options": ["SEX"]}, "category_options"),
        ({"within_periods": ["2024Q5"]}, "within_periods"),
        ({"within_periods": "2024Q1"}, "within_periods"),
        ({"within_periods": []}, "within_periods"),
    ],
)
def test_bad_new_arguments_name_the_field(
    dataset: Dataset, analytics_store: Any, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidQuery) as info:
        aggregate(data_element_ids=[dataset.sum_de.pk], **H1, **kwargs)
    assert info.value.field == field
    assert info.value.message
