"""Background work of notifications (queued with amahoro.core.tasks.run_task; idempotent).

With a broker, `send_pending` runs in a Celery worker. Without one, `core.tasks` calls it in the web process
right after the request's transaction commits, i.e. before the page answers: so it starts a thread and
returns at once (a slow mail server or SMS gateway never holds the request), unless
NOTIFICATIONS_SEND_INLINE asks to send in place. A thread that dies with the process loses nothing: the
deliveries stay in the database, and the next run (beat, cron or the next notify) takes them."""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from amahoro.core.tasks import in_background

from .sending import send_pending as _send_pending

log = logging.getLogger(__name__)


def send_pending() -> threading.Thread | None:
    """Send the due e-mail and SMS deliveries (queued by notify(), and by Celery beat every minute); in a
    thread when there is no worker and inline sending is off (the thread is returned, for tests to join)."""
    inline = bool(settings.CELERY_BROKER_URL) or settings.NOTIFICATIONS_SEND_INLINE
    return in_background(_send_now, name="notifications-send", inline=inline)


def _send_now() -> None:
    summary = _send_pending()
    if summary.claimed:
        log.info("notifications: %s", summary)
