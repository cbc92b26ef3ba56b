"""Background work of analytics: keeping the columnar store fresh.

Celery beat runs `analytics_refresh` every minute and a full rebuild nightly (amahoro.analytics.schedule;
without Celery, cron: `amahoro analytics_refresh` and `amahoro analytics_refresh --full`). Only the worker
builds the store; queries are fresh without it (they merge the latest changes from the database, or read
the database alone until a first snapshot exists); the refresh keeps that merge small. Runs never overlap:
a refresh that finds another one running returns at once.
"""

from __future__ import annotations

from typing import Any

from amahoro.analytics import store


def analytics_refresh(mode: int | str = "") -> dict[str, Any]:
    """Incremental refresh of the analytics store; `mode="full"` rebuilds it from scratch."""
    if mode not in ("", "full", 0, 1):
        raise ValueError(f"analytics_refresh: unknown mode {mode!r} (use 'full' or nothing)")
    return store.refresh(full=mode in ("full", 1)).as_dict()
