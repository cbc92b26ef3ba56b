"""When the worker refreshes the analytics store (no Django imports: settings use it).

Celery beat queues an incremental refresh every minute and a full rebuild every night at 01:30
(Africa/Kigali). Installations without Celery run the same from cron: `amahoro analytics_refresh` and
`amahoro analytics_refresh --full`. App hosts never build the store themselves.
"""

from __future__ import annotations

from typing import Any

TASK = "amahoro.analytics.tasks.analytics_refresh"


def beat_schedule() -> dict[str, Any]:
    """The Celery beat entries (CELERY_BEAT_SCHEDULE) of the analytics store."""
    from celery.schedules import crontab

    return {
        "analytics-refresh-every-minute": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": 60.0,
            "args": [TASK],
            # A minute's refresh not started within the minute is dropped: the next one does its work.
            "options": {"expires": 55},
        },
        "analytics-refresh-full-nightly": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=30, hour=1),
            "args": [TASK, "full"],
        },
    }
