"""When the DHIS2 sync runs by itself (no Django imports: settings use it).

With `AMAHORO_DHIS2_SYNC_HOUR` set (0-23), Celery beat pushes every enabled remote DHIS2 each day at that
hour (Africa/Kigali) since its last push, and pulls from those with pull enabled. Installations without
Celery run `amahoro dhis2_push` and `amahoro dhis2_pull` from cron.
"""

from __future__ import annotations

from typing import Any

TASK = "amahoro.data.tasks.dhis2_sync"


def beat_schedule(hour: str) -> dict[str, Any]:
    """The Celery beat entry for the daily sync at `hour`, or none when `hour` is empty."""
    if not hour.strip():
        return {}
    if not hour.strip().isdigit() or not 0 <= int(hour) <= 23:
        raise ValueError(f"AMAHORO_DHIS2_SYNC_HOUR must be an hour 0-23, not '{hour}'")
    from celery.schedules import crontab

    return {
        "dhis2-sync-daily": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=15, hour=int(hour)),
            "args": [TASK],
        }
    }
