"""When the statistical-alarm detectors run by themselves (no Django imports: settings use it).

Celery beat runs them on Monday at 03:30 (Kigali), over the ISO week that ended the day before; installations
without Celery run `amahoro ewer_detect` from cron (`30 3 * * 1`). A second run in the same week stores
nothing twice."""

from __future__ import annotations

from typing import Any

DETECT_TASK = "amahoro.warning.detectors.detectors_run"


def beat_schedule() -> dict[str, Any]:
    from celery.schedules import crontab

    return {
        "ewer-detectors-run": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": crontab(minute=30, hour=3, day_of_week="mon"),
            "args": [DETECT_TASK],
            "options": {"expires": 6 * 3600},
        }
    }
