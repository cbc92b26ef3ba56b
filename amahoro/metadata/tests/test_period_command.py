"""`amahoro period CODE`: JSON for every period type (DHIS2's published cases), and a non-zero exit with the
reason for invalid codes. The parser itself is tested in test_periods.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

# (code, type, start, end): one or more per period type; "DHIS2" = from dhis2-core's tests.
CASES = [
    ("20140204", "Daily", "2014-02-04", "2014-02-04"),  # DHIS2
    ("2014-02-04", "Daily", "2014-02-04", "2014-02-04"),
    ("2009W1", "Weekly", "2008-12-29", "2009-01-04"),  # DHIS2
    ("2009W53", "Weekly", "2009-12-28", "2010-01-03"),  # DHIS2: valid, 2009 has 53 ISO weeks
    ("2014W2", "Weekly", "2014-01-06", "2014-01-12"),  # DHIS2
    ("2023WedW1", "WeeklyWednesday", "2023-01-04", "2023-01-10"),  # multi-calendar-dates
    ("2023ThuW1", "WeeklyThursday", "2022-12-29", "2023-01-04"),  # multi-calendar-dates
    ("2023SatW1", "WeeklySaturday", "2022-12-31", "2023-01-06"),  # multi-calendar-dates
    ("2023SunW1", "WeeklySunday", "2023-01-01", "2023-01-07"),  # multi-calendar-dates
    ("2018BiW1", "BiWeekly", "2018-01-01", "2018-01-14"),  # DHIS2
    ("2009BiW27", "BiWeekly", "2009-12-28", "2010-01-10"),  # DHIS2
    ("201402", "Monthly", "2014-02-01", "2014-02-28"),  # DHIS2
    ("2014-03", "Monthly", "2014-03-01", "2014-03-31"),  # DHIS2
    ("201401B", "BiMonthly", "2014-01-01", "2014-02-28"),  # DHIS2
    ("201406B", "BiMonthly", "2014-11-01", "2014-12-31"),  # DHIS2
    ("2014Q2", "Quarterly", "2014-04-01", "2014-06-30"),  # DHIS2
    ("2024S1", "SixMonthly", "2024-01-01", "2024-06-30"),
    ("2014AprilS2", "SixMonthlyApril", "2014-10-01", "2015-03-31"),  # DHIS2
    ("2015NovS1", "SixMonthlyNov", "2014-11-01", "2015-04-30"),  # DHIS2
    ("2013", "Yearly", "2013-01-01", "2013-12-31"),  # DHIS2
    ("2013April", "FinancialApril", "2013-04-01", "2014-03-31"),  # DHIS2
    ("2013July", "FinancialJuly", "2013-07-01", "2014-06-30"),  # DHIS2; Rwanda's fiscal year
    ("2014Oct", "FinancialOct", "2014-10-01", "2015-09-30"),  # DHIS2
    ("2009Nov", "FinancialNov", "2008-11-01", "2009-10-31"),  # DHIS2: named by the year it ends in
]
INVALID = [
    ("2014W53", "2014 has only 52 ISO weeks"),
    ("2014Q5", "2014Q5"),
    ("201407B", "201407B"),
    ("2014W0", "2014W0"),
    ("2014S3", "2014S3"),
    ("2014AprilS3", "2014AprilS3"),
    ("nonsense", "nonsense"),
]
ROOT = Path(__file__).resolve().parents[3]


def run(code: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("period", code, stdout=out)
    return json.loads(out.getvalue())


def test_every_period_type_is_covered() -> None:
    from amahoro.metadata.periods import PERIOD_TYPES

    assert {c[1] for c in CASES} == set(PERIOD_TYPES)


@pytest.mark.parametrize(("code", "kind", "start", "end"), CASES)
def test_period_command_prints_dhis2_dates_as_json(code: str, kind: str, start: str, end: str) -> None:
    payload = run(code)
    assert {k: payload[k] for k in ("type", "start", "end")} == {"type": kind, "start": start, "end": end}
    expected_code = code.replace("-", "") if kind in ("Daily", "Monthly") else code
    assert payload["code"] == expected_code
    assert payload["iso"] == f"{start}/{end}"


@pytest.mark.parametrize(("code", "reason"), INVALID)
def test_invalid_code_is_a_command_error_with_the_reason(code: str, reason: str) -> None:
    with pytest.raises(CommandError) as exc:
        run(code)
    assert str(exc.value).startswith(f"Invalid period code '{code}'")
    assert reason in str(exc.value)


@pytest.mark.parametrize(("code", "status"), [("2014W53", 1), ("2014Q5", 1), ("201407B", 1), ("2009W53", 0)])
def test_cli_exit_status(code: str, status: int) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "amahoro.settings.test"}
    result = subprocess.run(
        [sys.executable, "-m", "amahoro.manage", "period", code, "--skip-checks"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == status, result.stderr
    if status:
        assert f"Invalid period code '{code}'" in result.stderr
        assert result.stdout == ""
    else:
        assert json.loads(result.stdout)["start"] == "2009-12-28"
