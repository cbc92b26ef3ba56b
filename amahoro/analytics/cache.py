"""Results of `engine.aggregate()` remembered per snapshot and per change set, so a repeated question (a
dashboard's item, the same pivot opened by many people) costs only the check for changes.

An answer is a function of exactly four things, and the key holds all four:

- the snapshot the host reads (its store location, generation and watermark: a new refresh starts afresh);
- the values changed in the database since that snapshot's watermark, which every query reads anyway
  (store.changed_rows: a handful of rows, the query's data elements only). The key holds those rows
  themselves, not a count or a time: a value saved, edited or soft-deleted one request earlier changes them,
  so the next query misses and computes; nothing is served that the uncached path would not answer;
- the query as parsed (data elements, dates, dimensions, scope arguments: the engine's Query, whatever
  fields it grows) and the data elements' aggregation types read for it;
- the caller's scope: the (organisation, subtree) pairs of the user's data.view grants as the policy gives
  them at this request (not the user's id: a grant added or revoked changes the key at once).

Not used on the live path (no snapshot yet: the "changes" are all the values), nor when the changes are
many (a large import in progress: the key would be as big as the work). Per process, bounded (LRU), dropped
whole when the snapshot changes. `AMAHORO_ANALYTICS_RESULT_CACHE = False` turns it off (the benchmark does,
to time the engine itself).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import polars as pl
from django.conf import settings

from amahoro import policy
from amahoro.roles import Perm

# Answers kept per process; a national dashboard asks a few dozen distinct questions.
MAX_ENTRIES = 256
# Above this many changed rows since the snapshot the answer is not remembered (the key would be as large as
# the work it saves; the worker's next refresh brings the count down).
MAX_CHANGED_ROWS = 2_000

_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
_snapshot_seen: list[tuple[Any, ...]] = []
stats = {"hits": 0, "misses": 0}


def enabled() -> bool:
    return bool(getattr(settings, "AMAHORO_ANALYTICS_RESULT_CACHE", True))


def key(
    snapshot: Any, changes: pl.DataFrame, query: Any, *parts: Any, user: Any = None
) -> tuple[Any, ...] | None:
    """The cache key of one aggregate() call, or None when its answer must not be remembered.

    `snapshot`: engine.Snapshot; `changes`: the rows the query merges (store.changed_rows);
    `query`: the parsed query (its repr holds every field); `parts`: anything else the answer depends on
    (the aggregation types read); `user`: the caller whose data.view grants scope the answer."""
    if snapshot.live or not enabled() or changes.height > MAX_CHANGED_ROWS:
        return None
    manifest = snapshot.manifest
    version = (snapshot.where, manifest.generation, manifest.watermark.isoformat(), manifest.base)
    grants: tuple[Any, ...] | None = None
    if user is not None:
        _scope, allowed = policy.grant_scopes(user, Perm.DATA_VIEW, "data.datavalue")
        grants = tuple(sorted(set(allowed), key=repr))
    rows = tuple(changes.rows()) if changes.height else ()
    return (version, rows, repr(query), repr(parts), grants)


def get(cache_key: tuple[Any, ...] | None) -> list[dict[str, Any]] | None:
    """A copy of the remembered answer (callers may change the dicts they get), or None."""
    if cache_key is None:
        return None
    with _lock:
        if _snapshot_seen and _snapshot_seen[0] != cache_key[0]:
            _entries.clear()  # a new snapshot: every older answer is unreachable anyway
            _snapshot_seen.clear()
        found = _entries.get(cache_key)
        if found is None:
            stats["misses"] += 1
            return None
        _entries.move_to_end(cache_key)
        stats["hits"] += 1
    return [dict(row) for row in found]


def put(cache_key: tuple[Any, ...] | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Remember the answer (a copy) under the key; returns `rows` unchanged."""
    if cache_key is None:
        return rows
    kept = [dict(row) for row in rows]
    with _lock:
        if not _snapshot_seen or _snapshot_seen[0] != cache_key[0]:
            _entries.clear()
            _snapshot_seen[:] = [cache_key[0]]
        _entries[cache_key] = kept
        _entries.move_to_end(cache_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return rows


def clear() -> None:
    with _lock:
        _entries.clear()
        _snapshot_seen.clear()
        stats.update(hits=0, misses=0)
