"""When the GBV accountability counts are pushed by themselves (no Django imports: settings use it).

With `AMAHORO_ACCOUNTABILITY_PUSH_USER` set (an account holding case.statistics and data.enter over whole
provinces), Celery beat pushes the previous month on the 5th of every month at 02:00 (Africa/Kigali), once
the month's late intakes are in. Installations without Celery run the same from cron:
`amahoro cases_push_accountability last-month --user USERNAME`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

LAST_MONTH = "last-month"
TASK = "amahoro.cases.tasks.accountability_push"


def last_month_code(today: date | None = None) -> str:
    """The DHIS2 monthly code of the calendar month before `today` (e.g. 202602 on 2026-03-05)."""
    first = (today or date.today()).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y%m")


def period_code(period: str) -> str:
    """`period` itself, or for "last-month" the month before today in the installation's time zone."""
    if period != LAST_MONTH:
        return period
    from django.utils import timezone

    return last_month_code(timezone.localdate())


def beat_schedule(username: str) -> dict[str, Any]:
    """The Celery beat entries (CELERY_BEAT_SCHEDULE) for `username`, or none without a username."""
    if not username:
        return {}
    from celery.schedules import crontab

    return {
        "gbv-accountability-push-monthly": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=0, hour=2, day_of_month=5),
            "args": [TASK, username, LAST_MONTH],
        }
    }
