"""When reporting reminders go out by themselves (no Django imports: settings use it).

Celery beat runs `send_reporting_reminders` once a day at `AMAHORO_REPORT_REMINDER_HOUR` (Africa/Kigali;
empty = off). Installations without Celery run the same from cron: `0 7 * * * amahoro send_reporting_reminders`.
"""

from __future__ import annotations

from typing import Any

TASK = "amahoro.data.tasks.reporting_reminders"


def beat_schedule(hour: str) -> dict[str, Any]:
    """The Celery beat entry of the daily reminders at `hour`, or none when `hour` is empty."""
    if not hour.strip():
        return {}
    if not hour.strip().isdigit() or not 0 <= int(hour) <= 23:
        raise ValueError(f"AMAHORO_REPORT_REMINDER_HOUR must be an hour 0-23, not '{hour}'")
    from celery.schedules import crontab

    return {
        "reporting-reminders-daily": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=30, hour=int(hour)),
            "args": [TASK],
        }
    }
