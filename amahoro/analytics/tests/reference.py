"""A plain-Python reference for the engine's tests: the posted values read back with the ORM, grouped and
aggregated by hand, so a test compares the engine with an answer computed without it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from amahoro.data.models import DataValue
from amahoro.metadata.models import CategoryOptionCombo


@dataclass(frozen=True)
class Fact:
    de: int
    de_code: str
    ou: int
    ou_code: str
    path: str
    period: str
    start: date
    end: date
    type: str
    coc: int
    coc_code: str
    aoc: int
    options: dict[str, str]  # category code -> option code of the value's option combo
    value: float

    @property
    def district(self) -> str | None:
        parts = self.path.strip("/").split("/")
        return parts[2] if len(parts) > 2 else None


def facts(**filters: Any) -> list[Fact]:
    """Every live numeric value (soft-deleted and text values left out), as the engine should see them."""
    options: dict[int, dict[str, str]] = defaultdict(dict)
    for coc in CategoryOptionCombo.objects.prefetch_related("options__categories", "combo__categories"):
        in_combo = {c.code for c in coc.combo.categories.all()}
        for option in coc.options.all():
            for category in option.categories.all():
                if category.code in in_combo:
                    options[coc.pk][category.code] = option.code
    rows = DataValue.objects.filter(deleted=False, numeric_value__isnull=False, **filters).values_list(
        "data_element_id",
        "data_element__code",
        "org_unit_id",
        "org_unit__code",
        "org_unit__path",
        "period__code",
        "period__start",
        "period__end",
        "period__type",
        "category_option_combo_id",
        "category_option_combo__code",
        "attribute_option_combo_id",
        "numeric_value",
    )
    return [Fact(*row[:12], options=dict(options[row[9]]), value=float(row[12])) for row in rows]


def aggregated(
    rows: Iterable[Fact], kind: str, key: Callable[[Fact], tuple[Any, ...] | None]
) -> dict[tuple[Any, ...], tuple[float, int]]:
    """group key -> (value, count) by DHIS2's meaning of `kind`; facts whose key is None are left out."""
    groups: dict[tuple[Any, ...], list[Fact]] = defaultdict(list)
    for fact in rows:
        k = key(fact)
        if k is not None:
            groups[k].append(fact)
    out: dict[tuple[Any, ...], tuple[float, int]] = {}
    for k, members in groups.items():
        values = [f.value for f in members]
        if kind in ("LAST", "AVERAGE_SUM_ORG_UNIT"):
            cells: dict[tuple[int, int, int, int], list[Fact]] = defaultdict(list)
            for f in members:
                cells[(f.de, f.ou, f.coc, f.aoc)].append(f)
            if kind == "LAST":
                per_cell = [max(c, key=lambda f: f.start).value for c in cells.values()]
            else:
                per_cell = [sum(f.value for f in c) / len(c) for c in cells.values()]
            out[k] = (sum(per_cell), len(per_cell))
        elif kind == "SUM":
            out[k] = (sum(values), len(values))
        elif kind == "AVERAGE":
            out[k] = (sum(values) / len(values), len(values))
        elif kind == "COUNT":
            out[k] = (float(len(values)), len(values))
        elif kind == "MIN":
            out[k] = (min(values), len(values))
        elif kind == "MAX":
            out[k] = (max(values), len(values))
        else:  # pragma: no cover
            raise AssertionError(kind)
    return out


def as_map(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], tuple[float, int]]:
    return {tuple(r[k] for k in keys): (r["value"], r["count"]) for r in rows}


def approx_equal(got: dict[Any, tuple[float, int]], expected: dict[Any, tuple[float, int]]) -> bool:
    return got.keys() == expected.keys() and all(
        abs(got[k][0] - expected[k][0]) <= 1e-9 * max(1.0, abs(expected[k][0]))
        and got[k][1] == expected[k][1]
        for k in expected
    )
