"""Background work of analytics: keeping the columnar store fresh.

Schedule `analytics_refresh` every minute (cron: `amahoro analytics_refresh`, or a Celery beat entry for
"amahoro.analytics.tasks.analytics_refresh") and a full rebuild nightly (`amahoro analytics_refresh
--full`). Queries are fresh without it (they merge the latest changes from the database); the refresh keeps
that merge small. Runs never overlap: a refresh that finds another one running returns at once.
"""

from __future__ import annotations

from typing import Any

from amahoro.analytics import store


def analytics_refresh(mode: int | str = "") -> dict[str, Any]:
    """Incremental refresh of the analytics store; `mode="full"` rebuilds it from scratch."""
    if mode not in ("", "full", 0, 1):
        raise ValueError(f"analytics_refresh: unknown mode {mode!r} (use 'full' or nothing)")
    return store.refresh(full=mode in ("full", 1)).as_dict()
