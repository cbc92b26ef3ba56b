"""When pending e-mails and SMS are sent by themselves (no Django imports: settings use it).

Celery beat runs `send_pending()` every minute: new deliveries (also queued at once by `notify()`), retries
whose back-off has passed, and deliveries a dead sender left claimed. Installations without Celery run the
same from cron: `* * * * * amahoro send_notifications`.
"""

from __future__ import annotations

from typing import Any

TASK = "amahoro.notifications.tasks.send_pending"
EVERY_SECONDS = 60.0


def beat_schedule() -> dict[str, Any]:
    """The Celery beat entry (CELERY_BEAT_SCHEDULE) of notification deliveries."""
    return {
        "notifications-send-pending": {
            "task": "amahoro.core.tasks.run_path",
            "schedule": EVERY_SECONDS,
            "args": [TASK],
            # A run not started before the next one is due is dropped: the next one sends the same.
            "options": {"expires": EVERY_SECONDS - 10},
        }
    }
