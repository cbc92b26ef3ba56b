"""Tests for amahoro.metadata.periods (pure Python: no Django, no database).

Run: .venv/bin/python -m pytest amahoro/data/tests/test_periods.py -p no:django -q

Cases marked "DHIS2" come from dhis2-core's own tests (DateTimeUnitPeriodTypeParserTest,
WeeklyPeriodTypeTest, BiWeeklyPeriodTypeTest, FinancialNovemberPeriodTypeTest,
SixMonthlyNovemberPeriodTest) or from dhis2/multi-calendar-dates' parse spec (weekly variants).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from itertools import pairwise

import pytest

from amahoro.metadata.periods import (
    PERIOD_TYPES,
    InvalidPeriod,
    Period,
    format_period,
    normalize_period_type,
    parse_period,
    period_for_date,
    periods_between,
    weeks_in_year,
)

D = date

# ---------------------------------------------------------------------------
# Valid codes: (code, canonical code, type, start, end)
# ---------------------------------------------------------------------------

VALID = [
    # Daily
    ("20240115", "20240115", "Daily", D(2024, 1, 15), D(2024, 1, 15)),
    ("2024-01-15", "20240115", "Daily", D(2024, 1, 15), D(2024, 1, 15)),
    ("20240229", "20240229", "Daily", D(2024, 2, 29), D(2024, 2, 29)),
    ("20140204", "20140204", "Daily", D(2014, 2, 4), D(2014, 2, 4)),  # DHIS2
    ("20001231", "20001231", "Daily", D(2000, 12, 31), D(2000, 12, 31)),
    # Weekly (ISO)
    ("2024W5", "2024W5", "Weekly", D(2024, 1, 29), D(2024, 2, 4)),
    ("2024W05", "2024W5", "Weekly", D(2024, 1, 29), D(2024, 2, 4)),
    ("2024W1", "2024W1", "Weekly", D(2024, 1, 1), D(2024, 1, 7)),
    ("2024W52", "2024W52", "Weekly", D(2024, 12, 23), D(2024, 12, 29)),
    ("2014W1", "2014W1", "Weekly", D(2013, 12, 30), D(2014, 1, 5)),  # DHIS2
    ("2014W2", "2014W2", "Weekly", D(2014, 1, 6), D(2014, 1, 12)),  # DHIS2
    ("2009W1", "2009W1", "Weekly", D(2008, 12, 29), D(2009, 1, 4)),  # DHIS2
    ("2011W1", "2011W1", "Weekly", D(2011, 1, 3), D(2011, 1, 9)),  # DHIS2
    ("2011W11", "2011W11", "Weekly", D(2011, 3, 14), D(2011, 3, 20)),  # DHIS2
    ("2009W53", "2009W53", "Weekly", D(2009, 12, 28), D(2010, 1, 3)),  # DHIS2: 2009 has 53 weeks
    ("2020W53", "2020W53", "Weekly", D(2020, 12, 28), D(2021, 1, 3)),
    ("2015W53", "2015W53", "Weekly", D(2015, 12, 28), D(2016, 1, 3)),
    ("2026W53", "2026W53", "Weekly", D(2026, 12, 28), D(2027, 1, 3)),
    ("2013W1", "2013W1", "Weekly", D(2012, 12, 31), D(2013, 1, 6)),
    ("2023W1", "2023W1", "Weekly", D(2023, 1, 2), D(2023, 1, 8)),  # multi-calendar-dates
    # Weekly variants (week 1 = the week containing 4 January)
    ("2023WedW1", "2023WedW1", "WeeklyWednesday", D(2023, 1, 4), D(2023, 1, 10)),  # multi-calendar-dates
    ("2023ThuW1", "2023ThuW1", "WeeklyThursday", D(2022, 12, 29), D(2023, 1, 4)),  # multi-calendar-dates
    ("2023SatW1", "2023SatW1", "WeeklySaturday", D(2022, 12, 31), D(2023, 1, 6)),  # multi-calendar-dates
    ("2023SunW1", "2023SunW1", "WeeklySunday", D(2023, 1, 1), D(2023, 1, 7)),  # multi-calendar-dates
    ("2024WedW1", "2024WedW1", "WeeklyWednesday", D(2024, 1, 3), D(2024, 1, 9)),
    ("2024ThuW1", "2024ThuW1", "WeeklyThursday", D(2024, 1, 4), D(2024, 1, 10)),
    ("2024SatW1", "2024SatW1", "WeeklySaturday", D(2023, 12, 30), D(2024, 1, 5)),
    ("2024SunW1", "2024SunW1", "WeeklySunday", D(2023, 12, 31), D(2024, 1, 6)),
    ("2024WedW01", "2024WedW1", "WeeklyWednesday", D(2024, 1, 3), D(2024, 1, 9)),
    ("2024SunW10", "2024SunW10", "WeeklySunday", D(2024, 3, 3), D(2024, 3, 9)),
    ("2024SatW53", "2024SatW53", "WeeklySaturday", D(2024, 12, 28), D(2025, 1, 3)),
    ("2022WedW53", "2022WedW53", "WeeklyWednesday", D(2022, 12, 28), D(2023, 1, 3)),
    ("2023ThuW53", "2023ThuW53", "WeeklyThursday", D(2023, 12, 28), D(2024, 1, 3)),
    ("2025SunW53", "2025SunW53", "WeeklySunday", D(2025, 12, 28), D(2026, 1, 3)),
    # BiWeekly (pairs of ISO weeks)
    ("2024BiW1", "2024BiW1", "BiWeekly", D(2024, 1, 1), D(2024, 1, 14)),
    ("2024BiW01", "2024BiW1", "BiWeekly", D(2024, 1, 1), D(2024, 1, 14)),
    ("2024BiW2", "2024BiW2", "BiWeekly", D(2024, 1, 15), D(2024, 1, 28)),
    ("2024BiW26", "2024BiW26", "BiWeekly", D(2024, 12, 16), D(2024, 12, 29)),
    ("2023BiW1", "2023BiW1", "BiWeekly", D(2023, 1, 2), D(2023, 1, 15)),  # multi-calendar-dates
    ("2018BiW1", "2018BiW1", "BiWeekly", D(2018, 1, 1), D(2018, 1, 14)),  # DHIS2
    ("2017BiW26", "2017BiW26", "BiWeekly", D(2017, 12, 18), D(2017, 12, 31)),  # DHIS2
    ("2009BiW27", "2009BiW27", "BiWeekly", D(2009, 12, 28), D(2010, 1, 10)),  # DHIS2: runs into 2010W1
    ("2010BiW1", "2010BiW1", "BiWeekly", D(2010, 1, 4), D(2010, 1, 17)),
    ("2020BiW27", "2020BiW27", "BiWeekly", D(2020, 12, 28), D(2021, 1, 10)),
    # Monthly
    ("202401", "202401", "Monthly", D(2024, 1, 1), D(2024, 1, 31)),
    ("2024-01", "202401", "Monthly", D(2024, 1, 1), D(2024, 1, 31)),
    ("202402", "202402", "Monthly", D(2024, 2, 1), D(2024, 2, 29)),
    ("202302", "202302", "Monthly", D(2023, 2, 1), D(2023, 2, 28)),
    ("190002", "190002", "Monthly", D(1900, 2, 1), D(1900, 2, 28)),  # 1900 not a leap year
    ("201402", "201402", "Monthly", D(2014, 2, 1), D(2014, 2, 28)),  # DHIS2
    ("201404", "201404", "Monthly", D(2014, 4, 1), D(2014, 4, 30)),  # DHIS2
    ("2014-03", "201403", "Monthly", D(2014, 3, 1), D(2014, 3, 31)),  # DHIS2
    ("2014-05", "201405", "Monthly", D(2014, 5, 1), D(2014, 5, 31)),  # DHIS2
    ("202412", "202412", "Monthly", D(2024, 12, 1), D(2024, 12, 31)),
    # BiMonthly
    ("202401B", "202401B", "BiMonthly", D(2024, 1, 1), D(2024, 2, 29)),
    ("201401B", "201401B", "BiMonthly", D(2014, 1, 1), D(2014, 2, 28)),  # DHIS2
    ("201402B", "201402B", "BiMonthly", D(2014, 3, 1), D(2014, 4, 30)),  # DHIS2
    ("201403B", "201403B", "BiMonthly", D(2014, 5, 1), D(2014, 6, 30)),  # DHIS2
    ("201404B", "201404B", "BiMonthly", D(2014, 7, 1), D(2014, 8, 31)),  # DHIS2
    ("201405B", "201405B", "BiMonthly", D(2014, 9, 1), D(2014, 10, 31)),  # DHIS2
    ("201406B", "201406B", "BiMonthly", D(2014, 11, 1), D(2014, 12, 31)),  # DHIS2
    # Quarterly
    ("2024Q1", "2024Q1", "Quarterly", D(2024, 1, 1), D(2024, 3, 31)),
    ("2014Q2", "2014Q2", "Quarterly", D(2014, 4, 1), D(2014, 6, 30)),  # DHIS2
    ("2014Q3", "2014Q3", "Quarterly", D(2014, 7, 1), D(2014, 9, 30)),  # DHIS2
    ("2014Q4", "2014Q4", "Quarterly", D(2014, 10, 1), D(2014, 12, 31)),  # DHIS2
    # SixMonthly
    ("2024S1", "2024S1", "SixMonthly", D(2024, 1, 1), D(2024, 6, 30)),
    ("2024S2", "2024S2", "SixMonthly", D(2024, 7, 1), D(2024, 12, 31)),
    # SixMonthlyApril
    ("2024AprilS1", "2024AprilS1", "SixMonthlyApril", D(2024, 4, 1), D(2024, 9, 30)),
    ("2024AprilS2", "2024AprilS2", "SixMonthlyApril", D(2024, 10, 1), D(2025, 3, 31)),
    ("2014AprilS1", "2014AprilS1", "SixMonthlyApril", D(2014, 4, 1), D(2014, 9, 30)),  # DHIS2
    ("2014AprilS2", "2014AprilS2", "SixMonthlyApril", D(2014, 10, 1), D(2015, 3, 31)),  # DHIS2
    # SixMonthlyNov: named by the year the half ends in
    ("2015NovS1", "2015NovS1", "SixMonthlyNov", D(2014, 11, 1), D(2015, 4, 30)),  # DHIS2
    ("2015NovS2", "2015NovS2", "SixMonthlyNov", D(2015, 5, 1), D(2015, 10, 31)),  # DHIS2
    ("2024NovS1", "2024NovS1", "SixMonthlyNov", D(2023, 11, 1), D(2024, 4, 30)),
    ("2024NovS2", "2024NovS2", "SixMonthlyNov", D(2024, 5, 1), D(2024, 10, 31)),
    # Yearly
    ("2024", "2024", "Yearly", D(2024, 1, 1), D(2024, 12, 31)),
    ("2013", "2013", "Yearly", D(2013, 1, 1), D(2013, 12, 31)),  # DHIS2
    # Financial years
    ("2024April", "2024April", "FinancialApril", D(2024, 4, 1), D(2025, 3, 31)),
    ("2013April", "2013April", "FinancialApril", D(2013, 4, 1), D(2014, 3, 31)),  # DHIS2
    ("2024July", "2024July", "FinancialJuly", D(2024, 7, 1), D(2025, 6, 30)),
    ("2013July", "2013July", "FinancialJuly", D(2013, 7, 1), D(2014, 6, 30)),  # DHIS2
    ("2025July", "2025July", "FinancialJuly", D(2025, 7, 1), D(2026, 6, 30)),
    ("2024Oct", "2024Oct", "FinancialOct", D(2024, 10, 1), D(2025, 9, 30)),
    ("2014Oct", "2014Oct", "FinancialOct", D(2014, 10, 1), D(2015, 9, 30)),  # DHIS2
    ("2024Nov", "2024Nov", "FinancialNov", D(2023, 11, 1), D(2024, 10, 31)),
    ("2009Nov", "2009Nov", "FinancialNov", D(2008, 11, 1), D(2009, 10, 31)),  # DHIS2
    # Surrounding whitespace is ignored
    ("  2024Q1\n", "2024Q1", "Quarterly", D(2024, 1, 1), D(2024, 3, 31)),
]


@pytest.mark.parametrize(("code", "canonical", "ptype", "start", "end"), VALID)
def test_parse_valid(code: str, canonical: str, ptype: str, start: date, end: date) -> None:
    p = parse_period(code)
    assert p == Period(canonical, ptype, start, end)
    assert p.iso_interval() == f"{start.isoformat()}/{end.isoformat()}"


@pytest.mark.parametrize(("code", "canonical", "ptype", "start", "end"), VALID)
def test_round_trip_parse_format(code: str, canonical: str, ptype: str, start: date, end: date) -> None:
    assert format_period(ptype, start) == canonical
    assert parse_period(canonical) == parse_period(code)
    assert period_for_date(ptype, start) == parse_period(code)
    assert period_for_date(ptype, end).type == ptype


@pytest.mark.parametrize(("code", "canonical", "ptype", "start", "end"), VALID)
def test_next_previous_are_inverse(code: str, canonical: str, ptype: str, start: date, end: date) -> None:
    p = parse_period(code)
    assert p.next().previous() == p
    assert p.previous().next() == p
    if ptype != "BiWeekly":  # BiW27 of a 53-week year overlaps the next BiW1 (DHIS2 behaviour)
        assert p.next().start == p.end + timedelta(days=1)
        assert p.previous().end == p.start - timedelta(days=1)


# ---------------------------------------------------------------------------
# Invalid codes
# ---------------------------------------------------------------------------

INVALID = [
    ("2014W53", "2014 has only 52 ISO weeks"),  # DHIS2
    ("2009W54", "2009 has only 53 ISO weeks"),  # DHIS2
    ("2024W53", "2024 has only 52 ISO weeks"),
    ("2024W0", "week 0 is invalid"),
    ("2014W0", "week 0 is invalid"),  # DHIS2
    ("2024W00", "week 00 is invalid"),
    ("2024W99", "only 52 ISO weeks"),
    ("2024W005", "not a recognised"),
    ("2014Q5", "quarter 5 is invalid"),  # DHIS2
    ("2014Q0", "quarter 0 is invalid"),  # DHIS2
    ("201407B", "bi-month 07 is invalid"),  # DHIS2
    ("201400B", "bi-month 00 is invalid"),  # DHIS2
    ("202413", "month 13 is invalid"),
    ("202400", "month 00 is invalid"),
    ("2024-13", "month 13 is invalid"),
    ("20240230", "2024-02-30 is not a valid calendar date"),
    ("20230229", "2023-02-29 is not a valid calendar date"),
    ("2024-02-30", "2024-02-30 is not a valid calendar date"),
    ("20241301", "2024-13-01 is not a valid calendar date"),
    ("2014S0", "half-year 0 is invalid"),  # DHIS2
    ("2014S3", "half-year 3 is invalid"),  # DHIS2
    ("2014AprilS0", "half-year 0 is invalid"),  # DHIS2
    ("2014AprilS3", "half-year 3 is invalid"),  # DHIS2
    ("2024NovS3", "half-year 3 is invalid"),
    ("2024BiW0", "bi-week 0 is invalid"),
    ("2024BiW27", "2024 has only 26 bi-weeks"),
    ("2020BiW28", "2020 has only 27 bi-weeks"),
    ("2022WedW54", "2022 has only 53 Wednesday weeks"),
    ("2024SatW54", "2024 has only 53 Saturday weeks"),
    ("2024WedW53", "2024 has only 52 Wednesday weeks"),
    # DHIS2's parser checks weekday-week numbers against the ISO week count; we use the real count.
    ("2026SatW53", "2026 has only 52 Saturday weeks"),
    ("2020ThuW53", "2020 has only 52 Thursday weeks"),
    ("2009SunW53", "2009 has only 52 Sunday weeks"),
    ("0000", "year 0000 is out of range"),
    ("0000W1", "year 0000 is out of range"),
    ("00000101", "year 0000 is out of range"),
    ("0001Nov", "before 0001-01-01"),
    ("0001NovS1", "before 0001-01-01"),
    ("9999April", "outside the supported date range"),
    ("9999AprilS2", "outside the supported date range"),
    ("abc", "not a recognised DHIS2 period code"),
    ("", "empty period code"),
    ("   ", "empty period code"),
    ("2024w5", "case-sensitive"),
    ("2024q1", "case-sensitive"),
    ("2024NOV", "case-sensitive"),
    ("2024april", "case-sensitive"),
    ("2024Nov ", None),  # whitespace is stripped: this one is valid
    ("24Q1", "not a recognised"),
    ("2024Q", "not a recognised"),
    ("2024Q12", "not a recognised"),
    ("2024M01", "not a recognised"),
    ("202401b", "case-sensitive"),
    ("2024-01-1", "not a recognised"),
    ("2024/01/15", "not a recognised"),
    ("2024-0115", "not a recognised"),
    ("20240115T00", "not a recognised"),
    ("2024W5W", "not a recognised"),
    ("2024FinancialJuly", "not a recognised"),
    ("LAST_12_MONTHS", "not a recognised"),  # relative periods are not fixed periods
    ("٢٠٢٤", "not a recognised"),  # Arabic-Indic digits: not ASCII
    ("２０２４Q1", "not a recognised"),  # full-width digits
]


@pytest.mark.parametrize(("code", "fragment"), INVALID)
def test_parse_invalid(code: str, fragment: str | None) -> None:
    if fragment is None:
        parse_period(code)
        return
    with pytest.raises(InvalidPeriod) as excinfo:
        parse_period(code)
    message = str(excinfo.value)
    assert message.startswith(f"Invalid period code {code!r}: ")
    assert fragment in message
    assert excinfo.value.code == code
    assert fragment in excinfo.value.reason


def test_invalid_period_is_value_error() -> None:
    assert issubclass(InvalidPeriod, ValueError)
    with pytest.raises(ValueError, match="2014 has only 52 ISO weeks"):
        parse_period("2014W53")


def test_exact_error_message_for_management_command() -> None:
    with pytest.raises(InvalidPeriod) as excinfo:
        parse_period("2014W53")
    assert str(excinfo.value) == "Invalid period code '2014W53': 2014 has only 52 ISO weeks"


@pytest.mark.parametrize("value", [None, 2024, 202401, b"2024", ["2024"]])
def test_parse_non_string(value: object) -> None:
    with pytest.raises(InvalidPeriod, match="expected a string"):
        parse_period(value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# FinancialNov / SixMonthlyNov naming (dhis2-core: named by the year they END in)
# ---------------------------------------------------------------------------


def test_financial_nov_2024_starts_in_november_2023() -> None:
    p = parse_period("2024Nov")
    assert p.start == D(2023, 11, 1)
    assert p.end == D(2024, 10, 31)
    assert p.name == "November 2023 - October 2024"


def test_financial_nov_dhis2_create_period_cases() -> None:
    # FinancialNovemberPeriodTypeTest.testCreatePeriod
    p = period_for_date("FinancialNov", D(2009, 2, 15))
    assert (p.start, p.end, p.code) == (D(2008, 11, 1), D(2009, 10, 31), "2009Nov")
    p = period_for_date("FinancialNov", D(2009, 11, 12))
    assert (p.start, p.end, p.code) == (D(2009, 11, 1), D(2010, 10, 31), "2010Nov")
    # testGetNextPeriod / testGetPreviousPeriod
    p = period_for_date("FinancialNov", D(2009, 2, 15))
    assert (p.next().start, p.next().end) == (D(2009, 11, 1), D(2010, 10, 31))
    assert (p.previous().start, p.previous().end) == (D(2007, 11, 1), D(2008, 10, 31))


def test_financial_nov_format_uses_end_year() -> None:
    assert format_period("FinancialNov", D(2023, 11, 1)) == "2024Nov"
    assert format_period("FinancialNov", D(2024, 11, 1)) == "2025Nov"


@pytest.mark.parametrize(
    ("d", "start", "end", "code"),
    [
        # SixMonthlyNovemberPeriodTest.testCreatePeriod
        (D(2009, 8, 15), D(2009, 5, 1), D(2009, 10, 31), "2009NovS2"),
        (D(2009, 12, 15), D(2009, 11, 1), D(2010, 4, 30), "2010NovS1"),
        (D(2009, 7, 15), D(2009, 5, 1), D(2009, 10, 31), "2009NovS2"),
        (D(2015, 2, 1), D(2014, 11, 1), D(2015, 4, 30), "2015NovS1"),
        (D(2014, 3, 31), D(2013, 11, 1), D(2014, 4, 30), "2014NovS1"),
    ],
)
def test_six_monthly_nov_dhis2_cases(d: date, start: date, end: date, code: str) -> None:
    p = period_for_date("SixMonthlyNov", d)
    assert (p.start, p.end, p.code) == (start, end, code)


def test_six_monthly_nov_next_previous_dhis2_cases() -> None:
    p = period_for_date("SixMonthlyNov", D(2009, 8, 15))
    assert (p.next().start, p.next().end) == (D(2009, 11, 1), D(2010, 4, 30))
    assert (p.previous().start, p.previous().end) == (D(2008, 11, 1), D(2009, 4, 30))
    p = period_for_date("SixMonthlyNov", D(2009, 12, 15))
    assert (p.next().start, p.next().end) == (D(2010, 5, 1), D(2010, 10, 31))
    assert (p.previous().start, p.previous().end) == (D(2009, 5, 1), D(2009, 10, 31))


def test_financial_july_is_rwanda_fiscal_year() -> None:
    p = period_for_date("FinancialJuly", D(2025, 3, 14))
    assert p.code == "2024July"
    assert p.iso_interval() == "2024-07-01/2025-06-30"
    assert p.name == "July 2024 - June 2025"
    assert period_for_date("FinancialJuly", D(2025, 7, 1)).code == "2025July"
    assert period_for_date("FinancialJuly", D(2025, 6, 30)).code == "2024July"


# ---------------------------------------------------------------------------
# period_for_date: DHIS2 getIsoDate / createPeriod cases
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ptype", "d", "code"),
    [
        # WeeklyPeriodTypeTest.getIsoDate / testGetIsoDate
        ("Weekly", D(2011, 1, 3), "2011W1"),
        ("Weekly", D(2012, 12, 31), "2013W1"),
        ("Weekly", D(2012, 12, 30), "2012W52"),
        ("Weekly", D(2009, 12, 29), "2009W53"),
        ("Weekly", D(2010, 1, 4), "2010W1"),
        ("Weekly", D(2010, 1, 3), "2009W53"),
        ("Weekly", D(2021, 1, 1), "2020W53"),
        ("Weekly", D(2009, 4, 27), "2009W18"),  # testCreatePeriod: Monday 2009-04-27
        # BiWeeklyPeriodTypeTest
        ("BiWeekly", D(2018, 1, 8), "2018BiW1"),
        ("BiWeekly", D(2017, 12, 29), "2017BiW26"),
        ("BiWeekly", D(2018, 1, 1), "2018BiW1"),
        ("BiWeekly", D(2010, 1, 1), "2009BiW27"),
        ("BiWeekly", D(2020, 1, 1), "2020BiW1"),
        ("BiWeekly", D(2019, 1, 1), "2019BiW1"),
        # BiW27 / BiW1 overlap: a date in ISO week 1 belongs to BiW1 (as in DHIS2)
        ("BiWeekly", D(2010, 1, 5), "2010BiW1"),
        # Weekly variants around the new year
        ("WeeklyWednesday", D(2023, 1, 3), "2022WedW53"),
        ("WeeklyWednesday", D(2023, 1, 4), "2023WedW1"),
        ("WeeklyThursday", D(2022, 12, 29), "2023ThuW1"),
        ("WeeklyThursday", D(2022, 12, 28), "2022ThuW52"),
        ("WeeklySaturday", D(2022, 12, 31), "2023SatW1"),
        ("WeeklySaturday", D(2025, 1, 3), "2024SatW53"),
        ("WeeklySunday", D(2023, 1, 1), "2023SunW1"),
        ("WeeklySunday", D(2022, 12, 31), "2022SunW52"),
        # Month-based
        ("Monthly", D(2024, 2, 29), "202402"),
        ("BiMonthly", D(2024, 12, 31), "202406B"),
        ("BiMonthly", D(2024, 4, 30), "202402B"),
        ("Quarterly", D(2024, 5, 15), "2024Q2"),
        ("SixMonthly", D(2024, 6, 30), "2024S1"),
        ("SixMonthly", D(2024, 7, 1), "2024S2"),
        ("SixMonthlyApril", D(2025, 2, 1), "2024AprilS2"),
        ("SixMonthlyApril", D(2025, 4, 1), "2025AprilS1"),
        ("SixMonthlyApril", D(2024, 3, 31), "2023AprilS2"),
        ("Yearly", D(2024, 12, 31), "2024"),
        ("FinancialApril", D(2025, 3, 31), "2024April"),
        ("FinancialApril", D(2025, 4, 1), "2025April"),
        ("FinancialOct", D(2024, 9, 30), "2023Oct"),
        ("FinancialOct", D(2024, 10, 1), "2024Oct"),
        ("FinancialNov", D(2024, 10, 31), "2024Nov"),
        ("FinancialNov", D(2024, 11, 1), "2025Nov"),
        ("Daily", D(2024, 1, 15), "20240115"),
    ],
)
def test_period_for_date(ptype: str, d: date, code: str) -> None:
    p = period_for_date(ptype, d)
    assert p.code == code
    assert p.type == ptype
    assert p.contains(d)
    assert parse_period(code) == p


def test_period_for_date_type_name_is_case_insensitive() -> None:
    assert period_for_date("monthly", D(2024, 3, 9)).type == "Monthly"
    assert normalize_period_type(" financialjuly ") == "FinancialJuly"


@pytest.mark.parametrize("bad", ["Fortnightly", "", "QuarterlyNov", "TwoYearly"])
def test_unknown_period_type(bad: str) -> None:
    with pytest.raises(ValueError, match="Unknown period type"):
        period_for_date(bad, D(2024, 1, 1))
    with pytest.raises(ValueError, match="Unknown period type"):
        periods_between(bad, D(2024, 1, 1), D(2024, 2, 1))
    with pytest.raises(ValueError, match="Unknown period type"):
        format_period(bad, D(2024, 1, 1))


def test_period_for_date_rejects_non_date() -> None:
    with pytest.raises(TypeError):
        period_for_date("Monthly", "2024-01-01")  # type: ignore[arg-type]


def test_period_types_tuple() -> None:
    assert PERIOD_TYPES == (
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
    parsed_types = {p[2] for p in VALID}
    assert parsed_types == set(PERIOD_TYPES)


# ---------------------------------------------------------------------------
# format_period
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ptype", "start"),
    [
        ("Monthly", D(2024, 1, 2)),
        ("Weekly", D(2024, 1, 2)),  # a Tuesday
        ("WeeklySunday", D(2024, 1, 1)),  # a Monday
        ("Quarterly", D(2024, 2, 1)),
        ("FinancialJuly", D(2024, 1, 1)),
        ("FinancialNov", D(2024, 1, 1)),
        ("BiWeekly", D(2024, 1, 8)),  # ISO week 2: middle of BiW1
        ("SixMonthlyApril", D(2024, 1, 1)),
    ],
)
def test_format_period_rejects_non_start_dates(ptype: str, start: date) -> None:
    with pytest.raises(ValueError, match="is not the first day of a"):
        format_period(ptype, start)


def test_format_period_examples() -> None:
    assert format_period("Weekly", D(2024, 1, 29)) == "2024W5"
    assert format_period("Daily", D(2024, 1, 15)) == "20240115"
    assert format_period("Monthly", D(2024, 1, 1)) == "202401"
    assert format_period("BiMonthly", D(2024, 11, 1)) == "202406B"
    assert format_period("SixMonthlyApril", D(2024, 10, 1)) == "2024AprilS2"
    assert format_period("SixMonthlyNov", D(2023, 11, 1)) == "2024NovS1"
    assert format_period("SixMonthlyNov", D(2024, 5, 1)) == "2024NovS2"
    assert format_period("BiWeekly", D(2009, 12, 28)) == "2009BiW27"


# ---------------------------------------------------------------------------
# next / previous across year boundaries
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "next_code", "previous_code"),
    [
        ("20241231", "20250101", "20241230"),
        ("20240301", "20240302", "20240229"),
        ("2024W52", "2025W1", "2024W51"),
        ("2025W1", "2025W2", "2024W52"),
        ("2009W53", "2010W1", "2009W52"),
        ("2010W1", "2010W2", "2009W53"),
        ("2020W53", "2021W1", "2020W52"),
        ("2024SatW53", "2025SatW1", "2024SatW52"),
        ("2025SatW1", "2025SatW2", "2024SatW53"),
        ("2022WedW53", "2023WedW1", "2022WedW52"),
        ("2023SunW1", "2023SunW2", "2022SunW52"),
        ("2024ThuW52", "2025ThuW1", "2024ThuW51"),
        ("2024BiW26", "2025BiW1", "2024BiW25"),
        ("2009BiW27", "2010BiW1", "2009BiW26"),  # next agrees with DHIS2 getNextPeriod
        ("2010BiW1", "2010BiW2", "2009BiW27"),  # DHIS2 getPreviousPeriod would give 2009BiW26
        ("202412", "202501", "202411"),
        ("202501", "202502", "202412"),
        ("202406B", "202501B", "202405B"),
        ("2024Q4", "2025Q1", "2024Q3"),
        ("2025Q1", "2025Q2", "2024Q4"),
        ("2024S2", "2025S1", "2024S1"),
        ("2024AprilS2", "2025AprilS1", "2024AprilS1"),
        ("2024AprilS1", "2024AprilS2", "2023AprilS2"),
        ("2024NovS1", "2024NovS2", "2023NovS2"),
        ("2024NovS2", "2025NovS1", "2024NovS1"),
        ("2024", "2025", "2023"),
        ("2024April", "2025April", "2023April"),
        ("2024July", "2025July", "2023July"),
        ("2024Oct", "2025Oct", "2023Oct"),
        ("2024Nov", "2025Nov", "2023Nov"),
    ],
)
def test_next_previous(code: str, next_code: str, previous_code: str) -> None:
    p = parse_period(code)
    assert p.next().code == next_code
    assert p.previous().code == previous_code


def test_next_previous_at_date_range_edges() -> None:
    with pytest.raises(ValueError, match="outside the supported date range"):
        parse_period("99991231").next()
    with pytest.raises(ValueError, match="outside the supported date range"):
        parse_period("00010101").previous()
    with pytest.raises(ValueError, match="outside the supported date range"):
        parse_period("9999").next()
    assert parse_period("9999Q4").end == date.max
    assert parse_period("0001").start == date.min


# ---------------------------------------------------------------------------
# weeks_in_year
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "ptype", "count"),
    [
        (2009, "Weekly", 53),
        (2014, "Weekly", 52),
        (2015, "Weekly", 53),
        (2020, "Weekly", 53),
        (2024, "Weekly", 52),
        (2026, "Weekly", 53),
        (2024, "WeeklySaturday", 53),
        (2026, "WeeklySaturday", 52),
        (2022, "WeeklyWednesday", 53),
        (2020, "WeeklyWednesday", 52),
        (2023, "WeeklyThursday", 53),
        (2025, "WeeklySunday", 53),
        (2024, "BiWeekly", 26),
        (2020, "BiWeekly", 27),
    ],
)
def test_weeks_in_year(year: int, ptype: str, count: int) -> None:
    assert weeks_in_year(year, ptype) == count


def test_weeks_in_year_rejects_non_weekly_types() -> None:
    with pytest.raises(ValueError, match="weekly period type"):
        weeks_in_year(2024, "Monthly")


def test_iso_weeks_match_python_isocalendar() -> None:
    """Every day 1990-2040: our ISO week agrees with datetime.date.isocalendar()."""
    d = D(1990, 1, 1)
    while d <= D(2040, 12, 31):
        iso = d.isocalendar()
        assert period_for_date("Weekly", d).code == f"{iso.year}W{iso.week}"
        assert period_for_date("BiWeekly", d).code == f"{iso.year}BiW{(iso.week + 1) // 2}"
        d += timedelta(days=1)
    for year in range(1900, 2101):
        assert weeks_in_year(year) == D(year, 12, 28).isocalendar().week


def _reference_week1_start(year: int, first_weekday: int) -> date:
    """Independent reference: the first week starting on first_weekday that has >= 4 days in `year`
    (java.time WeekFields.of(firstDayOfWeek, 4), as used by DHIS2)."""
    d = D(year - 1, 12, 20)
    while True:
        if d.weekday() == first_weekday:
            days_in_year = sum(1 for i in range(7) if (d + timedelta(days=i)).year == year)
            if days_in_year >= 4:
                return d
        d += timedelta(days=1)


@pytest.mark.parametrize(
    ("ptype", "wd", "infix"),
    [
        ("Weekly", 0, "W"),
        ("WeeklyWednesday", 2, "WedW"),
        ("WeeklyThursday", 3, "ThuW"),
        ("WeeklySaturday", 5, "SatW"),
        ("WeeklySunday", 6, "SunW"),
    ],
)
def test_weekly_types_against_reference(ptype: str, wd: int, infix: str) -> None:
    for year in range(1995, 2036):
        week1 = _reference_week1_start(year, wd)
        count = (_reference_week1_start(year + 1, wd) - week1).days // 7
        assert weeks_in_year(year, ptype) == count
        first = parse_period(f"{year}{infix}1")
        last = parse_period(f"{year}{infix}{count}")
        assert first.start == week1
        assert first.start.weekday() == wd
        assert last.end == _reference_week1_start(year + 1, wd) - timedelta(days=1)
        with pytest.raises(InvalidPeriod):
            parse_period(f"{year}{infix}{count + 1}")


# ---------------------------------------------------------------------------
# periods_between
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ptype", "start", "end", "count", "first", "last"),
    [
        ("Monthly", D(2024, 1, 1), D(2024, 12, 31), 12, "202401", "202412"),
        ("Daily", D(2024, 1, 1), D(2024, 12, 31), 366, "20240101", "20241231"),
        ("Daily", D(2023, 1, 1), D(2023, 12, 31), 365, "20230101", "20231231"),
        ("Daily", D(2024, 1, 1), D(2024, 1, 1), 1, "20240101", "20240101"),
        ("Weekly", D(2024, 1, 1), D(2024, 12, 29), 52, "2024W1", "2024W52"),
        ("Weekly", D(2020, 1, 1), D(2020, 12, 31), 53, "2020W1", "2020W53"),
        ("Weekly", D(2009, 1, 1), D(2009, 12, 31), 53, "2009W1", "2009W53"),
        ("Weekly", D(2011, 1, 3), D(2012, 1, 1), 52, "2011W1", "2011W52"),
        ("BiWeekly", D(2024, 1, 1), D(2024, 12, 29), 26, "2024BiW1", "2024BiW26"),
        ("BiWeekly", D(2020, 1, 1), D(2020, 12, 31), 27, "2020BiW1", "2020BiW27"),
        ("BiMonthly", D(2024, 1, 1), D(2024, 12, 31), 6, "202401B", "202406B"),
        ("Quarterly", D(2024, 1, 1), D(2024, 12, 31), 4, "2024Q1", "2024Q4"),
        ("SixMonthly", D(2024, 1, 1), D(2024, 12, 31), 2, "2024S1", "2024S2"),
        ("Yearly", D(2020, 1, 1), D(2024, 12, 31), 5, "2020", "2024"),
        ("FinancialJuly", D(2020, 7, 1), D(2025, 6, 30), 5, "2020July", "2024July"),
        # Overlapping periods at both ends are included (DHIS2 generatePeriods(start, end))
        ("Monthly", D(2024, 1, 15), D(2024, 3, 2), 3, "202401", "202403"),
        ("Quarterly", D(2024, 3, 31), D(2024, 4, 1), 2, "2024Q1", "2024Q2"),
        ("Weekly", D(2024, 1, 1), D(2024, 12, 31), 53, "2024W1", "2025W1"),
        ("FinancialJuly", D(2024, 1, 1), D(2024, 12, 31), 2, "2023July", "2024July"),
        ("FinancialNov", D(2024, 1, 1), D(2024, 12, 31), 2, "2024Nov", "2025Nov"),
        ("SixMonthlyNov", D(2024, 1, 1), D(2024, 12, 31), 3, "2024NovS1", "2025NovS1"),
        ("Yearly", D(2024, 6, 1), D(2024, 6, 1), 1, "2024", "2024"),
    ],
)
def test_periods_between(ptype: str, start: date, end: date, count: int, first: str, last: str) -> None:
    periods = periods_between(ptype, start, end)
    assert len(periods) == count
    assert periods[0].code == first
    assert periods[-1].code == last
    assert periods[0].contains(start)
    assert periods[-1].contains(end)
    for a, b in pairwise(periods):
        assert a.next() == b


@pytest.mark.parametrize(
    ("ptype", "start", "end", "codes"),
    [
        ("Monthly", D(2024, 1, 15), D(2024, 3, 2), ["202402"]),
        ("Monthly", D(2024, 1, 1), D(2024, 3, 31), ["202401", "202402", "202403"]),
        ("Quarterly", D(2024, 1, 2), D(2024, 12, 30), ["2024Q2", "2024Q3"]),
        ("Weekly", D(2024, 1, 1), D(2024, 12, 31), [f"2024W{n}" for n in range(1, 53)]),
        ("FinancialJuly", D(2024, 1, 1), D(2024, 12, 31), []),
        ("Yearly", D(2024, 1, 1), D(2024, 12, 31), ["2024"]),
    ],
)
def test_periods_between_within(ptype: str, start: date, end: date, codes: list[str]) -> None:
    periods = periods_between(ptype, start, end, within=True)
    assert [p.code for p in periods] == codes
    assert all(start <= p.start and p.end <= end for p in periods)


def _whole_weeks_in_2024(weekday: int) -> int:
    days = [D(2024, 1, 1) + timedelta(days=i) for i in range(366)]
    return sum(1 for d in days if d.weekday() == weekday and d + timedelta(days=6) <= D(2024, 12, 31))


def test_periods_between_every_type_in_a_year() -> None:
    assert _whole_weeks_in_2024(0) == 52  # 2024W1 starts 2024-01-01, 2024W52 ends 2024-12-29
    assert _whole_weeks_in_2024(3) == 51  # the Thursday week starting 2024-12-26 ends in 2025
    expected = {
        "Daily": 366,
        # weeks lying wholly inside 2024: count the 2024 start days with 6 more days left in the year
        "Weekly": _whole_weeks_in_2024(0),
        "WeeklyWednesday": _whole_weeks_in_2024(2),
        "WeeklyThursday": _whole_weeks_in_2024(3),
        "WeeklySaturday": _whole_weeks_in_2024(5),
        "WeeklySunday": _whole_weeks_in_2024(6),
        "BiWeekly": 26,
        "Monthly": 12,
        "BiMonthly": 6,
        "Quarterly": 4,
        "SixMonthly": 2,
        "SixMonthlyApril": 1,  # only 2024AprilS1 lies inside 2024
        "SixMonthlyNov": 1,  # only 2024NovS2 (May-Oct 2024)
        "Yearly": 1,
        "FinancialApril": 0,
        "FinancialJuly": 0,
        "FinancialOct": 0,
        "FinancialNov": 0,
    }
    for ptype in PERIOD_TYPES:
        within = periods_between(ptype, D(2024, 1, 1), D(2024, 12, 31), within=True)
        assert len(within) == expected[ptype], ptype


def test_periods_between_rejects_reversed_range() -> None:
    with pytest.raises(ValueError, match="is after end"):
        periods_between("Monthly", D(2024, 2, 1), D(2024, 1, 1))


def test_periods_between_up_to_date_max() -> None:
    periods = periods_between("Monthly", D(9999, 11, 5), date.max)
    assert [p.code for p in periods] == ["999911", "999912"]


# ---------------------------------------------------------------------------
# Period helpers
# ---------------------------------------------------------------------------


def test_contains_and_days() -> None:
    p = parse_period("202402")
    assert p.contains(D(2024, 2, 1))
    assert p.contains(D(2024, 2, 29))
    assert not p.contains(D(2024, 3, 1))
    assert not p.contains(D(2024, 1, 31))
    assert p.days == 29
    assert parse_period("2024").days == 366
    assert parse_period("2024W5").days == 7
    assert parse_period("2024BiW5").days == 14


def test_period_is_frozen_and_hashable() -> None:
    p = parse_period("2024Q1")
    with pytest.raises(AttributeError):
        p.code = "2024Q2"  # type: ignore[misc]
    assert {p, parse_period("2024Q1")} == {p}
    assert str(p) == "2024Q1"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("20240115", "2024-01-15"),
        ("2024W5", "Week 5 2024 (2024-01-29 - 2024-02-04)"),
        ("2024WedW1", "Wednesday week 1 2024 (2024-01-03 - 2024-01-09)"),
        ("2024BiW1", "Bi-week 1 2024 (2024-01-01 - 2024-01-14)"),
        ("202401", "January 2024"),
        ("202401B", "January - February 2024"),
        ("2024Q4", "October - December 2024"),
        ("2024S1", "January - June 2024"),
        ("2024AprilS2", "October 2024 - March 2025"),
        ("2024", "2024"),
        ("2024July", "July 2024 - June 2025"),
        ("2024Nov", "November 2023 - October 2024"),
    ],
)
def test_names(code: str, name: str) -> None:
    assert parse_period(code).name == name


def test_module_does_not_import_django() -> None:
    script = "import sys, amahoro.metadata.periods; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

dates = st.dates(min_value=D(1800, 1, 1), max_value=D(2200, 12, 31))
period_types = st.sampled_from(PERIOD_TYPES)


@settings(max_examples=600, deadline=None)
@given(ptype=period_types, d=dates)
def test_property_period_for_date(ptype: str, d: date) -> None:
    p = period_for_date(ptype, d)
    assert p.type == ptype
    assert p.contains(d)
    assert p.start <= p.end
    assert parse_period(p.code) == p
    assert format_period(ptype, p.start) == p.code
    assert period_for_date(ptype, p.start) == p
    assert p.next().previous() == p
    assert p.previous().next() == p
    if ptype == "BiWeekly":
        assert p.next().start <= p.end + timedelta(days=1)
        assert p.days == 14
    else:
        assert p.next().start == p.end + timedelta(days=1)
        assert period_for_date(ptype, p.end) == p


@settings(max_examples=300, deadline=None)
@given(ptype=period_types, a=dates, b=dates)
def test_property_periods_between(ptype: str, a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    if ptype == "Daily" and (end - start).days > 2000:
        end = start + timedelta(days=2000)
    periods = periods_between(ptype, start, end)
    assert periods[0].contains(start)
    assert periods[-1].contains(end)
    assert all(p.start <= end and p.end >= start for p in periods)
    assert all(x.next() == y for x, y in pairwise(periods))
    within = periods_between(ptype, start, end, within=True)
    assert within == [p for p in periods if p.start >= start and p.end <= end]


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=14))
def test_property_parse_never_crashes(text: str) -> None:
    try:
        p = parse_period(text)
    except InvalidPeriod as exc:
        assert str(exc).startswith("Invalid period code ")
    else:
        assert parse_period(p.code) == p
        assert p.code.isascii()


@settings(max_examples=300, deadline=None)
@given(year=st.integers(min_value=1, max_value=9998), n=st.integers(min_value=0, max_value=60))
def test_property_week_codes(year: int, n: int) -> None:
    for infix, ptype in (("W", "Weekly"), ("SatW", "WeeklySaturday"), ("BiW", "BiWeekly")):
        code = f"{year:04d}{infix}{n}"
        count = weeks_in_year(year, ptype)
        if 1 <= n <= count:
            try:
                p = parse_period(code)
            except InvalidPeriod as exc:  # only at the very ends of the date range
                assert "outside the supported date range" in str(exc)
            else:
                assert p.code == code
        else:
            with pytest.raises(InvalidPeriod):
                parse_period(code)
