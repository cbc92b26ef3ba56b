"""What a data element feeds above the data layer (the indicators computed from it), so that data entry can
say "this value feeds indicator X". The layers forbid data from importing frameworks, so frameworks
registers its lookup here at start-up (as core.demo and core.reference do)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from amahoro.data.validation import ExpressionError, parse_expression

# codes -> {code: [indicator name, ...]}
Lookup = Callable[[set[str]], dict[str, list[str]]]
_LOOKUPS: list[Lookup] = []


def register_indicator_lookup(lookup: Lookup) -> None:
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def indicators_by_element(codes: Iterable[str]) -> dict[str, list[str]]:
    """The names of the indicators each data element feeds (elements feeding none are left out)."""
    wanted = {c for c in codes if c}
    out: dict[str, list[str]] = {}
    if not wanted:
        return out
    for lookup in _LOOKUPS:
        for code, names in lookup(wanted).items():
            out.setdefault(code, [])
            out[code].extend(n for n in names if n not in out[code])
    return out


def indicators_fed(*, rule_sides: Iterable[str]) -> list[str]:
    """The indicators fed by the data elements a validation rule's sides use."""
    codes: set[str] = set()
    for side in rule_sides:
        try:
            codes |= set(parse_expression(side).data_element_codes)
        except ExpressionError:
            continue
    names: list[str] = []
    for found in indicators_by_element(codes).values():
        names.extend(n for n in found if n not in names)
    return names[:5]
