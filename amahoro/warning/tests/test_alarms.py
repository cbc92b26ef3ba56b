"""EARS C1/C2/C3 and Farrington flexible against R's surveillance 1.20.3: the committed reference outputs
(tests/fixtures/make_reference.R) must be reproduced to 1e-6 (EARS) and 1e-4 (Farrington) relative, with
the same alarms, and bad input is refused naming the field."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from amahoro.warning import alarms
from amahoro.warning.alarms import AlarmInputError

FIXTURES = Path(__file__).parent / "fixtures"
TOLERANCE = {"ears": 1e-6, "farrington_flexible": 1e-4}


def _dates(ref: dict[str, Any]) -> list[date]:
    n, start = len(ref["counts"]), ref["start"]
    if ref["frequency"] == 52:
        year, week = (int(part) for part in start.split("W"))
        jan4 = date(year, 1, 4)
        monday = jan4 - timedelta(days=jan4.isoweekday() - 1) + timedelta(weeks=week - 1)
        return [monday + timedelta(weeks=i) for i in range(n)]
    year, month = int(start[:4]), int(start[4:])
    return [date(year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1, 1) for i in range(n)]


def _cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("reference_*.json")):
        ref = json.loads(path.read_text())
        for i, result in enumerate(ref["results"]):
            cases.append(pytest.param(ref, result, id=f"{ref['name']}-{result['method']}-{i}"))
    return cases


def _run(ref: dict[str, Any], result: dict[str, Any]) -> list[alarms.AlarmResult]:
    evaluate = (result["range"][0] - 1, result["range"][1] - 1)
    if result["method"].startswith("ears_"):
        control = result["control"]
        return alarms.ears(
            ref["counts"],
            method=result["method"][-2:].upper(),
            baseline=control["baseline"],
            alpha=control["alpha"],
            evaluate=evaluate,
        )
    params = {k: v for k, v in result["control"].items() if k in alarms.FARRINGTON_DEFAULTS}
    return alarms.farrington_flexible(
        ref["counts"], _dates(ref), frequency=ref["frequency"], params=params, evaluate=evaluate
    )


def test_the_fixtures_cover_the_series_and_methods_the_issue_names() -> None:
    names = {json.loads(p.read_text())["name"] for p in FIXTURES.glob("reference_*.json")}
    assert {"seasonal", "sparse", "trend", "flat", "overdispersed", "monthly"} <= names
    methods = {r["method"] for p in FIXTURES.glob("*.json") for r in json.loads(p.read_text())["results"]}
    assert methods == {"ears_c1", "ears_c2", "ears_c3", "farrington_flexible"}


@pytest.mark.parametrize(("ref", "result"), _cases())
def test_upper_bounds_and_alarms_agree_with_r(ref: dict[str, Any], result: dict[str, Any]) -> None:
    ours = _run(ref, result)
    tolerance = TOLERANCE["ears" if result["method"].startswith("ears_") else "farrington_flexible"]
    assert len(ours) == len(result["upperbound"])
    first = result["range"][0] - 1
    for i, (got, upper, alarm) in enumerate(zip(ours, result["upperbound"], result["alarm"], strict=True)):
        where = f"period {first + i}"
        assert got.index == first + i
        assert got.observed == ref["counts"][first + i]
        if upper is None:
            assert got.upperbound is None, where
        else:
            assert got.upperbound == pytest.approx(upper, rel=tolerance, abs=1e-12), where
        assert got.alarm == alarm, where


def test_the_reference_series_raise_alarms_at_their_outbreaks() -> None:
    ref = json.loads((FIXTURES / "reference_seasonal.json").read_text())
    result = next(r for r in ref["results"] if r["method"] == "farrington_flexible")
    raised = {r.index for r in _run(ref, result) if r.alarm}
    assert {300, 301, 339} & raised  # weeks 301-302 and 340 (1-based) carry added outbreaks


# ---------------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ([1, 2, -1] + [1] * 10, "counts.2"),
        ([1, 2.5] + [1] * 10, "counts.1"),
        ([1, "3"] + [1] * 10, "counts.1"),
        ([True] + [1] * 10, "counts.0"),
        ("12345678901", "counts"),
    ],
)
def test_bad_counts_are_refused_naming_the_index(counts: Any, field: str) -> None:
    with pytest.raises(AlarmInputError) as err:
        alarms.ears(counts)
    assert err.value.field == field


def test_whole_floats_are_counts() -> None:
    assert alarms.ears([1.0] * 8)[0].observed == 1


@pytest.mark.parametrize(("method", "needed"), [("C1", 8), ("C2", 10), ("C3", 12)])
def test_too_short_a_series_names_how_many_periods_are_needed(method: str, needed: int) -> None:
    assert len(alarms.ears([3] * needed, method=method)) == 1
    with pytest.raises(AlarmInputError, match=f"needs {needed} periods") as err:
        alarms.ears([3] * (needed - 1), method=method)
    assert err.value.field == "counts"
    with pytest.raises(AlarmInputError) as err:
        alarms.ears([3] * 20, method=method, evaluate=(needed - 2, 19))
    assert err.value.field == "evaluate"


def test_unknown_method_and_bad_parameters_are_refused() -> None:
    with pytest.raises(AlarmInputError) as err:
        alarms.ears([1] * 20, method="C4")
    assert err.value.field == "method"
    with pytest.raises(AlarmInputError) as err:
        alarms.ears([1] * 20, baseline=2)
    assert err.value.field == "params.baseline"
    dates = [date(2017, 1, 2) + timedelta(weeks=i) for i in range(300)]
    for params, field in [
        ({"b": 0}, "params.b"),
        ({"bb": 3}, "params.bb"),
        ({"limit54": [5]}, "params.limit54"),
        ({"powertrans": "3/4"}, "params.powertrans"),
        ({"thresholdMethod": "muan"}, "params.thresholdMethod"),
        ({"noPeriods": 10}, "params.noPeriods"),
        ({"reweight": "yes"}, "params.reweight"),
    ]:
        with pytest.raises(AlarmInputError) as err:
            alarms.farrington_flexible([1] * 300, dates, params=params)
        assert err.value.field == field, params
    with pytest.raises(AlarmInputError) as err:
        alarms.farrington_flexible([1] * 300, dates, frequency=365)
    assert err.value.field == "frequency"


def test_farrington_needs_b_years_before_the_first_evaluated_week() -> None:
    dates = [date(2017, 1, 2) + timedelta(weeks=i) for i in range(263)]
    with pytest.raises(AlarmInputError, match="needs 5 years") as err:
        alarms.farrington_flexible([4] * 263, dates)
    assert err.value.field == "counts"
    # With b = 3 the same series is long enough.
    out = alarms.farrington_flexible([4] * 263, dates, params={"b": 3})
    assert out[0].index == 52 * 3 + 3 and out[-1].index == 262
