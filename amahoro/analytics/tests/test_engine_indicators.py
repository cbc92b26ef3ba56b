"""indicator_values(): expressions evaluated after aggregation, per group, exactly as the framework pages'
progress.py computes an indicator (its Formula is the reference here), plus a case worked out by hand."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amahoro.analytics import store
from amahoro.analytics.engine import InvalidQuery, indicator_values
from amahoro.data.models import DataValue, Period
from amahoro.frameworks.progress import Formula, Row, item_values
from amahoro.metadata import expressions
from amahoro.metadata.models import AggregationType, DataElement

from .conftest import Dataset
from .reference import Fact, facts

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
NUMERATOR = "#{AN_SUM.F_Y15_24} + #{AN_SUM2}"
DENOMINATOR = "#{AN_SUM}"


def _row(f: Fact) -> Row:
    return Row(f.de_code, f.coc_code, f.period, f.start, f.end, f.ou, f.path, f.value)


def _quarter(f: Fact) -> str:
    return f"{f.start.year}Q{(f.start.month - 1) // 3 + 1}"


def _expected(formula: Formula, key: Any) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    """group -> (value, numerator, denominator) by progress.py over the facts of each group."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for f in facts(data_element__code__in=formula.data_element_codes):
        k = key(f)
        if k is not None:
            groups.setdefault(k, []).append(_row(f))
    out = {}
    for k, rows in groups.items():
        values = item_values(rows, formula.items, time=formula.time, place=formula.place)
        if all(v is None for v in values.values()):
            continue  # no item has data here (the group's rows are other combos): no group, even NEVER_SKIP
        value = formula.value(rows)
        if value is not None:
            num = formula.numerator.evaluate(values, formula.strategy)
            den = formula.denominator.evaluate(values, formula.strategy)
            assert num is not None and den is not None
            out[k] = (value, num, den)
    return out


def _got(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    return {tuple(r[k] for k in keys): (r["value"], r["numerator"], r["denominator"]) for r in rows}


def _close(got: dict[Any, tuple[float, ...]], expected: dict[Any, tuple[float, ...]]) -> None:
    assert got.keys() == expected.keys()
    for k in expected:
        assert got[k] == pytest.approx(expected[k], rel=1e-9), k


@pytest.mark.parametrize(
    ("time", "place"), list(itertools.product(["sum", "average", "last"], ["sum", "average"]))
)
def test_matches_progress_by_district_and_quarter(
    dataset: Dataset, analytics_store: Any, time: str, place: str
) -> None:
    store.refresh()
    formula = Formula(
        expressions.parse(NUMERATOR),
        expressions.parse(DENOMINATOR),
        100.0,
        expressions.SKIP_IF_ALL_VALUES_MISSING,
        time,
        place,
    )
    rows = indicator_values(
        numerator=NUMERATOR,
        denominator=DENOMINATOR,
        factor=100,
        aggregation_time=time,
        aggregation_place=place,
        group_by=["district", "period:Quarterly"],
        **H1,
    )
    expected = _expected(formula, lambda f: (f.district, _quarter(f)))
    assert expected
    _close(_got(rows, "district", "period:Quarterly"), expected)
    # With "last" over a quarter, a quarterly value and its first month share a start: progress adds them up
    # as one period, and so does the engine (the sums above include both).


def test_by_category_and_filtered_matches_progress(dataset: Dataset, analytics_store: Any) -> None:
    formula = Formula(
        expressions.parse(NUMERATOR), expressions.parse(DENOMINATOR), 1.0, "NEVER_SKIP", "average", "sum"
    )
    rows = indicator_values(
        numerator=NUMERATOR,
        denominator=DENOMINATOR,
        missing_value_strategy="NEVER_SKIP",
        aggregation_time="average",
        group_by=["category:SEX", "period:FinancialJuly"],
        category_options={"AGE": ["Y15_24"]},
        org_unit_paths=["/RW/1/"],
        **H1,
    )

    def key(f: Fact) -> tuple[Any, ...] | None:
        inside = f.options.get("AGE") == "Y15_24" and f.path.startswith("/RW/1/")
        return (f.options["SEX"], "2023July") if inside else None

    expected = _expected(formula, key)
    assert {k[0] for k in expected} == {"F", "M"}
    _close(_got(rows, "category:SEX", "period:FinancialJuly"), expected)


@pytest.mark.parametrize("strategy", expressions.STRATEGIES)
def test_missing_value_strategies_match_progress(
    dataset: Dataset, analytics_store: Any, strategy: str
) -> None:
    # AN_AVG has no values in 2024Q1's quarterly period: the quarter alone gives a group with one side empty.
    numerator, denominator = "#{AN_SUM} + #{AN_AVG}", "#{AN_LAST.M_Y25_49}"
    formula = Formula(
        expressions.parse(numerator), expressions.parse(denominator), 1.0, strategy, "sum", "sum"
    )
    rows = indicator_values(
        numerator=numerator,
        denominator=denominator,
        missing_value_strategy=strategy,
        group_by=["org_unit", "period"],
        **H1,
    )
    _close(_got(rows, "org_unit", "period"), _expected(formula, lambda f: (f.ou_code, f.period)))


def test_a_case_worked_out_by_hand(dataset: Dataset, analytics_store: Any) -> None:
    """Two sectors, two months, two combos; last value over time, average over places."""
    cases = DataElement.objects.create(
        code="IND_CASES", name="cases", category_combo=dataset.combo, aggregation_type=AggregationType.SUM
    )
    pop = DataElement.objects.create(
        code="IND_POP", name="pop", category_combo=dataset.combo, aggregation_type=AggregationType.SUM
    )
    jan, feb = dataset.months[0], dataset.months[1]
    a, b = dataset.sectors[0], dataset.sectors[1]  # both in district 11
    f, m = dataset.cocs[("F", "Y15_24")], dataset.cocs[("M", "Y15_24")]
    posted = [
        (cases, a, jan, f, 2),
        (cases, a, jan, m, 3),  # a, January: 5
        (cases, a, feb, f, 7),  # a, February: 7 (the last)
        (cases, b, jan, m, 4),  # b: only January, 4
        (pop, a, feb, f, 100),
        (pop, b, jan, f, 50),
        (pop, b, feb, m, 30),  # b's last month: 30
    ]
    DataValue.objects.bulk_create(
        DataValue(
            data_element=de,
            org_unit=ou,
            period=p,
            category_option_combo=coc,
            attribute_option_combo=dataset.default_coc,
            value=str(v),
            numeric_value=float(v),
        )
        for de, ou, p, coc, v in posted
    )
    rows = indicator_values(
        numerator="#{IND_CASES}",
        denominator="#{IND_POP}",
        factor=1000,
        aggregation_time="last",
        aggregation_place="average",
        group_by=["district"],
        **H1,
    )
    # Cases: a's last month 7, b's 4, average 5.5. Population: a 100, b 30, average 65.
    assert rows == [
        {"district": "11", "value": pytest.approx(5.5 / 65 * 1000), "numerator": 5.5, "denominator": 65.0}
    ]
    # Summed over time and places, by month: January 5 + 4 = 9 over 50; February 7 over 100 + 30.
    monthly = indicator_values(numerator="#{IND_CASES}", denominator="#{IND_POP}", group_by=["month"], **H1)
    assert [(r["month"], r["numerator"], r["denominator"]) for r in monthly] == [
        ("2024-01", 9.0, 50.0),
        ("2024-02", 7.0, 130.0),
    ]
    # One combo only; a zero denominator gives no row; the F combo of cases over the F combo of pop.
    only_f = indicator_values(
        numerator="#{IND_CASES.F_Y15_24}", denominator="#{IND_POP.F_Y15_24}", group_by=["org_unit"], **H1
    )
    # b has no F cases: its numerator has every item missing, so no row (SKIP_IF_ALL_VALUES_MISSING).
    assert [(r["org_unit"], r["value"]) for r in only_f] == [("1101", 9 / 100)]
    none = indicator_values(
        numerator="#{IND_CASES}", denominator="#{IND_POP} - 130", group_by=["month"], **H1
    )
    assert [r["month"] for r in none] == ["2024-01"]
    # Scope: only sector a.
    only_a = indicator_values(numerator="#{IND_CASES}", org_unit_paths=[a.path], **H1)
    assert only_a == [{"value": 12.0, "numerator": 12.0, "denominator": 1.0}]
    # Roll-up and period filter: February alone.
    feb_only = indicator_values(
        numerator="#{IND_CASES}", within_periods=["202402"], start="2024-02-01", end="2024-02-29"
    )
    assert feb_only[0]["value"] == 7.0


def test_a_value_saved_a_moment_ago_counts(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    before = indicator_values(numerator="#{AN_SUM}", group_by=["period:Yearly"], **H1)
    DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=dataset.sectors[0],
        period=Period.objects.get(code="202403"),
        category_option_combo=dataset.default_coc,
        attribute_option_combo=dataset.default_coc,
        value="1000",
        numeric_value=1000.0,
    )
    after = indicator_values(numerator="#{AN_SUM}", group_by=["period:Yearly"], **H1)
    assert after[0]["value"] == before[0]["value"] + 1000


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"numerator": "#{NOPE}"}, "numerator"),
        ({"numerator": "#{AN_SUM} +"}, "numerator"),
        ({"numerator": "#{AN_SUM.NOPE}"}, "numerator"),
        ({"denominator": "#{NOPE2}"}, "denominator"),
        ({"aggregation_time": "median"}, "aggregation_time"),
        ({"aggregation_place": "last"}, "aggregation_place"),
        ({"missing_value_strategy": "SOMETIMES"}, "missing_value_strategy"),
        ({"factor": "100"}, "factor"),
        ({"group_by": ["data_element"]}, "group_by"),
        ({"group_by": ["period:Fortnightly"]}, "group_by"),
        ({"start": "soon"}, "start"),
        ({"within_periods": ["2024X1"]}, "within_periods"),
    ],
)
def test_bad_arguments_name_the_field(
    dataset: Dataset, analytics_store: Any, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"numerator": "#{AN_SUM}", **H1, **kwargs}
    with pytest.raises(InvalidQuery) as info:
        indicator_values(**args)
    assert info.value.field == field
    bad = next(iter(kwargs.values()))
    if field in ("numerator", "denominator") and "NOPE" in str(bad):
        assert "NOPE" in info.value.message


_GROUPS = {
    "district": lambda f: f.district,
    "org_unit": lambda f: f.ou_code,
    "period": lambda f: f.period,
    "period:Quarterly": _quarter,
    "category:SEX": lambda f: f.options.get("SEX"),
    "month": lambda f: f"{f.start.year}-{f.start.month:02d}",
}


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    numerator=st.sampled_from(["#{AN_SUM}", "#{AN_SUM.M_Y25_49} * 2 + #{AN_LAST}", "#{AN_AVG.F_Y15_24}"]),
    denominator=st.sampled_from(["1", "#{AN_SUM2}", "#{AN_LAST} - #{AN_SUM2.F_Y25_49}"]),
    time=st.sampled_from(["sum", "average", "last"]),
    place=st.sampled_from(["sum", "average"]),
    strategy=st.sampled_from(expressions.STRATEGIES),
    dims=st.lists(st.sampled_from(sorted(_GROUPS)), unique=True, max_size=2),
)
def test_any_indicator_matches_progress(
    dataset: Dataset,
    analytics_store: Any,
    numerator: str,
    denominator: str,
    time: str,
    place: str,
    strategy: str,
    dims: list[str],
) -> None:
    formula = Formula(
        expressions.parse(numerator), expressions.parse(denominator), 10.0, strategy, time, place
    )
    rows = indicator_values(
        numerator=numerator,
        denominator=denominator,
        factor=10,
        missing_value_strategy=strategy,
        aggregation_time=time,
        aggregation_place=place,
        group_by=dims,
        **H1,
    )

    def key(f: Fact) -> tuple[Any, ...] | None:
        k = tuple(_GROUPS[d](f) for d in dims)
        return None if None in k else k

    _close(_got(rows, *dims), _expected(formula, key))
