"""The PEP and emergency-contraception countdowns of a rape case: when each window closes, how long is left,
and whether the medicine was given. Pure functions over dates and times (only `for_incident` reads a case's
health services), so the case page, the API, the worklist and the tests read one clock.

The rules, and why:

- The clock starts at `incident_date` + `incident_time`, Africa/Kigali local time. When the time is unknown it
  starts at 00:00 of that day: the earliest moment the incident could have happened, so the deadline shown is
  never later than the real one (a worker is warned too early rather than too late).
- The window (`services.windows()`: 72 h for PEP, 120 h for EC, settings CASES_PEP_WINDOW_HOURS and
  CASES_EC_WINDOW_HOURS) is *strictly less than* that many hours after the start: at 71 h 59 min one minute is
  left; at exactly 72 h 00 min the window has passed. The 72nd hour is inside; the instant that ends it is not.
- `classification.within_hours` (the statistics' "PEP within 72 h") judges a recorded *date*, which has no
  time: it counts the whole deadline day as within, because the dose may have come before the deadline hour.
  The two agree: a clock reading uses the exact instant, a date-only record gets the benefit of the doubt;
  `Countdown.given_in_time` reports a recorded dose with `within_hours`, exactly as the statistics do.
- Once a PEP (EC) date is recorded on any health service of the incident, that countdown is `done`.
- The countdowns apply to rape (the Classification Tool's penetration question): the statistics' PEP table
  covers the same incidents. Emergency contraception is not offered to male survivors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from . import classification as cl
from .services import windows

if TYPE_CHECKING:
    from .models import Incident

KIGALI = ZoneInfo("Africa/Kigali")
PEP = "pep"
EC = "ec"
# A countdown is "closing" when less than this is left: half a working day to get the survivor to a clinic.
CLOSING_HOURS = 12
APPLIES_TO = frozenset({"rape"})


class State(StrEnum):
    OPEN = "open"  # the window is open, more than CLOSING_HOURS left
    CLOSING = "closing"  # the window is open, less than CLOSING_HOURS left
    PASSED = "passed"  # the window has closed and nothing was recorded
    DONE = "done"  # given (the date is recorded on a health service)


@dataclass(frozen=True)
class Countdown:
    kind: str  # PEP or EC
    hours: int  # the window
    start: dt.datetime  # aware, Kigali time
    deadline: dt.datetime  # aware: start + hours (the first instant outside the window)
    left: dt.timedelta  # deadline - now; zero or negative once passed
    state: State
    given_on: dt.date | None = None

    @property
    def is_open(self) -> bool:
        """Is the medicine still in time (open or closing)?"""
        return self.state in (State.OPEN, State.CLOSING)

    @property
    def left_text(self) -> str:
        return format_left(self.left)

    @property
    def seconds_left(self) -> int:
        return int(self.left.total_seconds())

    @property
    def given_in_time(self) -> bool | None:
        """For a recorded dose: within the window as the statistics count it (by date); None if not given."""
        if self.given_on is None:
            return None
        return cl.within_hours(self.start.date(), self.given_on, self.hours)


def clock_start(incident_date: dt.date, incident_time: dt.time | None) -> dt.datetime:
    """When the countdown starts: the incident's local time, or 00:00 when it is unknown (the earlier one)."""
    return dt.datetime.combine(incident_date, incident_time or dt.time(0, 0), tzinfo=KIGALI)


def deadline(incident_date: dt.date, incident_time: dt.time | None, hours: int) -> dt.datetime:
    return clock_start(incident_date, incident_time) + dt.timedelta(hours=hours)


def state_at(*, deadline: dt.datetime, now: dt.datetime, given_on: dt.date | None = None) -> State:
    """done if given; passed from the deadline instant on (elapsed >= window); closing in the last hours."""
    if given_on is not None:
        return State.DONE
    left = deadline - now
    if left <= dt.timedelta(0):
        return State.PASSED
    if left < dt.timedelta(hours=CLOSING_HOURS):
        return State.CLOSING
    return State.OPEN


def countdown(
    *,
    kind: str,
    incident_date: dt.date,
    incident_time: dt.time | None,
    hours: int,
    given_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Countdown:
    now = now or timezone.now()
    start = clock_start(incident_date, incident_time)
    end = start + dt.timedelta(hours=hours)
    return Countdown(
        kind=kind,
        hours=hours,
        start=start,
        deadline=end,
        left=end - now,
        state=state_at(deadline=end, now=now, given_on=given_on),
        given_on=given_on,
    )


def kinds_for(*, gbv_type: str, survivor_sex: str) -> list[str]:
    """Which countdowns a case has: PEP and EC after rape; no EC for a male survivor."""
    if gbv_type not in APPLIES_TO:
        return []
    return [PEP] if survivor_sex == "male" else [PEP, EC]


def _earliest(dates: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def countdowns(
    *,
    incident_date: dt.date,
    incident_time: dt.time | None,
    gbv_type: str,
    survivor_sex: str,
    pep_dates: Iterable[dt.date | None] = (),
    ec_dates: Iterable[dt.date | None] = (),
    windows: dict[str, int],
    now: dt.datetime | None = None,
) -> list[Countdown]:
    """The case's countdowns (none unless it is a rape case), from the PEP/EC dates of its health services."""
    now = now or timezone.now()
    given = {PEP: _earliest(pep_dates), EC: _earliest(ec_dates)}
    hours = {PEP: windows["pep_hours"], EC: windows["ec_hours"]}
    return [
        countdown(
            kind=kind,
            incident_date=incident_date,
            incident_time=incident_time,
            hours=hours[kind],
            given_on=given[kind],
            now=now,
        )
        for kind in kinds_for(gbv_type=gbv_type, survivor_sex=survivor_sex)
    ]


def format_left(left: dt.timedelta) -> str:
    """'2 h 05 min', '0 h 01 min' (never negative: a passed window shows '0 h 00 min')."""
    minutes = max(int(left.total_seconds()) // 60, 0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def for_incident(incident: Incident, *, now: dt.datetime | None = None) -> list[Countdown]:
    """The countdowns of one case (reads its health services: prefetch `services` for many cases)."""
    health = [s for s in incident.services.all() if s.type == "health"]
    return countdowns(
        incident_date=incident.incident_date,
        incident_time=incident.incident_time,
        gbv_type=incident.gbv_type,
        survivor_sex=incident.survivor.sex,
        pep_dates=[s.pep_given_on for s in health],
        ec_dates=[s.ec_given_on for s in health],
        windows=windows(),
        now=now,
    )


def countdown_as_dict(c: Countdown) -> dict[str, object]:
    return {
        "kind": c.kind,
        "hours": c.hours,
        "deadline": c.deadline.isoformat(),
        "seconds_left": c.seconds_left,
        "state": c.state.value,
        "given_on": c.given_on.isoformat() if c.given_on else None,
    }
