"""Background work of the data app: the scheduled DHIS2 sync (see dhis2_schedule.py), queued as
`amahoro.core.tasks.run_task("amahoro.data.tasks.dhis2_sync")`, and the daily reporting reminders
(reminder_schedule.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

LOCK_SECONDS = 6 * 3600


def dhis2_sync(remote_name: str = "") -> list[dict[str, Any]]:
    """Push (then pull, where data elements are mapped for it) every enabled remote since its last run.
    A cache lock keeps two runs from overlapping; a failing remote does not stop the others."""
    import logging

    from django.core.cache import cache

    from amahoro.core.errors import AmahoroError
    from amahoro.data import dhis2_sync as sync

    log = logging.getLogger(__name__)
    lock = f"amahoro:dhis2-sync:{remote_name or '*'}"
    if not cache.add(lock, "1", LOCK_SECONDS):
        log.info("dhis2 sync already running; skipped")
        return []
    results: list[dict[str, Any]] = []
    try:
        for remote in sync.remotes_for(remote_name or None):
            fallback = date.today() - timedelta(days=30)
            try:
                since = remote.last_pushed_at.date() if remote.last_pushed_at else fallback
                results.append(sync.dhis2_push(remote=remote, since=since).as_dict())
                if remote.pull_enabled:
                    since = remote.last_pulled_at.date() if remote.last_pulled_at else fallback
                    results.append(sync.dhis2_pull(remote=remote, since=since).as_dict())
            except (sync.RemoteError, AmahoroError) as exc:
                log.warning("dhis2 sync with %s failed: %s", remote.name, getattr(exc, "message", exc))
                results.append({"remote": remote.name, "error": str(getattr(exc, "message", exc))})
    finally:
        cache.delete(lock)
    return results


def reporting_reminders() -> dict[str, Any]:
    """The daily reporting reminders (see reminder_schedule.py); a cache lock keeps two runs apart."""
    from django.core.cache import cache

    from amahoro.data.reminders import send_reporting_reminders

    lock = "amahoro:reporting-reminders"
    if not cache.add(lock, "1", LOCK_SECONDS):
        return {}
    try:
        return send_reporting_reminders().as_dict()
    finally:
        cache.delete(lock)
