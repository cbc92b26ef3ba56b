"""When overdue signals are escalated and the NAP P2.O3 figures published by themselves (no Django imports:
settings use it).

Celery beat runs the escalation every 5 minutes, and publishes the previous month's P2.O3 figures on the 3rd
of every month at 02:30 (Africa/Kigali); installations without Celery run `amahoro ewer_escalate` from cron
(`*/5 * * * *`) and `amahoro ewer_publish last-month` (`30 2 3 * *`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

ESCALATE_TASK = "amahoro.warning.tasks.signals_escalate"
PUBLISH_TASK = "amahoro.warning.tasks.nap_publish"
LAST_MONTH = "last-month"


def beat_schedule() -> dict[str, Any]:
    from celery.schedules import crontab

    return {
        "ewer-signals-escalate": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute="*/5"),
            "args": [ESCALATE_TASK],
            "options": {"expires": 4 * 60},
        }
    }


def publish_beat_schedule() -> dict[str, Any]:
    """The 3rd of every month, 02:30: the previous month's P2.O3 figures, as the platform (idempotent: a
    second run writes nothing new)."""
    from celery.schedules import crontab

    return {
        "ewer-nap-publish-monthly": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=30, hour=2, day_of_month=3),
            "args": [PUBLISH_TASK, LAST_MONTH],
            "options": {"expires": 12 * 3600},
        }
    }


def period_code(period: str, today: date | None = None) -> str:
    """`period` itself, or for "last-month" the DHIS2 code of the calendar month before `today` (by default
    today in the installation's time zone)."""
    if period != LAST_MONTH:
        return period
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y%m")


def deadline_hours_from_env(value: str) -> dict[str, int]:
    """EWER_DEADLINE_HOURS as "immediate=4,high=24,routine=72" (any subset; the rest keep those defaults)."""
    out: dict[str, int] = {}
    for part in value.split(","):
        if "=" in part:
            key, hours = part.split("=", 1)
            out[key.strip()] = int(hours)
    return out
