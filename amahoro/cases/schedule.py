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


ESCALATE_TASK = "amahoro.cases.tasks.referrals_escalate"


def referral_beat_schedule() -> dict[str, Any]:
    """Every 15 minutes: referrals past their reply time are escalated, once, to the case's supervisors
    (without Celery, cron runs `amahoro escalate_referrals`)."""
    from celery.schedules import crontab

    return {
        "gbv-referrals-escalate": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute="*/15"),
            "args": [ESCALATE_TASK],
            "options": {"expires": 14 * 60},
        }
    }


DEADLINES_TASK = "amahoro.cases.tasks.deadlines_notify"


def deadline_beat_schedule() -> dict[str, Any]:
    """Every 15 minutes: PEP/EC countdowns entering their last 12 h tell the case's worker, passed windows the
    case's supervisors, once each (without Celery, cron runs `amahoro notify_deadlines`)."""
    from celery.schedules import crontab

    return {
        "gbv-deadlines-notify": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute="*/15"),
            "args": [DEADLINES_TASK],
            "options": {"expires": 14 * 60},
        }
    }


def reply_hours_from_env(value: str) -> dict[str, int]:
    """CASES_REFERRAL_REPLY_HOURS as "urgent=24,high=72,normal=168" (any subset; the rest keep their
    defaults, see services.reply_hours)."""
    out: dict[str, int] = {}
    for part in value.split(","):
        if "=" in part:
            key, hours = part.split("=", 1)
            out[key.strip()] = int(hours)
    return out
