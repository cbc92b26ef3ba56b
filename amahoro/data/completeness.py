"""Reporting completeness and timeliness (DHIS2's reporting rate): which data sets each place owes for which
period, which came in, on time or late. (Skeleton: the contract the worklist reads; filled in by issue 15.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from amahoro.policy import Actor


@dataclass(frozen=True)
class DueReport:
    """One report a user is responsible for: data set x place x period, due (not yet late) or late."""

    data_set_code: str
    data_set_name: str
    org_unit_code: str
    org_unit_name: str
    period: str  # DHIS2 period code
    due_on: dt.date
    state: str  # "due" (due date ahead, within the reminder window) or "late"
    link: str  # where to enter it


def due_for(*, user: Actor, today: dt.date | None = None) -> list[DueReport]:
    """Reports due soon or late for the places where `user` enters data (data.enter), oldest first."""
    return []
