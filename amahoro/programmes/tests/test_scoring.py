"""Scoring: the GEM scale's published coding (inequitable items agree 1 .. do not agree 3, equitable items
reversed, total 24-72, bands), another scale with a different item count and coding, and bad answers."""

from __future__ import annotations

import pytest

from amahoro.core.errors import ValidationFailed
from amahoro.programmes import scoring

GEM = scoring.gem_definition()
INEQ = [i.code for i in GEM.items if i.subscale == "inequitable"]
EQ = [i.code for i in GEM.items if i.subscale == "equitable"]


def test_gem_has_17_inequitable_and_7_reverse_scored_equitable_items() -> None:
    assert len(GEM.items) == 24 and len(INEQ) == 17 and len(EQ) == 7
    assert (GEM.min_total, GEM.max_total) == (24, 72)
    first_eq = next(i for i in GEM.items if i.subscale == "equitable")
    assert first_eq.scores == {"agree": 3, "partially_agree": 2, "do_not_agree": 1}


def test_most_equitable_answers_score_72_high() -> None:
    answers = dict.fromkeys(INEQ, "do_not_agree") | dict.fromkeys(EQ, "agree")
    s = scoring.score(GEM, answers)
    assert s.as_dict() == {"total": 72, "subscales": {"inequitable": 51, "equitable": 21}, "band": "high"}


def test_least_equitable_answers_score_24_low() -> None:
    answers = dict.fromkeys(INEQ, "agree") | dict.fromkeys(EQ, "do_not_agree")
    assert scoring.score(GEM, answers).as_dict() == {
        "total": 24,
        "subscales": {"inequitable": 17, "equitable": 7},
        "band": "low",
    }


def test_all_partially_agree_is_48_moderate_and_band_edges() -> None:
    s = scoring.score(GEM, dict.fromkeys(INEQ + EQ, "partially_agree"))
    assert (s.total, s.band) == (48, "moderate")
    assert scoring.band_of(40, GEM.bands) == "low"
    assert scoring.band_of(41, GEM.bands) == "moderate"
    assert scoring.band_of(56, GEM.bands) == "moderate"
    assert scoring.band_of(57, GEM.bands) == "high"


def test_reverse_item_moves_total_the_other_way() -> None:
    base = dict.fromkeys(INEQ + EQ, "partially_agree")
    assert scoring.score(GEM, base | {INEQ[0]: "agree"}).total == 47
    assert scoring.score(GEM, base | {EQ[0]: "agree"}).total == 49


def test_missing_answer_names_the_item() -> None:
    answers = dict.fromkeys(INEQ + EQ, "agree")
    del answers["GEM05"]
    with pytest.raises(ValidationFailed) as exc:
        scoring.score(GEM, answers)
    assert exc.value.field == "responses.GEM05" and "GEM05" in exc.value.message


def test_unknown_item_and_bad_option_name_the_item() -> None:
    answers = dict.fromkeys(INEQ + EQ, "agree")
    with pytest.raises(ValidationFailed) as exc:
        scoring.score(GEM, answers | {"GEM99": "agree"})
    assert exc.value.field == "responses.GEM99"
    with pytest.raises(ValidationFailed) as exc:
        scoring.score(GEM, answers | {"GEM03": "strongly agree"})
    assert exc.value.field == "responses.GEM03" and "strongly agree" in exc.value.message


BINARY = {
    "code": "GEM-B3",
    "name": "Three-item binary",
    "items": [
        {"code": "a", "text": "A", "subscale": "violence", "scores": {"yes": 0, "no": 1}},
        {"code": "b", "text": "B", "subscale": "violence", "scores": {"yes": 0, "no": 1}},
        {"code": "c", "text": "C", "scores": {"yes": 1, "no": 0}},
    ],
    "bands": [{"name": "low", "min": 0, "max": 1}, {"name": "high", "min": 2, "max": 3}],
}


def test_other_scale_with_binary_coding_scores_correctly() -> None:
    d = scoring.parse_definition(BINARY)
    assert scoring.score(d, {"a": "no", "b": "yes", "c": "yes"}).as_dict() == {
        "total": 2,
        "subscales": {"violence": 1},
        "band": "high",
    }
    assert scoring.score(d, {"a": "yes", "b": "yes", "c": "no"}).band == "low"


def test_tolerated_missing_answers_are_prorated() -> None:
    d = scoring.parse_definition(BINARY | {"max_missing": 1})
    s = scoring.score(d, {"a": "no", "b": "no"})
    assert s.total == 3.0 and s.missing == ["c"] and s.subscales == {"violence": 2}
    with pytest.raises(ValidationFailed) as exc:
        scoring.score(d, {"a": "no"})
    assert exc.value.field == "responses.b"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"code": "bad code!"}, "code"),
        ({"items": [{"code": "a", "text": "A", "scores": {}}]}, "items.0.scores"),
        ({"items": [{"code": "a", "text": "A", "scores": {"yes": "one"}}]}, "items.0.scores.yes"),
        ({"bands": [{"name": "x", "min": 0, "max": 2}, {"name": "y", "min": 2, "max": 3}]}, "bands"),
        ({"bands": [{"name": "x", "min": 3, "max": 2}]}, "bands.0.min"),
        ({"max_missing": 3}, "max_missing"),
    ],
)
def test_bad_definitions_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        scoring.parse_definition(BINARY | change)
    assert exc.value.field == field
