"""When subscribed reports are e-mailed (no Django imports: settings use it).

Celery beat runs `send_due()` every 15 minutes: a subscription goes out on its day (Africa/Kigali), and a
failed send is tried again once its back-off has passed (15 min, 1 h, 4 h, 12 h). Installations without
Celery run the same from cron: `*/15 * * * * amahoro send_due_reports`.
"""

from __future__ import annotations

from typing import Any

TASK = "amahoro.reports.subscriptions.send_due_task"
EVERY_SECONDS = 15 * 60.0


def beat_schedule() -> dict[str, Any]:
    """The Celery beat entries (CELERY_BEAT_SCHEDULE) of report subscriptions."""
    return {
        "reports-send-due": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": EVERY_SECONDS,
            "args": [TASK],
            # A run not started before the next one is due is dropped: the next one sends the same.
            "options": {"expires": EVERY_SECONDS - 60},
        }
    }
