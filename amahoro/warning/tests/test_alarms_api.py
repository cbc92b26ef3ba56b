"""POST /api/v1/ewer/detect: the alarms of the methods over counts named by DHIS2 periods, for any signed-in
user with signal.view or data.view; every bad input a 400 naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error
from conftest import make_user

URL = "/api/v1/ewer/detect"
FIXTURES = Path(__file__).parent / "fixtures"
WEEKS = {"method": "ears_c1", "frequency": 52, "start": "2024W1", "counts": [3, 4, 2, 5, 3, 4, 3, 4, 12]}


def post(user: Any, body: Any) -> Any:
    return api_as(user).post(URL, body, format="json")


def test_ears_c1_over_weeks_names_each_evaluated_period(cast: Any) -> None:
    response = post(cast.viewer_nyarugenge, WEEKS)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["period"] for r in results] == ["2024W8", "2024W9"]  # C1 needs the 7 weeks before
    result = results[1]
    assert result["period"] == "2024W9" and result["observed"] == 12 and result["alarm"] is True
    # mean and sd of the 7 weeks before (4 2 5 3 4 3 4) + qnorm(0.999) sd, as earsC gives it
    assert result["upperbound"] == pytest.approx(25 / 7 + 3.090232306 * 0.9759000729, rel=1e-6)


def test_an_ewer_focal_point_may_detect_and_anonymous_or_roleless_may_not(cast: Any) -> None:
    focal = make_user("focal", ("ewer_focal_point", cast.ngo, "11"))
    assert post(focal, WEEKS).status_code == 200
    assert_error(post(None, WEEKS), 401)
    assert_error(post(cast.nobody, WEEKS), 403)


@pytest.mark.parametrize("name", ["seasonal", "monthly"])
def test_farrington_through_the_api_gives_r_s_bounds(cast: Any, name: str) -> None:
    ref = json.loads((FIXTURES / f"reference_{name}.json").read_text())
    result = next(r for r in ref["results"] if r["method"] == "farrington_flexible")
    params = {k: v for k, v in result["control"].items() if k in ("w",)}
    start, (lo, hi) = ref["start"], result["range"]
    body = {
        "method": "farrington_flexible",
        "frequency": ref["frequency"],
        "start": start,
        "counts": ref["counts"],
        "params": params,
    }
    response = post(cast.viewer_nyarugenge, body)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == hi - lo + 1
    for got, upper, alarm in zip(results, result["upperbound"], result["alarm"], strict=True):
        assert got["alarm"] == alarm
        assert (got["upperbound"] is None) == (upper is None)
        if upper is not None:
            assert got["upperbound"] == pytest.approx(upper, rel=1e-4)
    if name == "seasonal":
        assert results[0]["period"] == "2022W3"  # index 263 from 2017W1 (2020 has 53 weeks)


def test_evaluate_picks_the_periods(cast: Any) -> None:
    body = {**WEEKS, "counts": WEEKS["counts"] + [4, 5], "evaluate": {"from": "2024W10", "to": "2024W11"}}
    response = post(cast.viewer_nyarugenge, body)
    assert [r["period"] for r in response.json()["results"]] == ["2024W10", "2024W11"]
    monthly = {**WEEKS, "method": "ears_c2", "frequency": 12, "start": "202311", "counts": [5] * 12}
    response = post(cast.viewer_nyarugenge, {**monthly, "evaluate": {"from": "202410", "to": "202410"}})
    assert response.json()["results"] == [
        {"period": "202410", "observed": 5, "upperbound": 5.0, "alarm": False}
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"counts": [1, 2, -3, 4, 5, 6, 7, 8, 9]}, "counts.2"),
        ({"counts": [1, 2, 3, 4.5, 5, 6, 7, 8, 9]}, "counts.3"),
        ({"counts": [1, 2, 3]}, "counts"),
        ({"counts": []}, "counts"),
        ({"counts": [1] * 2001}, "counts"),
        ({"method": "cusum"}, "method"),
        ({"frequency": 365}, "frequency"),
        ({"start": "2024W60"}, "start"),
        ({"start": "202401"}, "start"),
        ({"params": {"baseline": 2}}, "params.baseline"),
        ({"params": {"b": 5}}, "params.b"),
        ({"evaluate": {"from": "2024W2", "to": "2024W9"}}, "evaluate"),
        ({"evaluate": {"from": "2024W9", "to": "2024W12"}}, "evaluate.to"),
        ({"evaluate": {"from": "2024W9", "to": "2024W8"}}, "evaluate"),
        ({"evaluate": {"from": "2024W9"}}, "evaluate.to"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(cast: Any, change: dict[str, Any], field: str) -> None:
    assert_error(post(cast.viewer_nyarugenge, {**WEEKS, **change}), 400, field)


def test_farrington_too_short_says_how_much_is_needed(cast: Any) -> None:
    body = {**WEEKS, "method": "farrington_flexible", "counts": [3] * 200}
    body_ = assert_error(post(cast.viewer_nyarugenge, body), 400, "counts")
    assert "5 years" in body_["error"]
    bad = assert_error(post(cast.viewer_nyarugenge, {**body, "params": {"limit54": [5]}}), 400)
    assert bad["field"] == "params.limit54"


def test_the_operation_is_typed_in_the_schema(cast: Any) -> None:
    schema = api_as(cast.viewer_nyarugenge).get("/api/v1/openapi.json").json()
    op = schema["paths"][URL]["post"]
    assert op["operationId"] == "ewer_detect"
    assert {"200", "400", "401", "403"} <= set(op["responses"])
    body = schema["components"]["schemas"]["DetectInput"]
    assert {"method", "frequency", "start", "counts"} <= set(body["required"])
    assert set(schema["components"]["schemas"]["EvaluateInput"]["properties"]) == {"from", "to"}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"noPeriods": 10}, "params.noPeriods", "only noPeriods = 1"),
        ({"thresholdMethod": "Noufaily"}, "params.thresholdMethod", 'only thresholdMethod "delta"'),
        ({"populationOffset": True}, "params.populationOffset", "populationOffset is not supported"),
        ({"fitFun": "algo.farrington.fitGLM.fast"}, "params.fitFun", "unknown parameter 'fitFun'"),
        ({"glmWarnings": False}, "params.glmWarnings", "unknown parameter 'glmWarnings'"),
        ({"range": [1, 2]}, "params.range", "unknown parameter 'range'"),
    ],
)
def test_unsupported_farrington_options_are_a_400_naming_the_option(
    cast: Any, params: dict[str, Any], field: str, words: str
) -> None:
    body = {**WEEKS, "method": "farrington_flexible", "counts": [3] * 400, "params": params}
    answer = assert_error(post(cast.viewer_nyarugenge, body), 400, field)
    assert words in answer["error"]
