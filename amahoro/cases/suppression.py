"""The small-cell suppression rule of the GBV figures, kept importable here: the one implementation is
`amahoro.core.suppression` (the early-warning counts use it too)."""

from amahoro.core.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    SUPPRESSED,
    THRESHOLD,
    Pos,
    Table,
    _lines,
    suppress,
    withheld,
)

__all__ = [
    "COMPLEMENTARY",
    "PRIMARY",
    "SUPPRESSED",
    "THRESHOLD",
    "Pos",
    "Table",
    "_lines",
    "suppress",
    "withheld",
]
