"""The expression parser and evaluator: DHIS2's documented examples, precedence, missing values, and
errors that name the position."""

from __future__ import annotations

import pytest

from amahoro.metadata.expressions import (
    NEVER_SKIP,
    SKIP_IF_ALL_VALUES_MISSING,
    SKIP_IF_ANY_VALUE_MISSING,
    ExpressionError,
    Item,
    evaluate,
    parse,
)

# Items of DHIS2's documentation (uids used as codes).
A = Item("P3jJH5Tu5VC", "S34ULMcHMca")
B = Item("FQ2o8UBlcrS", "S34ULMcHMca")
B_TOTAL = Item("FQ2o8UBlcrS")


def test_dhis2_documented_item_forms() -> None:
    expr = parse("#{P3jJH5Tu5VC.S34ULMcHMca} + #{FQ2o8UBlcrS}")
    assert expr.items == (A, B_TOTAL)
    assert parse("#{FQ2o8UBlcrS.*}").items == (B_TOTAL,)  # wildcard option combo = the total
    assert expr.data_element_codes == ["P3jJH5Tu5VC", "FQ2o8UBlcrS"]


def test_dhis2_documented_arithmetic_example() -> None:
    # ( 2 * #{P3jJH5Tu5VC.S34ULMcHMca} ) / ( #{FQ2o8UBlcrS.S34ULMcHMca} - 200 ) * 25
    text = "( 2 * #{P3jJH5Tu5VC.S34ULMcHMca} ) / ( #{FQ2o8UBlcrS.S34ULMcHMca} - 200 ) * 25"
    assert evaluate(text, {A: 100, B: 300}) == pytest.approx(2 * 100 / 100 * 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ^ 3 ^ 2", 512),  # right-associative
        ("-2 ^ 2", -4),  # ^ binds tighter than unary minus (DHIS2 grammar)
        ("10 / 4", 2.5),
        ("7 - 2 - 1", 4),
        ("1.5e2", 150),
        (".5 + .5", 1),
        ("if(1 > 2, 10, 20)", 20),
        ("if(2 >= 2 && 1 != 2, 1, 0)", 1),
        ("if(1 == 2 || !(3 < 2), 5, 6)", 5),
        ("if(1 == 1 and not false, 1, 0)", 1),
        ("greatest(1, 5, 3) + least(4, 2)", 7),
        ("firstNonNull(#{X}, 7)", 7),
    ],
)
def test_arithmetic_logic_and_functions(text: str, expected: float) -> None:
    assert evaluate(text, {}) == pytest.approx(expected)


def test_if_and_isnull_documented_examples() -> None:
    # DHIS2: if(isNull(#{A}), 0, #{A}) replaces a missing value; if(#{A} > 0, 1, 0) flags.
    assert evaluate("if(isNull(#{FbKK4ofIv5R}), 0, #{FbKK4ofIv5R})", {}) == 0
    assert evaluate("if(isNull(#{FbKK4ofIv5R}), 0, #{FbKK4ofIv5R})", {Item("FbKK4ofIv5R"): 4}) == 4
    assert evaluate("if(#{uF1DLnZNlWe} > 0, 1, 0)", {Item("uF1DLnZNlWe"): 3}) == 1
    assert evaluate("isNotNull(#{A})", {Item("A"): 0}) == 1


def test_missing_value_strategies() -> None:
    expr = parse("#{GBV.F} + #{GBV.M}")
    female = Item("GBV", "F")
    half = {female: 3.0}
    assert expr.evaluate(half, NEVER_SKIP) == 3
    assert expr.evaluate(half, SKIP_IF_ALL_VALUES_MISSING) == 3
    assert expr.evaluate(half, SKIP_IF_ANY_VALUE_MISSING) is None
    assert expr.evaluate({}, SKIP_IF_ALL_VALUES_MISSING) is None
    assert expr.evaluate({}, NEVER_SKIP) == 0
    assert parse("5").evaluate({}, SKIP_IF_ANY_VALUE_MISSING) == 5  # no items: never skipped


def test_division_by_zero_has_no_value() -> None:
    assert evaluate("#{A} / #{B}", {Item("A"): 1, Item("B"): 0}) is None
    assert evaluate("0 ^ -1", {}) is None


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("1 +", "unexpected end of expression", 4),
        ("(1 + 2", "expected ')'", 7),
        ("1 + 2)", "unexpected ')'", 6),
        ("#{A} $ 2", "unexpected character '$'", 6),
        ("#{A", "unclosed '#{'", 1),
        ("2 * #{}", "empty data element code", 5),
        ("#{A.B.C}", "attribute option combos are not supported", 1),
        ("iff(1, 2, 3)", "unknown function 'iff'", 1),
        ("IsNull(#{A})", "did you mean 'isNull'", 1),
        ("if(1, 2)", "if() takes 3 argument(s), got 2", 1),
        ("isNull(1)", "isNull() takes a #{...} item", 1),
        ("C{abc} + 1", "unsupported item 'C{...}'", 1),
        ("", "empty expression", 1),
        ("1 2", "unexpected '2'", 3),
    ],
)
def test_errors_name_the_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in info.value.message
    assert info.value.position == position
    assert f"at position {position}" in str(info.value)


def test_no_eval_and_bounded() -> None:
    with pytest.raises(ExpressionError):
        parse("__import__('os')")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 200 + "1" + ")" * 200)
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1+" * 1500 + "1")
