"""Small-cell suppression: counts 1-4 hidden, and no hidden count recoverable from the totals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amahoro.cases.suppression import COMPLEMENTARY, PRIMARY, SUPPRESSED, _lines, suppress


def test_small_counts_are_shown_as_less_than_5() -> None:
    t = suppress(["a", "b"], ["m1"], [[3], [10]])
    shown = t.display()
    assert shown[0][0] == PRIMARY
    assert shown[0][1] == PRIMARY  # the row total is 3 too
    assert 3 not in [v for row in shown for v in row]


def test_zero_and_large_counts_are_shown() -> None:
    t = suppress(["a", "b"], ["m1", "m2"], [[0, 12], [7, 9]])
    assert t.display() == [[0, 12, 12], [7, 9, 16], [7, 21, 28]]


def test_a_lone_small_cell_gets_a_complementary_partner_in_its_row_and_column() -> None:
    # Without a partner, 'a' in m1 would be 20 - 10 - 7 = 3.
    t = suppress(["a", "b", "c"], ["m1", "m2"], [[3, 8], [10, 6], [7, 9]])
    shown = t.display()
    assert shown[0][0] == PRIMARY
    for line in _lines(3, 2):
        hidden = [p for p in line if p in t.hidden]
        assert len(hidden) != 1
    assert COMPLEMENTARY in [v for row in shown for v in row]


def _solutions(t, limit: int) -> list[dict]:
    """Every assignment of the hidden entries consistent with what is shown (brute force, small tables)."""
    grid = t.grid()
    n_rows, n_cols = len(t.rows), len(t.columns)
    hidden = sorted(t.hidden)
    # A reader who knows the rule knows that '*' is 0 or at least 5, and '<5' 1 to 4 (0 to 4 for the zeros
    # shown as '<5' beside a small count; assuming the reader can tell them apart makes this check stricter).
    ranges = [
        (range(1, 5) if grid[p[0]][p[1]] else range(0, 5))
        if t.hidden[p] == PRIMARY
        else [0, *range(5, limit + 1)]
        for p in hidden
    ]
    out = []
    for values in itertools.product(*ranges):
        trial = [row[:] for row in grid]
        for p, v in zip(hidden, values, strict=True):
            trial[p[0]][p[1]] = v
        ok = all(sum(trial[r][:n_cols]) == trial[r][n_cols] for r in range(n_rows + 1)) and all(
            sum(trial[r][c] for r in range(n_rows)) == trial[n_rows][c] for c in range(n_cols + 1)
        )
        if ok:
            out.append(dict(zip(hidden, values, strict=True)))
    return out


def _zero_beside_small(t, p) -> bool:
    """A zero shown as '<5' beside a small count: hidden for looks, not defended (documented)."""
    return t.hidden[p] == PRIMARY and t.grid()[p[0]][p[1]] == 0


def _check_line(t, line) -> None:
    """No line has exactly one hidden entry, unless it is a zero beside a small count."""
    hidden = [p for p in line if p in t.hidden]
    assert len(hidden) != 1 or _zero_beside_small(t, hidden[0])


def test_no_suppressed_cell_can_be_derived_from_totals() -> None:
    t = suppress(["a", "b", "c"], ["m1", "m2"], [[3, 8], [10, 6], [7, 9]])
    solutions = _solutions(t, limit=20)
    assert solutions, "the true table is a solution"
    for p in t.hidden:
        assert len({s[p] for s in solutions}) >= 2, f"cell {p} is determined by the totals"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=2), min_size=2, max_size=3))
def test_random_small_tables_never_reveal_a_hidden_cell(counts: list[list[int]]) -> None:
    rows = [f"r{i}" for i in range(len(counts))]
    t = suppress(rows, ["m1", "m2"], counts)
    for line in _lines(len(rows), 2):
        _check_line(t, line)
    for r, row in enumerate(t.grid()):
        for c, value in enumerate(row):
            if 0 < value < 5:
                assert t.hidden.get((r, c)) == PRIMARY
    if 0 < len(t.hidden) <= 5:
        limit = max(max(row) for row in t.grid())
        solutions = _solutions(t, limit=limit)
        for p in t.hidden:
            if not _zero_beside_small(t, p):
                assert len({s[p] for s in solutions}) >= 2


@settings(deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 50), min_size=1, max_size=6), min_size=1, max_size=8).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    )
)
def test_every_line_has_zero_or_several_hidden_entries(counts: list[list[int]]) -> None:
    cols = [f"m{i}" for i in range(len(counts[0]))]
    t = suppress([f"r{i}" for i in range(len(counts))], cols, counts)
    for line in _lines(len(counts), len(cols)):
        _check_line(t, line)


def test_a_three_year_table_is_suppressed_consistently() -> None:
    # A realistic size (12 districts x 36 months); its speed is measured in bench/, not asserted here.
    import random

    rng = random.Random(5)
    counts = [[rng.choice([0, 0, 1, 2, 3, rng.randint(0, 2000)]) for _ in range(36)] for _ in range(12)]
    t = suppress([f"r{i}" for i in range(12)], [f"m{j}" for j in range(36)], counts)
    assert all((i, j) in t.hidden for i in range(12) for j in range(36) if 1 <= counts[i][j] <= 4)
    for line in _lines(12, 36):
        assert len([p for p in line if p in t.hidden]) != 1


def test_a_single_column_whose_other_entries_are_all_hidden_hides_one_more_anywhere() -> None:
    # [[5], [1]]: the 1 and its row total are hidden, the column's other entries too; the search then hides
    # the cheapest shown entry anywhere so that no hidden value follows from the totals.
    t = suppress(["a", "b"], ["m1"], [[5], [1]])
    for line in _lines(2, 1):
        _check_line(t, line)
    assert t.hidden[(1, 0)] == PRIMARY


@pytest.mark.parametrize("budget", [0, 1, 2, 3])
def test_a_search_over_its_budget_withholds_the_whole_table(monkeypatch, budget: int) -> None:  # type: ignore[no-untyped-def]
    # The work is bounded, never the protection: out of budget, every entry is hidden as "x".
    from amahoro.core import suppression

    monkeypatch.setattr(suppression, "MAX_PROPAGATIONS", budget)
    t = suppress(["a", "b", "c"], ["m1", "m2"], [[3, 8], [10, 6], [7, 9]])
    assert set(t.hidden.values()) == {SUPPRESSED} and len(t.hidden) == 12


def test_a_year_of_months_mostly_hidden_as_x_is_suppressed_without_defending_zeros() -> None:
    # The shape that hung issue 17's year of GBV statistics: twelve months, most about too few incidents
    # (hidden whole as "x"), rows mostly zero. Every line still has zero or several hidden entries.
    counts = [[0] * 12 for _ in range(6)]
    for month, row in ((1, 0), (3, 0), (3, 1), (6, 2), (8, 0), (8, 3), (10, 4), (11, 0)):
        counts[row][month] += 1
    counts[0][11] += 6
    t = suppress([f"r{i}" for i in range(6)], [f"m{j}" for j in range(12)], counts, min_total=5)
    for line in _lines(6, 12):
        _check_line(t, line)
    assert all((r, c) in t.hidden for r in range(6) for c in range(12) if 1 <= counts[r][c] <= 4)
