"""Validation rules: `left operator right` over data values, in DHIS2's expression syntax (the evaluator is
amahoro.metadata.expressions: `#{DE}` is the data element's total over its category option combos,
`#{DE.COC}` one combo, with + - * / ^, parentheses and functions), e.g. `#{GBV_CASES.F} + #{GBV_CASES.M}`
== `#{GBV_TOTAL}`. Rules are checked per org unit, period and attribute option combo. Each side follows the
rule's missing-value strategy (as DHIS2 does per side): SKIP_IF_ALL_VALUES_MISSING (default),
SKIP_IF_ANY_VALUE_MISSING, or NEVER_SKIP (a missing value counts as 0); a skipped side, or a division by
zero, skips the rule.
"""

from __future__ import annotations

import operator as op
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from amahoro.data.models import DataValue, ValidationRule
from amahoro.metadata.expressions import Expression, ExpressionError, Item, parse

__all__ = ["ExpressionError", "Violation", "parse_expression", "run_rules"]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: abs(a - b) < 1e-9,
    "!=": lambda a, b: abs(a - b) >= 1e-9,
    "<": op.lt,
    "<=": lambda a, b: a <= b + 1e-9,
    ">": op.gt,
    ">=": lambda a, b: a + 1e-9 >= b,
}


def parse_expression(text: str) -> Expression:
    """A rule side, parsed; ExpressionError names what is wrong and where."""
    return parse(text)


@dataclass(frozen=True)
class Violation:
    rule_code: str
    rule_name: str
    left: float
    operator: str
    right: float
    org_unit: str
    period: str
    attribute_option_combo: str

    @property
    def message(self) -> str:
        return (
            f"{self.rule_name}: {_fmt(self.left)} {self.operator} {_fmt(self.right)} is not true "
            f"(org unit {self.org_unit}, period {self.period})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "validationRule": self.rule_code,
            "name": self.rule_name,
            "leftSideValue": self.left,
            "operator": self.operator,
            "rightSideValue": self.right,
            "orgUnit": self.org_unit,
            "period": self.period,
            "attributeOptionCombo": self.attribute_option_combo,
            "message": self.message,
        }


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass
class _CompiledRule:
    rule: ValidationRule
    left: Expression
    right: Expression


def run_rules(*, rules: Iterable[ValidationRule], values: QuerySet[DataValue]) -> list[Violation]:
    """Check the rules against `values` (a queryset already narrowed to the org units and periods to
    check, and to what the user may see)."""
    compiled = []
    codes: set[str] = set()
    for rule in rules:
        try:
            left, right = parse(rule.left), parse(rule.right)
        except ExpressionError:
            continue  # checked on save; an old broken rule must not stop the others
        compiled.append(_CompiledRule(rule, left, right))
        codes |= set(left.data_element_codes) | set(right.data_element_codes)
    if not compiled:
        return []
    # (org unit, period, aoc) -> {(de, coc): number}
    groups: dict[tuple[str, str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    rows = values.filter(
        data_element__code__in=codes, deleted=False, numeric_value__isnull=False
    ).values_list(
        "org_unit__code",
        "period__code",
        "attribute_option_combo__code",
        "data_element__code",
        "category_option_combo__code",
        "numeric_value",
    )
    for ou, period, aoc, de, coc, number in rows:
        cell = groups[(ou, period, aoc)]
        cell[(de, coc)] = cell.get((de, coc), 0.0) + (number or 0.0)
    violations: list[Violation] = []
    for (ou, period, aoc), cell in sorted(groups.items()):
        totals: dict[str, float] = defaultdict(float)
        for (de, _coc), number in cell.items():
            totals[de] += number

        def lookup(
            item: Item, cell: dict[tuple[str, str], float] = cell, totals: dict[str, float] = totals
        ) -> float | None:
            return totals.get(item.de) if item.coc is None else cell.get((item.de, item.coc))

        for c in compiled:
            strategy = c.rule.missing_value_strategy
            left_value = c.left.evaluate({i: lookup(i) for i in c.left.items}, strategy)
            right_value = c.right.evaluate({i: lookup(i) for i in c.right.items}, strategy)
            if left_value is None or right_value is None:
                continue
            if not _OPERATORS[c.rule.operator](left_value, right_value):
                violations.append(
                    Violation(
                        c.rule.code, c.rule.name, left_value, c.rule.operator, right_value, ou, period, aoc
                    )
                )
    return violations
