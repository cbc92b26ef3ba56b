"""How progress is computed, in pure Python (the selectors feed it rows read through the policy).

Value of an indicator over a place and a period: each item of its numerator and denominator (`#{DE}`,
`#{DE.COC}`) is summed over the matching option combos per org unit and period, aggregated over time per
org unit (the indicator's `aggregation_time`: sum, average of the periods with data, or the last period
with data), then over places (`aggregation_place`: sum, or average of the org units with data). Then
value = numerator / denominator x factor; the missing value strategy may skip either side, and a zero
denominator gives no value.

Achievement: actual / target when higher is better; target / actual when lower is better (an actual of 0
fully achieves a lower-is-better target). For a period still running, an indicator summed over time is
compared with the pro-rata share of its target (`expected`), so "on track" means "on pace".

Status: with a target band (lower/upper) an actual inside the band is on track; otherwise achievement at
or above the indicator's `on_track_threshold` (default 0.9) is on track, at or above `at_risk_threshold`
(default 0.7) at risk, below that off track. No value: `no_data`; no target: `no_target`.

Roll-up through the tree: a node's status is the WORST status among its indicators and child nodes that
have one (a pillar is on track only when everything under it is), ignoring no_data / no_target; its
score (the progress bar) is the average of their achievements, each capped at 100%.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from amahoro.metadata import expressions
from amahoro.metadata.expressions import Item


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


STATUS_LABELS = {
    Status.ON_TRACK: _("On track"),
    Status.AT_RISK: _("At risk"),
    Status.OFF_TRACK: _("Off track"),
    Status.NO_DATA: _("No data"),
    Status.NO_TARGET: _("No target"),
}
# Worse is larger; statuses without a rank do not take part in a roll-up.
SEVERITY = {Status.ON_TRACK: 0, Status.AT_RISK: 1, Status.OFF_TRACK: 2}


@dataclass(frozen=True)
class Row:
    """One aggregated value: a data element and option combo at an org unit for a period."""

    de: str
    coc: str
    period: str
    period_start: dt.date
    period_end: dt.date
    org_unit_id: int
    org_unit_path: str
    value: float


@dataclass(frozen=True)
class TargetValue:
    value: float
    lower: float | None = None
    upper: float | None = None


def _aggregate(values: Sequence[float], how: str) -> float:
    if how == "average":
        return sum(values) / len(values)
    return sum(values)


def item_values(
    rows: Iterable[Row], items: Iterable[Item], *, time: str, place: str
) -> dict[Item, float | None]:
    """Each item's value over all `rows` (see the module docstring)."""
    wanted = list(items)
    # item -> org unit -> period start -> sum
    cells: dict[Item, dict[int, dict[dt.date, float]]] = {
        i: defaultdict(lambda: defaultdict(float)) for i in wanted
    }
    by_de: dict[str, list[Item]] = defaultdict(list)
    for i in wanted:
        by_de[i.de].append(i)
    for row in rows:
        for i in by_de.get(row.de, ()):
            if i.coc is None or i.coc == row.coc:
                cells[i][row.org_unit_id][row.period_start] += row.value
    out: dict[Item, float | None] = {}
    for i in wanted:
        per_unit: list[float] = []
        for periods in cells[i].values():
            if not periods:
                continue
            if time == "last":
                per_unit.append(periods[max(periods)])
            else:
                per_unit.append(_aggregate(list(periods.values()), time))
        out[i] = _aggregate(per_unit, place) if per_unit else None
    return out


@dataclass(frozen=True)
class Formula:
    numerator: expressions.Expression
    denominator: expressions.Expression
    factor: float
    strategy: str
    time: str
    place: str

    @property
    def items(self) -> list[Item]:
        return list(dict.fromkeys([*self.numerator.items, *self.denominator.items]))

    @property
    def data_element_codes(self) -> list[str]:
        return list(dict.fromkeys(i.de for i in self.items))

    def value(self, rows: Iterable[Row]) -> float | None:
        values = item_values(rows, self.items, time=self.time, place=self.place)
        num = self.numerator.evaluate(values, self.strategy)
        den = self.denominator.evaluate(values, self.strategy)
        if num is None or den is None or den == 0:
            return None
        return num / den * self.factor


def formula_of(indicator: Any) -> Formula:
    """The indicator's compiled formula (its expressions were checked when saved)."""
    return Formula(
        numerator=expressions.parse(indicator.numerator),
        denominator=expressions.parse(indicator.denominator or "1"),
        factor=indicator.factor,
        strategy=indicator.missing_value_strategy,
        time=indicator.aggregation_time,
        place=indicator.aggregation_place,
    )


def combine_targets(targets: Sequence[TargetValue], time: str) -> TargetValue | None:
    """Several targets inside the asked period (e.g. yearly targets over a plan) as one."""
    if not targets:
        return None
    if time == "last":
        return targets[-1]

    def combine(values: list[float | None]) -> float | None:
        if any(v is None for v in values):
            return None
        present = [v for v in values if v is not None]
        return _aggregate(present, time)

    value = combine([t.value for t in targets])
    assert value is not None
    return TargetValue(value, combine([t.lower for t in targets]), combine([t.upper for t in targets]))


def achievement(actual: float, target: float, direction: str) -> float:
    if direction == "lower":
        if actual <= 0:
            return 1.0 if target >= actual else 0.0
        return max(target, 0.0) / actual
    if target <= 0:
        return 1.0 if actual >= target else 0.0
    return actual / target


def status_of(
    actual: float | None,
    target: TargetValue | None,
    *,
    direction: str,
    on_track: float,
    at_risk: float,
    expected: float | None = None,
) -> tuple[Status, float | None]:
    """(status, achievement) of an actual value against a target (or its pro-rata `expected` value)."""
    if actual is None:
        return Status.NO_DATA, None
    if target is None:
        return Status.NO_TARGET, None
    goal = expected if expected is not None else target.value
    ratio = achievement(actual, goal, direction)
    if (target.lower is not None or target.upper is not None) and expected is None:
        inside = (target.lower is None or actual >= target.lower) and (
            target.upper is None or actual <= target.upper
        )
        if inside:
            return Status.ON_TRACK, ratio
        return (Status.AT_RISK if ratio >= at_risk else Status.OFF_TRACK), ratio
    if ratio >= on_track:
        return Status.ON_TRACK, ratio
    if ratio >= at_risk:
        return Status.AT_RISK, ratio
    return Status.OFF_TRACK, ratio


def expected_share(start: dt.date, end: dt.date, today: dt.date) -> float | None:
    """The elapsed share of a period still running (None when it has ended or not begun)."""
    if not start <= today < end:
        return None
    return ((today - start).days + 1) / ((end - start).days + 1)


@dataclass
class Rollup:
    status: Status
    score: float | None
    counts: dict[str, int] = field(default_factory=dict)


def roll_up(parts: Iterable[tuple[Status, float | None]]) -> Rollup:
    """A node's status (the worst ranked status of its parts) and score (average capped achievement)."""
    counts: dict[str, int] = defaultdict(int)
    ranked: list[Status] = []
    scores: list[float] = []
    for status, score in parts:
        counts[status.value] += 1
        if status in SEVERITY:
            ranked.append(status)
            if score is not None:
                scores.append(min(max(score, 0.0), 1.0))
    if not ranked:
        status = Status.NO_TARGET if counts.get(Status.NO_TARGET.value) else Status.NO_DATA
        return Rollup(status, None, dict(counts))
    worst = max(ranked, key=lambda s: SEVERITY[s])
    return Rollup(worst, sum(scores) / len(scores) if scores else None, dict(counts))
