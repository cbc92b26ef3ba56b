"""When overdue signals are escalated by themselves (no Django imports: settings use it).

Celery beat runs the escalation every 5 minutes; installations without Celery run `amahoro ewer_escalate`
from cron (`*/5 * * * *`)."""

from __future__ import annotations

from typing import Any

ESCALATE_TASK = "amahoro.warning.tasks.signals_escalate"


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


def deadline_hours_from_env(value: str) -> dict[str, int]:
    """EWER_DEADLINE_HOURS as "immediate=4,high=24,routine=72" (any subset; the rest keep those defaults)."""
    out: dict[str, int] = {}
    for part in value.split(","):
        if "=" in part:
            key, hours = part.split("=", 1)
            out[key.strip()] = int(hours)
    return out
