"""Small-cell suppression for every aggregate that may point at a person: the GBV figures that leave the case
module (docs/cases.md) and the early-warning counts (docs/warning.md). Pure Python, no Django imports.

The rule (documented in docs/cases.md):
1. Primary: any count from 1 to 4 (cells and totals alike) is shown as "<5". Zero is shown as 0.
2. Complementary: a table is a grid of cells with a total per row, a total per column and a grand total.
   Each row (its cells and its total) and each column (its cells and its total), and the row of column
   totals with the grand total, is a line whose entries add up. A line with exactly one hidden entry would
   give it away by subtraction, so a second entry of that line is hidden too, shown as "*": the smallest
   non-zero visible cell (a total only when no cell is left). More generally, a reader who knows this rule
   knows that "<5" is 1 to 4 and "*" is 0 or at least 5; whenever that knowledge and the shown entries
   of a line leave only one possible value for one of its hidden entries, one more entry of the line is
   hidden. This repeats until no line pins any hidden entry.
3. Small totals (see disclosure.py for where the threshold comes from): when the table's grand total, or
   the number of incidents it is about, is from 1 to `min_total - 1`, every entry of the table is hidden as
   "x", zeros included; a column (a month) whose total or incident count is that small is hidden as "x"
   the same way, and rule 2 then hides what would let it be worked out from the row totals.
4. No zero beside a small count: in a line that holds a count from 1 to 4, its zeros are shown as "<5"
   too (so "<5" means 0 to 4 there), so a reader cannot tell which of the line's entries holds the few
   incidents. Such a zero is not protected further: rule 2 may still let a reader work out that it is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

THRESHOLD = 5
PRIMARY = "<5"
COMPLEMENTARY = "*"
SUPPRESSED = "x"  # anything: the table or column rests on too few incidents to show any of it

Pos = tuple[int, int]  # (row, column); row == n_rows is the totals row, column == n_cols the totals column


@dataclass
class Table:
    rows: list[str]
    columns: list[str]
    counts: list[list[int]]
    hidden: dict[Pos, str] = field(default_factory=dict)

    def grid(self) -> list[list[int]]:
        """The counts with a total column and a totals row appended."""
        out = [[*row, sum(row)] for row in self.counts]
        totals = [sum(r[c] for r in out) for c in range(len(self.columns) + 1)]
        return [*out, totals]

    def display(self) -> list[list[int | str]]:
        grid = self.grid()
        return [[self.hidden.get((r, c), value) for c, value in enumerate(row)] for r, row in enumerate(grid)]

    def as_dict(self) -> dict[str, Any]:
        shown = self.display()
        return {
            "columns": [*self.columns, "total"],
            "rows": [{"key": key, "values": shown[i]} for i, key in enumerate([*self.rows, "total"])],
        }


def withheld(table: Table) -> bool:
    """Is the whole table hidden as "x" (rule 3: it rests on too few incidents)?"""
    entries = (len(table.rows) + 1) * (len(table.columns) + 1)
    return len(table.hidden) == entries and all(mark == SUPPRESSED for mark in table.hidden.values())


def _lines(n_rows: int, n_cols: int) -> list[list[Pos]]:
    rows = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    cols = [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]
    return rows + cols


def _smear(bits: int, n: int) -> int:
    """OR of bits << v for v in 0..n-1."""
    if n <= 0:
        return 0
    out, width = bits, 1
    while width * 2 <= n:
        out |= out << width
        width *= 2
    if width < n:
        out |= out << (n - width)
    return out


def _domain(mark: str, top: int, value: int) -> int:
    """What a reader who knows this rule can tell of a hidden entry: "<5" is 1-4 (0-4 for a zero beside a
    small count; modelling the others as 1-4 assumes the reader knows more than they do, which is safe),
    "*" is 0 or 5 and more, "x" anything."""
    if mark == PRIMARY:
        return 0b11110 if value else 0b11111
    if mark == SUPPRESSED:
        return _smear(1, top + 1)
    return 1 | _smear(1 << THRESHOLD, top - THRESHOLD + 1)


def _runs(domain: int) -> list[tuple[int, int]]:
    """The runs of set bits of a domain, as (start, length)."""
    out: list[tuple[int, int]] = []
    while domain:
        start = (domain & -domain).bit_length() - 1
        shifted = domain >> start
        length = ((shifted ^ (shifted + 1)) >> 1).bit_length()  # trailing ones
        out.append((start, length))
        domain &= ~(((1 << length) - 1) << start)
    return out


def _smear_down(bits: int, n: int) -> int:
    """OR of bits >> v for v in 0..n-1."""
    if n <= 0:
        return 0
    out, width = bits, 1
    while width * 2 <= n:
        out |= out >> width
        width *= 2
    if width < n:
        out |= out >> (n - width)
    return out


def _add(reach: int, domain: int, top: int) -> int:
    """The sums reachable by adding one value of `domain` to one of `reach` (capped at top)."""
    out = 0
    for start, length in _runs(domain):
        out |= _smear(reach << start, length)
    return out & ((1 << (top + 1)) - 1)


def _propagate(table: Table, grid: list[list[int]], lines: list[list[Pos]], top: int) -> dict[Pos, int]:
    """What a reader can tell of each hidden entry, tightened line by line until nothing changes: every
    line says its cells add up to its last entry (the total). Sound, so a one-value domain means that the
    entry is given away."""
    doms = {p: _domain(mark, top, grid[p[0]][p[1]]) for p, mark in table.hidden.items()}
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [p for p in line if p in doms]
            if not hidden:
                continue
            total_pos, cells = line[-1], line[:-1]
            shown = sum(grid[r][c] for r, c in cells if (r, c) not in doms)
            hidden_cells = [p for p in cells if p in doms]
            if total_pos in doms:
                targets = doms[total_pos] >> shown
            else:
                targets = 1 << (grid[total_pos[0]][total_pos[1]] - shown)
            for p in hidden_cells:
                reach = 1
                for q in hidden_cells:
                    if q != p:
                        reach = _add(reach, doms[q], top)
                # v is possible when some sum s of the others gives s + v in targets.
                possible = 0
                for start, length in _runs(reach):
                    possible |= _smear_down(targets >> start, length)
                keep = doms[p] & possible
                if keep != doms[p]:
                    doms[p], changed = keep, True
            if total_pos in doms:
                reach = 1
                for q in hidden_cells:
                    reach = _add(reach, doms[q], top)
                keep = doms[total_pos] & ((reach << shown) & ((1 << (top + 1)) - 1))
                if keep != doms[total_pos]:
                    doms[total_pos], changed = keep, True
    return doms


def _small(value: int, minimum: int) -> bool:
    return 0 < value < minimum


def suppress(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    *,
    min_total: int = 0,
    incidents: int | None = None,
    column_incidents: Sequence[int] | None = None,
    forced: dict[Pos, str] | None = None,
) -> Table:
    """Suppress a table (rules in the module docstring). `incidents` and `column_incidents` are the number
    of incidents the table and each column are about, when that differs from its totals (a case can have
    several contexts or services); `forced` are entries hidden already in a table that shares them."""
    table = Table(list(rows), list(columns), [list(r) for r in counts])
    grid = table.grid()
    n_rows, n_cols = len(rows), len(columns)
    if _small(grid[n_rows][n_cols], min_total) or _small(incidents or 0, min_total):
        table.hidden = {(r, c): SUPPRESSED for r in range(n_rows + 1) for c in range(n_cols + 1)}
        return table
    for c in range(n_cols):
        per_column = column_incidents[c] if column_incidents is not None else 0
        if _small(grid[n_rows][c], min_total) or _small(per_column, min_total):
            table.hidden.update({(r, c): SUPPRESSED for r in range(n_rows + 1)})
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if 0 < value < THRESHOLD and (r, c) not in table.hidden:
                table.hidden[(r, c)] = PRIMARY
    lines = _lines(n_rows, n_cols)
    for entries in lines:
        if any(table.hidden.get(p) == PRIMARY and grid[p[0]][p[1]] for p in entries):
            for r, c in entries:
                if grid[r][c] == 0 and (r, c) not in table.hidden:
                    table.hidden[(r, c)] = PRIMARY
    for p, mark in (forced or {}).items():
        table.hidden.setdefault(p, mark)
    top = max(grid[n_rows][n_cols], THRESHOLD)

    def cost(p: Pos) -> tuple[int, int, int]:
        is_total = p[0] == n_rows or p[1] == n_cols
        value = grid[p[0]][p[1]]
        # Prefer non-zero entries (a hidden zero beside a shown total is pinned at once), inner cells, then
        # small ones.
        return (int(value == 0), int(is_total), value)

    while table.hidden:
        doms = _propagate(table, grid, lines, top)
        # A hidden entry is given away when one value is left for it; a zero beside a small count is
        # hidden for looks (rule 4) and not defended further.
        exposed = [
            p
            for p in sorted(table.hidden)
            if doms[p] & (doms[p] - 1) == 0 and not (table.hidden[p] == PRIMARY and grid[p[0]][p[1]] == 0)
        ]
        candidates = [
            q for p in exposed for line in lines if p in line for q in line if q not in table.hidden
        ]
        if exposed and not candidates:
            # Every entry beside it is hidden already: hide the cheapest shown entry anywhere.
            candidates = [
                (r, c) for r in range(n_rows + 1) for c in range(n_cols + 1) if (r, c) not in table.hidden
            ]
        if not candidates:
            break
        ordered = sorted(set(candidates), key=cost)
        choice = ordered[0]
        for q in ordered:
            # The cheapest entry whose hiding frees the first exposed entry, if one does on its own.
            table.hidden[q] = COMPLEMENTARY
            trial = _propagate(table, grid, lines, top)
            del table.hidden[q]
            if trial[exposed[0]] & (trial[exposed[0]] - 1):
                choice = q
                break
        table.hidden[choice] = COMPLEMENTARY
    return table
