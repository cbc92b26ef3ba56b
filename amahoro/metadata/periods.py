"""DHIS2 fixed-period codes: parse, format, enumerate. Pure Python (no Django).

A *period code* is DHIS2's ISO-like period identifier (``20240115``, ``2024W5``,
``202401``, ``2024Q1``, ``2024July`` ...). This module turns codes into
:class:`Period` objects (type, first day, last day, all inclusive), finds the
period of a given type containing a date, and lists periods in a date range.
Only the ISO 8601 (Gregorian) calendar is supported: DHIS2's Ethiopian,
Nepali, etc. system calendars are out of scope.

Supported period types and codes
--------------------------------
=================  =====================  =========================================
Type               Code (canonical first)  Meaning
=================  =====================  =========================================
Daily              20240115, 2024-01-15   one day
Weekly             2024W5 (2024W05)       ISO week (Monday start)
WeeklyWednesday    2024WedW1              week starting Wednesday
WeeklyThursday     2024ThuW1              week starting Thursday
WeeklySaturday     2024SatW1              week starting Saturday
WeeklySunday       2024SunW1              week starting Sunday
BiWeekly           2024BiW1               ISO weeks 2n-1 and 2n
Monthly            202401, 2024-01        calendar month
BiMonthly          202401B .. 202406B     Jan-Feb .. Nov-Dec
Quarterly          2024Q1 .. 2024Q4       calendar quarter
SixMonthly         2024S1, 2024S2         Jan-Jun, Jul-Dec
SixMonthlyApril    2024AprilS1/S2         Apr-Sep 2024, Oct 2024-Mar 2025
SixMonthlyNov      2024NovS1/S2           Nov 2023-Apr 2024, May-Oct 2024 (!)
Yearly             2024                   calendar year
FinancialApril     2024April              2024-04-01 .. 2025-03-31
FinancialJuly      2024July               2024-07-01 .. 2025-06-30 (Rwanda FY)
FinancialOct       2024Oct                2024-10-01 .. 2025-09-30
FinancialNov       2024Nov                2023-11-01 .. 2024-10-31 (!)
=================  =====================  =========================================

Codes are case-sensitive, as in DHIS2; surrounding whitespace is ignored. The
canonical code is the one DHIS2 itself generates (``getIsoDate``): no zero
padding of week numbers, no dashes in daily/monthly codes.

Rules, and where they come from
-------------------------------
Checked against dhis2-core's own code and tests, the Java classes in
``org.hisp.dhis.period`` and ``org.hisp.dhis.calendar``:

* ``PeriodTypeEnum.ofIsoPeriod``, ``DateUnitType`` (the code regexes:
  ``yyyyMMdd`` or ``yyyy-MM-dd``; ``yyyy[-]MM``; ``yyyyW\\d\\d?`` ...) and
  ``DateUnitPeriodTypeParser.parse`` (the code -> dates mapping). The main
  repository's copy in the search index is older, so the newer parser, with
  its ``BI_WEEKLY``, ``SIX_MONTHLY_NOVEMBER`` and ``FINANCIAL_NOVEMBER``
  branches, was read from a fork that mirrors it (ReMinNOR/dhis2-core).
* ``WeeklyAbstractPeriodType``: codes come from
  ``WeekFields.of(firstDayOfWeek, 4)``, so for **every** weekly type week 1
  is the first week (starting on that weekday) with at least 4 days in the
  new year, i.e. the week containing 4 January. The parser uses the same
  ``WeekFields`` (``getDateTimeFromWeek``). Examples: 2023WedW1 =
  2023-01-04..01-10, 2023ThuW1 = 2022-12-29..2023-01-04, 2023SatW1 =
  2022-12-31..2023-01-06, 2023SunW1 = 2023-01-01..01-07 (the same cases are
  in dhis2/multi-calendar-dates ``parse-fixed-period-id.gregorian.spec.ts``).
* ``BiWeeklyAbstractPeriodType``: BiW n starts on the Monday of ISO week
  2n-1 and lasts 14 days; code week = ISO week // 2 + 1. In a 53-week ISO
  year, BiW27 starts on the Monday of week 53 and runs into the next ISO
  year's week 1, so it **overlaps** the next year's BiW1. An example from
  ``BiWeeklyPeriodTypeTest``: 2010-01-01 -> ``2009BiW27`` =
  2009-12-28..2010-01-10, while ``2010BiW1`` = 2010-01-04..01-17. This is
  DHIS2's behaviour, kept on purpose.
* ``FinancialPeriodType`` with ``FinancialNovemberPeriodType``: a financial
  year starts on the 1st of its base month. For April, July and October the
  code year is the **start** year. For November, ``getIsoDate`` writes
  ``startYear + 1`` and the parser reads ``yyyyNov`` as starting on
  ``(yyyy-1)-11-01``. So **2024Nov = 2023-11-01..2024-10-31**: November
  financial years are named by the year they **end** in.
* ``SixMonthlyNovemberPeriodType`` and ``SixMonthlyNovemberPeriodTest`` use
  the same end-year naming: ``2015NovS1`` = 2014-11-01..2015-04-30,
  ``2015NovS2`` = 2015-05-01..2015-10-31.
* ``DateTimeUnitPeriodTypeParserTest`` gives the invalid cases ``2014W0``,
  ``2014W53``, ``2009W54``, ``201400B``, ``201407B``, ``2014Q0``, ``2014Q5``,
  ``2014S0``, ``2014S3`` and ``2014AprilS3``, plus the valid ``2009W53``.
  ``WeeklyPeriodTypeTest`` gives ``2009W1`` starting 2008-12-29 and
  2012-12-31 -> ``2013W1``.

Where this module deliberately differs from DHIS2
-------------------------------------------------
* **Week-number validation for the Wed/Thu/Sat/Sun types.** DHIS2's parser
  checks ``week <= calendar.weeksInYear(year)``, which is the ISO (Monday)
  count, for all weekly types. But a Saturday-week year can have 53 weeks
  while the ISO year has 52. In 2024, for example, DHIS2 itself names
  2024-12-28..2025-01-03 ``2024SatW53`` and then refuses to parse it. The
  opposite also happens (2026SatW53), and then DHIS2 silently rolls over
  into 2027SatW1. Here each type is validated against its own week count
  (see :func:`weeks_in_year`).
* **previous() of a BiW1 after a 53-week year.** DHIS2 computes it as
  "14 days earlier", which skips BiW27 (2010BiW1 -> 2009BiW26). Here
  :meth:`Period.previous` returns 2009BiW27, so ``previous`` and ``next``
  invert each other. ``next`` agrees with DHIS2 (2009BiW27 -> 2010BiW1).
* **periods_between with Daily.** DHIS2's
  ``CalendarPeriodType.generatePeriods(start, end)`` is documented as
  "the first period will span the start date, the last period will span the
  end date". In code, it loops ``while period.start < endPeriod.end``, which
  drops the end day for Daily. Here the end day is included, as the DHIS2
  documentation says.

Not implemented: newer DHIS2 types outside our scope (QuarterlyNov,
FinancialSep/Feb/Aug, TwoYearly, relative periods) and non-ISO calendars.

Beware: DHIS2's JavaScript library ``@dhis2/multi-calendar-dates`` (and in
2019 the d2 period parser) name FinancialNov and SixMonthlyNov by the
**start** year (``2023Nov`` = Nov 2023-Oct 2024), which contradicts the
server. This module follows the server (dhis2-core), because the server is
what imports and exports data values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "PERIOD_TYPES",
    "InvalidPeriod",
    "Period",
    "format_period",
    "normalize_period_type",
    "parse_period",
    "period_for_date",
    "periods_between",
    "weeks_in_year",
]

PERIOD_TYPES: tuple[str, ...] = (
    "Daily",
    "Weekly",
    "WeeklyWednesday",
    "WeeklyThursday",
    "WeeklySaturday",
    "WeeklySunday",
    "BiWeekly",
    "Monthly",
    "BiMonthly",
    "Quarterly",
    "SixMonthly",
    "SixMonthlyApril",
    "SixMonthlyNov",
    "Yearly",
    "FinancialApril",
    "FinancialJuly",
    "FinancialOct",
    "FinancialNov",
)


class InvalidPeriod(ValueError):
    """A period code that is malformed or names a period that does not exist."""

    def __init__(self, code: object, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"Invalid period code {code!r}: {reason}")


@dataclass(frozen=True)
class Period:
    """One DHIS2 fixed period. ``start`` and ``end`` are both inclusive."""

    code: str
    type: str
    start: date
    end: date

    def __str__(self) -> str:
        return self.code

    def iso_interval(self) -> str:
        """ISO 8601 interval of calendar dates, e.g. ``2024-01-01/2024-01-31``."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def name(self) -> str:
        """Human-readable label in the active language, e.g. ``July 2024 - June 2025`` in English."""
        return _label(self)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def next(self) -> Period:
        """The following period of the same type."""
        return period_for_date(self.type, _shift(self.end, 1))

    def previous(self) -> Period:
        """The preceding period of the same type."""
        return period_for_date(self.type, _shift(self.start, -1))


# ---------------------------------------------------------------------------
# Calendar arithmetic on proleptic Gregorian ordinals (date(1, 1, 1) == 1).
# Working on ordinals lets week-year arithmetic look one year past 9999
# without overflowing ``datetime.date``.
# ---------------------------------------------------------------------------

_MIN_YEAR = 1
_MAX_YEAR = 9999


def _jan1_ordinal(year: int) -> int:
    y = year - 1
    return y * 365 + y // 4 - y // 100 + y // 400 + 1


def _weekday_of_ordinal(ordinal: int) -> int:
    """Monday == 0 ... Sunday == 6 (0001-01-01 was a Monday)."""
    return (ordinal - 1) % 7


def _week1_start_ordinal(year: int, first_weekday: int) -> int:
    """First day of week 1: the week starting on ``first_weekday`` that contains 4 January."""
    jan4 = _jan1_ordinal(year) + 3
    return jan4 - (_weekday_of_ordinal(jan4) - first_weekday) % 7


def _weeks_in_week_year(year: int, first_weekday: int) -> int:
    return (_week1_start_ordinal(year + 1, first_weekday) - _week1_start_ordinal(year, first_weekday)) // 7


def _from_ordinal(ordinal: int) -> date:
    if not 1 <= ordinal <= date.max.toordinal():
        raise OverflowError("date outside 0001-01-01..9999-12-31")
    return date.fromordinal(ordinal)


def _shift(d: date, days: int) -> date:
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise ValueError(f"no period beyond {d.isoformat()}: outside the supported date range") from None


def _month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _month_span(start_index: int, months: int) -> tuple[date, date]:
    """First day of month ``start_index`` to the last day of the ``months``-th month."""
    end_index = start_index + months  # first month after the period
    if start_index < _month_index(_MIN_YEAR, 1) or end_index > _month_index(_MAX_YEAR + 1, 1):
        raise OverflowError("date outside 0001-01-01..9999-12-31")
    start = date(start_index // 12, start_index % 12 + 1, 1)
    if end_index == _month_index(_MAX_YEAR + 1, 1):
        return start, date.max
    return start, date(end_index // 12, end_index % 12 + 1, 1) - timedelta(days=1)


# ---------------------------------------------------------------------------
# Period type definitions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _WeekSpec:
    first_weekday: int  # Monday == 0
    prefix: str  # code infix: "W", "WedW", ...
    what: str  # for messages and labels: "ISO", "Wednesday", ...


_WEEK_TYPES: dict[str, _WeekSpec] = {
    "Weekly": _WeekSpec(0, "W", "ISO"),
    "WeeklyWednesday": _WeekSpec(2, "WedW", "Wednesday"),
    "WeeklyThursday": _WeekSpec(3, "ThuW", "Thursday"),
    "WeeklySaturday": _WeekSpec(5, "SatW", "Saturday"),
    "WeeklySunday": _WeekSpec(6, "SunW", "Sunday"),
}


@dataclass(frozen=True)
class _MonthSpec:
    """A period of ``months`` calendar months whose first month is ``anchor`` (mod ``months``)."""

    months: int
    anchor: int  # 1-12
    code: Callable[[int, int], str]  # (start year, start month) -> code


def _y(year: int) -> str:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise OverflowError("year outside 0001..9999")
    return f"{year:04d}"


def _six_monthly_nov_code(year: int, month: int) -> str:
    # dhis2-core SixMonthlyNovemberPeriodType.getIsoDate: Nov -> year+1 "NovS1", May -> year "NovS2".
    return f"{_y(year + 1)}NovS1" if month == 11 else f"{_y(year)}NovS2"


_MONTH_TYPES: dict[str, _MonthSpec] = {
    "Monthly": _MonthSpec(1, 1, lambda y, m: f"{_y(y)}{m:02d}"),
    "BiMonthly": _MonthSpec(2, 1, lambda y, m: f"{_y(y)}{(m + 1) // 2:02d}B"),
    "Quarterly": _MonthSpec(3, 1, lambda y, m: f"{_y(y)}Q{(m + 2) // 3}"),
    "SixMonthly": _MonthSpec(6, 1, lambda y, m: f"{_y(y)}S{1 if m == 1 else 2}"),
    "SixMonthlyApril": _MonthSpec(6, 4, lambda y, m: f"{_y(y)}AprilS{1 if m == 4 else 2}"),
    "SixMonthlyNov": _MonthSpec(6, 5, _six_monthly_nov_code),
    "Yearly": _MonthSpec(12, 1, lambda y, m: _y(y)),
    "FinancialApril": _MonthSpec(12, 4, lambda y, m: f"{_y(y)}April"),
    "FinancialJuly": _MonthSpec(12, 7, lambda y, m: f"{_y(y)}July"),
    "FinancialOct": _MonthSpec(12, 10, lambda y, m: f"{_y(y)}Oct"),
    # dhis2-core FinancialNovemberPeriodType.getIsoDate: String.format("%dNov", year + 1).
    "FinancialNov": _MonthSpec(12, 11, lambda y, m: f"{_y(y + 1)}Nov"),
}

_TYPE_BY_LOWER = {t.lower(): t for t in PERIOD_TYPES}


def normalize_period_type(period_type: str) -> str:
    """Return the canonical DHIS2 type name (case-insensitive match, like DHIS2's getByNameIgnoreCase)."""
    canonical = _TYPE_BY_LOWER.get(period_type.strip().lower()) if isinstance(period_type, str) else None
    if canonical is None:
        raise ValueError(f"Unknown period type {period_type!r}; expected one of: {', '.join(PERIOD_TYPES)}")
    return canonical


def weeks_in_year(year: int, period_type: str = "Weekly") -> int:
    """Number of weeks (52 or 53) in ``year`` for a weekly type, or bi-weeks (26 or 27) for BiWeekly."""
    period_type = normalize_period_type(period_type)
    if period_type == "BiWeekly":
        return (_weeks_in_week_year(year, 0) + 1) // 2
    spec = _WEEK_TYPES.get(period_type)
    if spec is None:
        raise ValueError(f"weeks_in_year() needs a weekly period type, not {period_type!r}")
    return _weeks_in_week_year(year, spec.first_weekday)


# ---------------------------------------------------------------------------
# date -> period
# ---------------------------------------------------------------------------


def _week_of(d: date, first_weekday: int) -> tuple[int, int, int]:
    """(week-based year, week number, ordinal of the week's first day) for ``d``."""
    ordinal = d.toordinal()
    for year in (d.year + 1, d.year, d.year - 1):
        week1 = _week1_start_ordinal(year, first_weekday)
        if ordinal >= week1:
            week = (ordinal - week1) // 7 + 1
            return year, week, week1 + 7 * (week - 1)
    raise AssertionError("unreachable: week 1 of the previous year always starts before d")


def _containing(period_type: str, d: date) -> Period:
    if period_type == "Daily":
        return Period(f"{_y(d.year)}{d.month:02d}{d.day:02d}", "Daily", d, d)
    week_spec = _WEEK_TYPES.get(period_type)
    if week_spec is not None:
        year, week, first = _week_of(d, week_spec.first_weekday)
        return Period(
            f"{_y(year)}{week_spec.prefix}{week}",
            period_type,
            _from_ordinal(first),
            _from_ordinal(first + 6),
        )
    if period_type == "BiWeekly":
        year, week, _ = _week_of(d, 0)
        biweek = (week + 1) // 2
        first = _week1_start_ordinal(year, 0) + 14 * (biweek - 1)
        return Period(f"{_y(year)}BiW{biweek}", "BiWeekly", _from_ordinal(first), _from_ordinal(first + 13))
    spec = _MONTH_TYPES[period_type]
    index = _month_index(d.year, d.month)
    start_index = index - (index - (spec.anchor - 1)) % spec.months
    start, end = _month_span(start_index, spec.months)
    return Period(spec.code(start.year, start.month), period_type, start, end)


def period_for_date(period_type: str, d: date) -> Period:
    """The period of ``period_type`` containing ``d`` (DHIS2 ``PeriodType.createPeriod(date)``).

    For BiWeekly, a date in ISO week 1 just after a 53-week year lies in two
    bi-weeks. Like DHIS2, this returns the one that begins in the date's own
    ISO year (BiW1).
    """
    period_type = normalize_period_type(period_type)
    if not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
    try:
        return _containing(period_type, d)
    except OverflowError:
        raise ValueError(
            f"the {period_type} period containing {d.isoformat()} falls outside the supported "
            "date range 0001-01-01..9999-12-31"
        ) from None


def format_period(period_type: str, start: date) -> str:
    """Code of the ``period_type`` period that starts on ``start``.

    Raises ValueError if ``start`` is not the first day of a period of that type.
    """
    period = period_for_date(period_type, start)
    if period.start != start:
        raise ValueError(
            f"{start.isoformat()} is not the first day of a {period.type} period "
            f"(it falls in {period.code}, which starts {period.start.isoformat()})"
        )
    return period.code


def periods_between(period_type: str, start: date, end: date, *, within: bool = False) -> list[Period]:
    """Periods of ``period_type`` covering ``start``..``end`` (both inclusive), in order.

    By default this follows dhis2-core ``CalendarPeriodType.generatePeriods(start, end)``:
    the first period is the one containing ``start`` (``period_for_date``), and
    each following period (``next()``) is added while it starts on or before ``end``.
    So every period that overlaps the range is included, even if it runs past
    either end. (For Daily, DHIS2's loop drops ``end`` itself; it is kept here,
    as DHIS2's documentation of that method says.)

    With ``within=True``, only periods lying entirely inside the range
    (``p.start >= start and p.end <= end``) are returned. This is what
    DHIS2's ``PeriodStore.getPeriodsBetweenDates`` selects.
    """
    period_type = normalize_period_type(period_type)
    if start > end:
        raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
    result: list[Period] = []
    period = period_for_date(period_type, start)
    while period.start <= end:
        if not within or (period.start >= start and period.end <= end):
            result.append(period)
        if period.end >= end:
            break
        period = period.next()
    return result


# ---------------------------------------------------------------------------
# code -> period
# ---------------------------------------------------------------------------

_D = "[0-9]"  # not \d: that would also match non-ASCII digits


def _int_year(text: str, code: str) -> int:
    year = int(text)
    if year < _MIN_YEAR:
        raise InvalidPeriod(code, f"year {text} is out of range (0001-9999)")
    return year


def _parse_daily(code: str, m: re.Match[str]) -> Period:
    year = _int_year(m[1], code)
    try:
        d = date(year, int(m[2]), int(m[3]))
    except ValueError:
        raise InvalidPeriod(code, f"{m[1]}-{m[2]}-{m[3]} is not a valid calendar date") from None
    return _containing("Daily", d)


def _make_week_parser(period_type: str) -> Callable[[str, re.Match[str]], Period]:
    spec = _WEEK_TYPES[period_type]

    def parse(code: str, m: re.Match[str]) -> Period:
        year = _int_year(m[1], code)
        week = int(m[2])
        count = _weeks_in_week_year(year, spec.first_weekday)
        if week < 1:
            raise InvalidPeriod(code, f"week {m[2]} is invalid; weeks are numbered 1-{count}")
        if week > count:
            raise InvalidPeriod(code, f"{year} has only {count} {spec.what} weeks")
        start = _week1_start_ordinal(year, spec.first_weekday) + 7 * (week - 1)
        return Period(
            f"{_y(year)}{spec.prefix}{week}", period_type, _from_ordinal(start), _from_ordinal(start + 6)
        )

    return parse


def _parse_biweekly(code: str, m: re.Match[str]) -> Period:
    year = _int_year(m[1], code)
    biweek = int(m[2])
    count = (_weeks_in_week_year(year, 0) + 1) // 2
    if biweek < 1:
        raise InvalidPeriod(code, f"bi-week {m[2]} is invalid; bi-weeks are numbered 1-{count}")
    if biweek > count:
        raise InvalidPeriod(
            code, f"{year} has only {count} bi-weeks ({_weeks_in_week_year(year, 0)} ISO weeks)"
        )
    start = _week1_start_ordinal(year, 0) + 14 * (biweek - 1)
    return Period(f"{_y(year)}BiW{biweek}", "BiWeekly", _from_ordinal(start), _from_ordinal(start + 13))


def _month_based(
    period_type: str,
    code: str,
    start_year: int,
    start_month: int,
) -> Period:
    spec = _MONTH_TYPES[period_type]
    if start_year < _MIN_YEAR:
        raise InvalidPeriod(code, "the period would start before 0001-01-01")
    start, end = _month_span(_month_index(start_year, start_month), spec.months)
    return Period(spec.code(start.year, start.month), period_type, start, end)


def _parse_monthly(code: str, m: re.Match[str]) -> Period:
    year = _int_year(m[1], code)
    month = int(m[2])
    if not 1 <= month <= 12:
        raise InvalidPeriod(code, f"month {m[2]} is invalid; months are 01-12")
    return _month_based("Monthly", code, year, month)


def _parse_bimonthly(code: str, m: re.Match[str]) -> Period:
    year = _int_year(m[1], code)
    n = int(m[2])
    if not 1 <= n <= 6:
        raise InvalidPeriod(code, f"bi-month {m[2]} is invalid; bi-months are 01-06 (01 = Jan-Feb)")
    return _month_based("BiMonthly", code, year, 2 * n - 1)


def _parse_quarterly(code: str, m: re.Match[str]) -> Period:
    year = _int_year(m[1], code)
    n = int(m[2])
    if not 1 <= n <= 4:
        raise InvalidPeriod(code, f"quarter {m[2]} is invalid; quarters are 1-4")
    return _month_based("Quarterly", code, year, 3 * n - 2)


def _make_half_parser(
    period_type: str, first: Callable[[int], tuple[int, int]], second: Callable[[int], tuple[int, int]]
) -> Callable[[str, re.Match[str]], Period]:
    def parse(code: str, m: re.Match[str]) -> Period:
        year = _int_year(m[1], code)
        n = int(m[2])
        if n not in (1, 2):
            raise InvalidPeriod(code, f"half-year {m[2]} is invalid; must be 1 or 2")
        start_year, start_month = (first if n == 1 else second)(year)
        return _month_based(period_type, code, start_year, start_month)

    return parse


def _make_year_parser(
    period_type: str, start: Callable[[int], tuple[int, int]]
) -> Callable[[str, re.Match[str]], Period]:
    def parse(code: str, m: re.Match[str]) -> Period:
        start_year, start_month = start(_int_year(m[1], code))
        return _month_based(period_type, code, start_year, start_month)

    return parse


@dataclass(frozen=True)
class _Syntax:
    period_type: str
    pattern: re.Pattern[str]
    parse: Callable[[str, re.Match[str]], Period]
    example: str


def _syntax(
    period_type: str, regex: str, parse: Callable[[str, re.Match[str]], Period], example: str
) -> _Syntax:
    return _Syntax(period_type, re.compile(regex), parse, example)


_YEAR = f"({_D}{{4}})"

_SYNTAXES: tuple[_Syntax, ...] = (
    _syntax("Daily", f"{_YEAR}({_D}{{2}})({_D}{{2}})", _parse_daily, "20240115"),
    _syntax("Daily", f"{_YEAR}-({_D}{{2}})-({_D}{{2}})", _parse_daily, "2024-01-15"),
    _syntax("Weekly", f"{_YEAR}W({_D}{{1,2}})", _make_week_parser("Weekly"), "2024W5"),
    _syntax(
        "WeeklyWednesday", f"{_YEAR}WedW({_D}{{1,2}})", _make_week_parser("WeeklyWednesday"), "2024WedW1"
    ),
    _syntax("WeeklyThursday", f"{_YEAR}ThuW({_D}{{1,2}})", _make_week_parser("WeeklyThursday"), "2024ThuW1"),
    _syntax("WeeklySaturday", f"{_YEAR}SatW({_D}{{1,2}})", _make_week_parser("WeeklySaturday"), "2024SatW1"),
    _syntax("WeeklySunday", f"{_YEAR}SunW({_D}{{1,2}})", _make_week_parser("WeeklySunday"), "2024SunW1"),
    _syntax("BiWeekly", f"{_YEAR}BiW({_D}{{1,2}})", _parse_biweekly, "2024BiW1"),
    _syntax("Monthly", f"{_YEAR}-?({_D}{{2}})", _parse_monthly, "202401"),
    _syntax("BiMonthly", f"{_YEAR}({_D}{{2}})B", _parse_bimonthly, "202401B"),
    _syntax("Quarterly", f"{_YEAR}Q({_D})", _parse_quarterly, "2024Q1"),
    _syntax(
        "SixMonthly",
        f"{_YEAR}S({_D})",
        _make_half_parser("SixMonthly", lambda y: (y, 1), lambda y: (y, 7)),
        "2024S1",
    ),
    _syntax(
        "SixMonthlyApril",
        f"{_YEAR}AprilS({_D})",
        _make_half_parser("SixMonthlyApril", lambda y: (y, 4), lambda y: (y, 10)),
        "2024AprilS1",
    ),
    _syntax(
        "SixMonthlyNov",
        f"{_YEAR}NovS({_D})",
        # dhis2-core DateUnitPeriodTypeParser: S1 starts (year-1)-11-01, S2 starts year-05-01.
        _make_half_parser("SixMonthlyNov", lambda y: (y - 1, 11), lambda y: (y, 5)),
        "2024NovS1",
    ),
    _syntax("Yearly", _YEAR, _make_year_parser("Yearly", lambda y: (y, 1)), "2024"),
    _syntax(
        "FinancialApril", f"{_YEAR}April", _make_year_parser("FinancialApril", lambda y: (y, 4)), "2024April"
    ),
    _syntax(
        "FinancialJuly", f"{_YEAR}July", _make_year_parser("FinancialJuly", lambda y: (y, 7)), "2024July"
    ),
    _syntax("FinancialOct", f"{_YEAR}Oct", _make_year_parser("FinancialOct", lambda y: (y, 10)), "2024Oct"),
    # dhis2-core DateUnitPeriodTypeParser: FINANCIAL_NOVEMBER starts (year-1)-11-01.
    _syntax(
        "FinancialNov", f"{_YEAR}Nov", _make_year_parser("FinancialNov", lambda y: (y - 1, 11)), "2024Nov"
    ),
)

_EXAMPLES = "20240115, 2024W5, 2024WedW1, 2024BiW1, 202401, 202401B, 2024Q1, 2024S1, 2024AprilS1, 2024NovS1, 2024, 2024July"


def parse_period(code: str) -> Period:
    """Parse a DHIS2 period code, e.g. ``parse_period("2024W5")``.

    Raises :class:`InvalidPeriod` (a ValueError) naming the code and the reason.
    """
    if not isinstance(code, str):
        raise InvalidPeriod(code, f"expected a string, got {type(code).__name__}")
    text = code.strip()
    if not text:
        raise InvalidPeriod(code, "empty period code")
    for syntax in _SYNTAXES:
        match = syntax.pattern.fullmatch(text)
        if match is not None:
            try:
                return syntax.parse(code, match)
            except OverflowError:
                raise InvalidPeriod(
                    code, "the period falls outside the supported date range 0001-01-01..9999-12-31"
                ) from None
    for syntax in _SYNTAXES:
        if re.fullmatch(syntax.pattern.pattern, text, flags=re.IGNORECASE):
            raise InvalidPeriod(
                code,
                f"period codes are case-sensitive; a {syntax.period_type} code looks like {syntax.example}",
            )
    raise InvalidPeriod(code, f"not a recognised DHIS2 period code (examples: {_EXAMPLES})")


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


_ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _localisers() -> tuple[Callable[[str], str], Callable[[int], str]]:
    """gettext and the month names of the active language when Django runs with settings; English otherwise.
    Imported here, not at the top: the module itself stays free of Django (scripts and DuckDB use it)."""
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            from amahoro.core.dates import month_name

            return gettext, month_name
    except ImportError:  # pragma: no cover - Django is always installed with Amahoro
        pass
    return (lambda text: text), (lambda month: _ENGLISH_MONTHS[month - 1])


def _label(p: Period) -> str:
    """The label in the active language ("December 2018", "Ukuboza 2018", "Week 3 2024 (...)")."""
    _, month_name = _localisers()
    if p.type == "Daily":
        return p.start.isoformat()
    span = f"{p.start.isoformat()} - {p.end.isoformat()}"
    if p.type in _WEEK_TYPES or p.type == "BiWeekly":
        m = re.fullmatch(r"([0-9]{4})[A-Za-z]*W([0-9]+)", p.code)
        year, number = (m[1], m[2]) if m else (str(p.start.year), "?")
        values = {"number": number, "year": year, "span": span}
        if p.type == "BiWeekly":
            return _("Bi-week %(number)s %(year)s (%(span)s)") % values
        if p.type == "Weekly":
            return _("Week %(number)s %(year)s (%(span)s)") % values
        return _("%(what)s week %(number)s %(year)s (%(span)s)") % {
            **values,
            "what": _(_WEEK_TYPES[p.type].what),  # the weekday, in amahoro.core.dates.WEEKDAYS
        }
    if p.type == "Yearly":
        return str(p.start.year)
    first, last = month_name(p.start.month), month_name(p.end.month)
    if p.start.year != p.end.year:
        return f"{first} {p.start.year} - {last} {p.end.year}"
    if p.start.month == p.end.month:
        return f"{first} {p.start.year}"
    return f"{first} - {last} {p.start.year}"
