"""Background work of notifications (queued with amahoro.core.tasks.run_task; idempotent)."""

from __future__ import annotations

import logging

from .sending import send_pending as _send_pending

log = logging.getLogger(__name__)


def send_pending() -> None:
    """Send the due e-mail and SMS deliveries (queued by notify(), and by Celery beat every minute)."""
    summary = _send_pending()
    if summary.claimed:
        log.info("notifications: %s", summary)
