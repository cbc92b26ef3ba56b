"""The columnar store behind analytics: data values exported from the database into Parquet files, refreshed
in full or by an `updated_at` watermark, plus the small dimension tables (org units, periods, category
option combos) that aggregation joins.

Where it lives (settings.AMAHORO_ANALYTICS_STORE, default VAR_DIR/analytics, always absolute): a directory
every app host can read (shared storage), or `s3://bucket/prefix` on an S3-compatible object store
(amahoro.analytics.remote). Only the worker writes it (beat: `analytics_refresh` every minute, full
nightly); an app host never builds it, and answers from the database until a snapshot is there
(amahoro.analytics.engine). For an s3:// store the worker builds in a local working directory
(AMAHORO_ANALYTICS_WORK_DIR, default VAR_DIR/analytics-work) and then publishes.

Layout of the store:

    manifest.json              which files make up the current snapshot, and its watermark
    base-<gen>-<tag>.parquet   live numeric values (de_id, ou_id, period_id, coc_id, aoc_id, org_id, value),
                               sorted by data element then period so a query reads only its row groups
    delta-<gen>-<tag>.parquet  values changed since the base was built (same columns plus `deleted`):
                               newest state per key; a query lets it replace the base rows with the same key
    org_units-<gen>-<tag>.parquet, periods-..., coc_options-...   dimensions
    refresh.lock               held (flock) by the one refresh that may run at a time (local directory)

Files are written under a new name (the random tag keeps two workers from ever writing the same name) and
the manifest is replaced atomically (rename; on S3 one PUT), so a reader on any host always sees a
consistent set; files the manifest no longer names are removed after a grace period.

Freshness: the snapshot's watermark is the time its refresh started. A query also reads, straight from the
database, the values of its data elements with updated_at > watermark - QUERY_OVERLAP and lets them win
over the files; so a saved value (or a soft delete) counts at once, however old the snapshot. The overlap
covers transactions that stamped updated_at before the refresh read but committed after it; an incremental
refresh re-reads a longer REFRESH_OVERLAP for the same reason (a long import), and a nightly full rebuild
catches the rest (hard deletes, which the application never does for data values).
"""

# DuckDB statements here are composed from this module's constants and server-side file paths (quotes
# escaped by _sql_path), never from request input: hence the file-wide S608 exemption.
# ruff: noqa: S608
from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from amahoro.analytics import remote
from amahoro.data.models import DataValue, Period
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import CategoryComboMembership, CategoryOptionCombo, CategoryOptionMembership

log = logging.getLogger(__name__)

FORMAT = 1
KEY = ["de_id", "ou_id", "period_id", "coc_id", "aoc_id"]
FACT_COLUMNS = [*KEY, "org_id", "value"]
FACT_SCHEMA: dict[str, Any] = {
    "de_id": pl.Int64,
    "ou_id": pl.Int64,
    "period_id": pl.Int64,
    "coc_id": pl.Int64,
    "aoc_id": pl.Int64,
    "org_id": pl.Int64,
    "value": pl.Float64,
}
DELTA_SCHEMA: dict[str, Any] = {**FACT_SCHEMA, "deleted": pl.Boolean}
_EMPTY_DELTA = pl.DataFrame(schema=DELTA_SCHEMA)
_CSV_COLUMNS = (
    "{'de_id': 'BIGINT', 'ou_id': 'BIGINT', 'period_id': 'BIGINT', 'coc_id': 'BIGINT', 'aoc_id': 'BIGINT', "
    "'org_id': 'BIGINT', 'value': 'DOUBLE', 'deleted': 'BOOLEAN'}"
)
_VALUE_FIELDS = (
    "data_element_id",
    "org_unit_id",
    "period_id",
    "category_option_combo_id",
    "attribute_option_combo_id",
    "organisation_id",
    "numeric_value",
    "deleted",
)
# Rows per Parquet row group: about one data element's values in a national monthly data set, so a
# query for a few data elements reads a few row groups.
ROW_GROUP_SIZE = 65_536
# Files no longer in the manifest are kept this long for readers that loaded the previous manifest.
GRACE_SECONDS = 600


def store_location() -> str:
    """The configured store: an absolute directory or an s3:// URL (AMAHORO_ANALYTICS_DIR, the setting's
    older name, still wins when set)."""
    configured = getattr(settings, "AMAHORO_ANALYTICS_DIR", None) or getattr(
        settings, "AMAHORO_ANALYTICS_STORE", None
    )
    return str(configured) if configured else str(Path(settings.VAR_DIR) / "analytics")


def remote_location() -> remote.S3Location | None:
    location = store_location()
    return remote.S3Location.parse(location) if location.startswith("s3://") else None


def store_dir() -> Path:
    """The local directory refreshes build in: the store itself, or for an s3:// store the worker's
    working copy. Never relative: a relative path would follow the process's working directory."""
    if remote_location() is not None:
        work = getattr(settings, "AMAHORO_ANALYTICS_WORK_DIR", None)
        path = Path(work) if work else Path(settings.VAR_DIR) / "analytics-work"
    else:
        path = Path(store_location())
    if not path.is_absolute():
        raise ImproperlyConfigured(f"the analytics store must be an absolute path, not {str(path)!r}")
    return path


def file_uri(name: str) -> str:
    """Where readers find one of the snapshot's files: a local path or an s3:// URI."""
    location = remote_location()
    return location.uri(name) if location is not None else str(store_dir() / name)


def read_options() -> dict[str, str] | None:
    """Polars' storage_options for reading the store's files (None for a local directory)."""
    return remote.storage_options() if remote_location() is not None else None


def check_seconds() -> float:
    """How long an app host trusts the s3:// manifest it read before reading it again (queries stay fresh
    regardless: they merge the database's changes since the snapshot's watermark)."""
    return float(getattr(settings, "AMAHORO_ANALYTICS_CHECK_SECONDS", 10))


def query_overlap() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "AMAHORO_ANALYTICS_QUERY_OVERLAP", 120)))


def refresh_overlap() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "AMAHORO_ANALYTICS_REFRESH_OVERLAP", 3600)))


def fold_rows() -> int:
    """Fold the delta into a new base once it holds more rows than this."""
    return int(getattr(settings, "AMAHORO_ANALYTICS_FOLD_ROWS", 200_000))


# ---------------------------------------------------------------------------------------------------------
# Manifest


@dataclass
class Manifest:
    generation: int
    base: str
    delta: str | None
    org_units: str
    periods: str
    coc_options: str
    watermark: datetime
    built_at: datetime
    base_rows: int
    delta_rows: int
    kind: str

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generation": self.generation,
            "base": self.base,
            "delta": self.delta,
            "org_units": self.org_units,
            "periods": self.periods,
            "coc_options": self.coc_options,
            "watermark": self.watermark.isoformat(),
            "built_at": self.built_at.isoformat(),
            "base_rows": self.base_rows,
            "delta_rows": self.delta_rows,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            generation=int(data["generation"]),
            base=data["base"],
            delta=data.get("delta"),
            org_units=data["org_units"],
            periods=data["periods"],
            coc_options=data["coc_options"],
            watermark=datetime.fromisoformat(data["watermark"]),
            built_at=datetime.fromisoformat(data["built_at"]),
            base_rows=int(data["base_rows"]),
            delta_rows=int(data["delta_rows"]),
            kind=data.get("kind", ""),
        )

    def files(self) -> set[str]:
        return {f for f in (self.base, self.delta, self.org_units, self.periods, self.coc_options) if f}


def manifest_path(root: Path) -> Path:
    return root / "manifest.json"


def read_manifest(root: Path) -> Manifest | None:
    try:
        data = json.loads(manifest_path(root).read_text())
    except FileNotFoundError:
        return None
    if data.get("format") != FORMAT:
        return None
    return Manifest.from_json(data)


_remote_seen: dict[str, tuple[float, Manifest | None]] = {}
_remote_lock = threading.Lock()


def current_manifest(*, max_age: float = 0.0) -> Manifest | None:
    """The manifest readers see now (local file or s3:// object); None when there is no store yet. For
    s3:// a manifest read less than `max_age` seconds ago is reused."""
    location = remote_location()
    if location is None:
        return read_manifest(store_dir())
    key = str(location)
    now = time.monotonic()
    with _remote_lock:
        seen = _remote_seen.get(key)
    if seen is not None and max_age > 0 and now - seen[0] < max_age:
        return seen[1]
    data = remote.read_manifest_data(location)
    manifest = Manifest.from_json(data) if data is not None and data.get("format") == FORMAT else None
    with _remote_lock:
        _remote_seen[key] = (now, manifest)
    return manifest


def forget_remote_manifest() -> None:
    with _remote_lock:
        _remote_seen.clear()


def store_age_seconds() -> float | None:
    """Seconds since the current snapshot's watermark (what it holds is at least this old; queries add the
    database's changes since): for readiness checks. None when there is no store yet."""
    manifest = current_manifest()
    if manifest is None:
        return None
    return max(0.0, (timezone.now() - manifest.watermark).total_seconds())


def _write_manifest(root: Path, manifest: Manifest) -> None:
    tmp = root / f".manifest-{os.getpid()}-{threading.get_ident()}.json"
    tmp.write_text(json.dumps(manifest.as_json(), indent=1))
    os.replace(tmp, manifest_path(root))


# ---------------------------------------------------------------------------------------------------------
# The refresh lock


@contextlib.contextmanager
def refresh_lock(root: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive flock on refresh.lock: yields False (without waiting) when another refresh holds it.

    A file lock guards the directory a refresh builds in; for an s3:// store, whose workers may run on
    several hosts, `shared_lock` adds a lock in the shared cache."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "refresh.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


SHARED_LOCK_KEY = "amahoro:analytics-refresh"
SHARED_LOCK_SECONDS = 3 * 3600  # longer than any full rebuild; released at the end in the normal case


@contextlib.contextmanager
def shared_lock(*, wait: bool) -> Iterator[bool]:
    """A lock in the cache (Redis in production: every worker host sees it) for refreshes of an s3://
    store; yields False without waiting when another worker holds it."""
    token = secrets.token_hex(8)
    while not cache.add(SHARED_LOCK_KEY, token, SHARED_LOCK_SECONDS):
        if not wait:
            yield False
            return
        time.sleep(1)
    try:
        yield True
    finally:
        if cache.get(SHARED_LOCK_KEY) == token:
            cache.delete(SHARED_LOCK_KEY)


# ---------------------------------------------------------------------------------------------------------
# Reading from the database


def _export_csv(qs: QuerySet[Any], target: Path) -> None:
    """Write the rows of a values_list queryset to a headerless CSV file, fast: COPY on PostgreSQL, the
    DB-API cursor (iterated in C by csv.writer) elsewhere. Not through core.tabular on purpose: the file is
    DuckDB's private input, never a spreadsheet, and cell escaping would change the values."""
    sql, params = qs.query.sql_with_params()
    with open(target, "w", newline="") as out:
        if connection.vendor == "postgresql":
            import psycopg

            connection.ensure_connection()
            raw = connection.connection
            literal = psycopg.ClientCursor(raw).mogrify(sql, params)
            with raw.cursor() as cur, cur.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    out.write(bytes(block).decode())
        else:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                csv.writer(out, lineterminator="\n").writerows(cur.cursor)


def _values(**filters: Any) -> QuerySet[Any]:
    return DataValue.objects.filter(**filters).values_list(*_VALUE_FIELDS).order_by()


_changed_sql: dict[tuple[str, int], str] = {}


def changed_rows(*, since: datetime, data_element_ids: list[int] | None = None) -> pl.DataFrame:
    """Values (live, deleted or non-numeric) updated after `since`: the delta a query merges. Runs on
    every aggregate, so its SQL is compiled once per number of data elements."""
    qs = DataValue.objects.filter(updated_at__gt=since)
    if data_element_ids is None:
        rows = list(qs.values_list(*_VALUE_FIELDS).order_by())
        return pl.DataFrame(rows, schema=DELTA_SCHEMA, orient="row")
    key = (connection.vendor, len(data_element_ids))
    sql = _changed_sql.get(key)
    if sql is None:
        # `data_element_id + 0` keeps the planner off the data element index: SQLite would otherwise prefer
        # it to the updated_at range and read all of a data element's values (~50 ms at national scale)
        # to find the few that changed in the last minutes.
        narrowed = qs.alias(de_plain=F("data_element_id") + 0).filter(de_plain__in=data_element_ids)
        sql, _params = narrowed.values_list(*_VALUE_FIELDS).order_by().query.sql_with_params()
        _changed_sql[key] = sql
    params = [connection.ops.adapt_datetimefield_value(since), 0, *data_element_ids]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        return _EMPTY_DELTA
    return pl.DataFrame(rows, schema=DELTA_SCHEMA, orient="row")


def current_rows(*, data_element_ids: list[int]) -> pl.DataFrame:
    """All live numeric values of these data elements, read from the database (DELTA_SCHEMA, `deleted`
    false): what a query merges when there is no snapshot yet (engine.live_snapshot). Uses the unique
    index that starts with the data element."""
    qs = _values(data_element_id__in=data_element_ids, deleted=False, numeric_value__isnull=False)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        return _EMPTY_DELTA
    return pl.DataFrame(rows, schema=DELTA_SCHEMA, orient="row")


def dimension_frames() -> dict[str, pl.DataFrame]:
    org_units = pl.DataFrame(
        list(OrgUnit.objects.order_by().values_list("pk", "code", "path")),
        schema={"id": pl.Int64, "code": pl.Utf8, "path": pl.Utf8},
        orient="row",
    )
    periods = pl.DataFrame(
        list(Period.objects.order_by().values_list("pk", "code", "type", "start", "end")),
        schema={"id": pl.Int64, "code": pl.Utf8, "type": pl.Utf8, "start": pl.Date, "end": pl.Date},
        orient="row",
    )
    return {"org_units": org_units, "periods": periods, "coc_options": coc_option_frame()}


def coc_option_frame(coc_ids: list[int] | None = None) -> pl.DataFrame:
    """(coc_id, category, option): for each category option combo, its option in each category of its
    combo (codes); (coc_id, None, None) for a combo without options."""
    cocs = CategoryOptionCombo.objects.order_by()
    if coc_ids is not None:
        cocs = cocs.filter(pk__in=coc_ids)
    combo_of = dict(cocs.values_list("pk", "combo_id"))
    categories_of: dict[int, set[int]] = {}
    for combo_id, category_id in CategoryComboMembership.objects.filter(
        combo_id__in=set(combo_of.values())
    ).values_list("combo_id", "category_id"):
        categories_of.setdefault(combo_id, set()).add(category_id)
    members: dict[int, list[tuple[int, str]]] = {}
    for option_id, category_id, category_code in CategoryOptionMembership.objects.values_list(
        "option_id", "category_id", "category__code"
    ):
        members.setdefault(option_id, []).append((category_id, category_code))
    Through = CategoryOptionCombo.options.through
    rows: list[tuple[int, str | None, str | None]] = []
    for coc_id, option_id, option_code in Through.objects.filter(
        categoryoptioncombo_id__in=list(combo_of)
    ).values_list("categoryoptioncombo_id", "categoryoption_id", "categoryoption__code"):
        wanted = categories_of.get(combo_of[coc_id], set())
        for category_id, category_code in members.get(option_id, []):
            if category_id in wanted:
                rows.append((coc_id, category_code, option_code))
    # Option combos without options (the default combo) get one row with no category, so the frame
    # lists every combo it was built from.
    rows.extend((coc_id, None, None) for coc_id in set(combo_of) - {r[0] for r in rows})
    return pl.DataFrame(
        rows, schema={"coc_id": pl.Int64, "category": pl.Utf8, "option": pl.Utf8}, orient="row"
    )


# ---------------------------------------------------------------------------------------------------------
# Refresh


@dataclass
class RefreshResult:
    kind: str  # "full", "incremental", "fold" or "skipped" (another refresh held the lock)
    generation: int = 0
    rows_read: int = 0
    base_rows: int = 0
    delta_rows: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "generation": self.generation,
            "rows_read": self.rows_read,
            "base_rows": self.base_rows,
            "delta_rows": self.delta_rows,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _duck(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"memory_limit": str(getattr(settings, "AMAHORO_ANALYTICS_MEMORY", "2GB"))})
    tmp = root / "tmp"
    tmp.mkdir(exist_ok=True)
    con.execute(f"SET temp_directory = '{_sql_path(tmp / 'duckdb')}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _csv_source(path: Path) -> str:
    return f"read_csv('{_sql_path(path)}', header = false, columns = {_CSV_COLUMNS}, auto_detect = false)"


def _copy_sorted(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> int:
    tmp = target.with_name(f".{target.name}.tmp")
    con.execute(
        f"COPY ({select} ORDER BY de_id, period_id, ou_id) TO '{_sql_path(tmp)}' "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
    )
    os.replace(tmp, target)
    return int(con.execute(f"SELECT count(*) FROM '{_sql_path(target)}'").fetchone()[0])  # type: ignore[index]


def _file_name(kind: str, generation: int, tag: str) -> str:
    return f"{kind}-{generation:06d}-{tag}.parquet"


def _write_dims(root: Path, generation: int, tag: str) -> dict[str, str]:
    names = {}
    for name, frame in dimension_frames().items():
        file_name = _file_name(name, generation, tag)
        tmp = root / f".{file_name}.tmp"
        frame.write_parquet(tmp)
        os.replace(tmp, root / file_name)
        names[name] = file_name
    return names


def refresh(*, full: bool = False, wait: bool = False, if_missing: bool = False) -> RefreshResult:
    """Bring the store up to date: a full rebuild (first run, or `full=True`), else an incremental refresh
    reading the values updated since the last watermark (minus REFRESH_OVERLAP), folded into a new base
    once the delta grows past AMAHORO_ANALYTICS_FOLD_ROWS. Never two at once: without `wait`, a refresh
    that finds another one running returns kind="skipped"; `if_missing` only builds a store that has no
    snapshot yet. The worker's job (tasks.analytics_refresh): request handling never calls it."""
    root = store_dir()
    location = remote_location()
    with contextlib.ExitStack() as stack:
        if location is not None and not stack.enter_context(shared_lock(wait=wait)):
            return RefreshResult(kind="skipped")
        if not stack.enter_context(refresh_lock(root, wait=wait)):
            return RefreshResult(kind="skipped")
        if location is None:
            previous = read_manifest(root)
            if if_missing and previous is not None:
                return RefreshResult(kind="skipped")
            return _refresh_locked(root, full=full, previous=previous, generation=_next_generation(previous))
        published = current_manifest()
        if if_missing and published is not None:
            return RefreshResult(kind="skipped")
        previous = read_manifest(root)
        if published is None or previous is None or previous.as_json() != published.as_json():
            # This working copy is not what readers see (another worker host published since, or the
            # bucket was emptied): start from scratch rather than from a foreign base.
            previous = None
        result = _refresh_locked(root, full=full, previous=previous, generation=_next_generation(published))
        manifest = read_manifest(root)
        assert manifest is not None
        remote.publish(location, root, manifest)
        remote.remove_stale(location, manifest, grace_seconds=GRACE_SECONDS)
        forget_remote_manifest()
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _next_generation(previous: Manifest | None) -> int:
    return previous.generation + 1 if previous else 1


def _refresh_locked(root: Path, *, full: bool, previous: Manifest | None, generation: int) -> RefreshResult:
    began = time.perf_counter()
    timings: dict[str, float] = {}
    tag = secrets.token_hex(4)
    # The watermark is taken before reading, so nothing saved during the read is skipped next time.
    started = timezone.now()
    csv_path = root / "tmp" / f"values-{generation:06d}.csv"
    con = _duck(root)
    try:
        t = time.perf_counter()
        if previous is None or full:
            _export_csv(_values(deleted=False, numeric_value__isnull=False), csv_path)
        else:
            _export_csv(_values(updated_at__gt=previous.watermark - refresh_overlap()), csv_path)
        timings["read_db"] = time.perf_counter() - t
        rows_read = int(con.execute(f"SELECT count(*) FROM {_csv_source(csv_path)}").fetchone()[0])  # type: ignore[index]

        t = time.perf_counter()
        base_name = _file_name("base", generation, tag)
        delta_name: str | None = None
        delta_rows = 0
        if previous is None or full:
            kind = "full"
            base_rows = _copy_sorted(
                con, f"SELECT {', '.join(FACT_COLUMNS)} FROM {_csv_source(csv_path)}", root / base_name
            )
        else:
            base_name, base_rows = previous.base, previous.base_rows
            changes = f"SELECT {', '.join(FACT_COLUMNS)}, deleted FROM {_csv_source(csv_path)}"
            if previous.delta:
                old = f"SELECT * FROM '{_sql_path(root / previous.delta)}'"
                changes = (
                    f"{changes} UNION ALL ({old} ANTI JOIN ({changes}) AS fresh USING ({', '.join(KEY)}))"
                )
            combined = int(con.execute(f"SELECT count(*) FROM ({changes})").fetchone()[0])  # type: ignore[index]
            if combined > fold_rows():
                kind = "fold"
                base_name = _file_name("base", generation, tag)
                con.execute(f"CREATE TEMP TABLE changes AS {changes}")
                live = (
                    f"SELECT {', '.join(FACT_COLUMNS)} FROM changes WHERE NOT deleted AND value IS NOT NULL"
                )
                kept = f"SELECT * FROM '{_sql_path(root / previous.base)}' ANTI JOIN changes USING ({', '.join(KEY)})"
                base_rows = _copy_sorted(con, f"SELECT * FROM ({kept} UNION ALL {live})", root / base_name)
            else:
                kind = "incremental"
                delta_name = _file_name("delta", generation, tag)
                delta_rows = _copy_sorted(con, f"SELECT * FROM ({changes})", root / delta_name)
        timings["write_facts"] = time.perf_counter() - t

        t = time.perf_counter()
        dims = _write_dims(root, generation, tag)
        timings["write_dims"] = time.perf_counter() - t
    finally:
        con.close()
        csv_path.unlink(missing_ok=True)

    manifest = Manifest(
        generation=generation,
        base=base_name,
        delta=delta_name,
        org_units=dims["org_units"],
        periods=dims["periods"],
        coc_options=dims["coc_options"],
        watermark=started,
        built_at=timezone.now(),
        base_rows=base_rows,
        delta_rows=delta_rows,
        kind=kind,
    )
    _write_manifest(root, manifest)
    _remove_stale(root, manifest)
    result = RefreshResult(
        kind=kind,
        generation=generation,
        rows_read=rows_read,
        base_rows=base_rows,
        delta_rows=delta_rows,
        seconds=time.perf_counter() - began,
        timings=timings,
    )
    log.info("analytics refresh %s", result.as_dict())
    return result


def _remove_stale(root: Path, manifest: Manifest) -> None:
    keep = manifest.files()
    cutoff = time.time() - GRACE_SECONDS
    for path in root.glob("*.parquet"):
        if path.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
