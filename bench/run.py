"""The national-scale benchmark (`make bench`): generate ~10 million data values, time the import, then time
the same aggregation three ways: the plain Django ORM, the project's analytics path, and raw columnar
queries over the analytics store's files (DuckDB, and Polars) as the floor. Writes the figures to
docs/performance.md between the markers of the database it ran on.

    .venv/bin/python bench/run.py                      # 10M values, SQLite at var/bench/amahoro.sqlite3
    .venv/bin/python bench/run.py --values 200000      # a quick smoke run (does not touch the docs)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/run.py
                                                       # PostgreSQL: uses (creates) a database named `bench`

Never part of the test suite (the smoke test in amahoro/analytics/tests calls `run()` on 20k values).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FULL_SCALE = 10_000_000
SECTORS = 416
MONTHS = 60
FIRST_YEAR = 2020
SEXES = ("F", "M")
AGES = ("Y0_14", "Y15_24", "Y25_49", "Y50_64", "Y65P")
CATEGORY = "SEX"
DOC = ROOT / "docs" / "performance.md"
BENCH_DIR = ROOT / "var" / "bench"


# ---------------------------------------------------------------------------------------------------------
# Shape of the data set


def plan(values: int) -> dict[str, int]:
    """How many data elements and months give about `values` rows: every sector, both sexes in one age
    band per (data element, sector, month); 200 data elements x 60 months = 9,984,000 rows at full scale."""
    per_de_month = SECTORS * len(SEXES)
    if values >= per_de_month * MONTHS:
        return {"data_elements": max(1, round(values / (per_de_month * MONTHS))), "months": MONTHS}
    return {"data_elements": 1, "months": max(1, values // per_de_month)}


def month_bounds(index: int) -> tuple[date, date]:
    year, month = FIRST_YEAR + index // 12, index % 12 + 1
    start = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


# ---------------------------------------------------------------------------------------------------------
# Measuring


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Callable[[], Any], runs: int, warmup: int = 1) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = func()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "runs": len(times),
        "p50_ms": round(pct(times, 50), 2),
        "p95_ms": round(pct(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


def machine() -> dict[str, Any]:
    import django
    import duckdb
    import polars
    from django.db import connection

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            db_version = f"PostgreSQL {cur.fetchone()[0]}"
    else:
        import sqlite3

        db_version = f"SQLite {sqlite3.sqlite_version}"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "database": db_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------------------------------------------------
# Generating the data set


def ensure_metadata(n_de: int, n_months: int) -> dict[str, Any]:
    from amahoro.data.models import Period
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import (
        Category,
        CategoryCombo,
        CategoryComboMembership,
        CategoryOption,
        CategoryOptionCombo,
        CategoryOptionMembership,
        DataElement,
    )

    def option(code: str) -> Any:
        return CategoryOption.objects.get_or_create(code=code, defaults={"name": code})[0]

    def category(code: str, codes: tuple[str, ...]) -> Any:
        cat = Category.objects.get_or_create(code=code, defaults={"name": code})[0]
        for i, c in enumerate(codes):
            CategoryOptionMembership.objects.get_or_create(
                category=cat, option=option(c), defaults={"sort_order": i}
            )
        return cat

    sex, age = category("SEX", SEXES), category("AGE", AGES)
    combo = CategoryCombo.objects.get_or_create(code="SEX_AGE", defaults={"name": "Sex and age"})[0]
    for i, cat in enumerate((sex, age)):
        CategoryComboMembership.objects.get_or_create(combo=combo, category=cat, defaults={"sort_order": i})
    cocs: dict[tuple[str, str], int] = {}
    for s in SEXES:
        for a in AGES:
            coc, created = CategoryOptionCombo.objects.get_or_create(
                combo=combo, code=f"{s}_{a}", defaults={"name": f"{s}, {a}", "option_key": f"{s}|{a}"}
            )
            if created:
                coc.options.set([option(s), option(a)])
            cocs[(s, a)] = coc.pk
    default_combo = CategoryCombo.objects.get_or_create(code="default", defaults={"name": "default"})[0]
    default_coc = CategoryOptionCombo.objects.get_or_create(
        combo=default_combo, code="default", defaults={"name": "default", "option_key": "default"}
    )[0]
    existing = set(DataElement.objects.filter(code__startswith="BENCH_DE_").values_list("code", flat=True))
    DataElement.objects.bulk_create(
        [
            DataElement(code=code, name=f"Benchmark data element {i + 1}", category_combo=combo)
            for i in range(n_de)
            if (code := f"BENCH_DE_{i + 1:03d}") not in existing
        ]
    )
    de_ids = list(
        DataElement.objects.filter(code__in=[f"BENCH_DE_{i + 1:03d}" for i in range(n_de)])
        .order_by("code")
        .values_list("pk", flat=True)
    )
    periods = []
    for m in range(n_months):
        start, end = month_bounds(m)
        periods.append(
            Period.objects.get_or_create(
                code=start.strftime("%Y%m"), defaults={"type": "Monthly", "start": start, "end": end}
            )[0]
        )
    sectors = list(
        OrgUnit.objects.filter(level__code="sector").order_by("path").values_list("pk", flat=True)[:SECTORS]
    )
    if len(sectors) < SECTORS:
        raise SystemExit(f"expected {SECTORS} sectors (Rwanda's reference load), found {len(sectors)}")
    return {
        "de_ids": de_ids,
        "periods": [(p.pk, p.start, p.end) for p in periods],
        "sectors": sectors,
        "cocs": cocs,
        "default_coc": default_coc.pk,
    }


def value_rows(meta: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows in the order data arrives in real life: month by month, then place, then data element.
    updated_at is five days after the period ends (when the monthly report came in)."""
    aoc = meta["default_coc"]
    cocs = meta["cocs"]
    for m, (period_id, _start, end) in enumerate(meta["periods"]):
        stamp = datetime(end.year, end.month, end.day, 8, tzinfo=UTC) + timedelta(days=5)
        for s, ou in enumerate(meta["sectors"]):
            for d, de in enumerate(meta["de_ids"]):
                band = AGES[(d + s + m) % len(AGES)]
                for x, sex in enumerate(SEXES):
                    n = (d * 7919 + s * 104729 + m * 31 + x * 17) % 50
                    yield (de, ou, period_id, cocs[(sex, band)], aoc, n, stamp)


def _columns() -> list[str]:
    from amahoro.data.models import DataValue

    return [f.column for f in DataValue._meta.concrete_fields if not f.primary_key]


def _defaults() -> dict[str, Any]:
    """Values for the columns the generator does not set (comment, follow_up, stored_by...)."""
    from amahoro.data.models import DataValue

    return {f.column: f.get_default() for f in DataValue._meta.concrete_fields if not f.primary_key}


def _index_file() -> Path:
    from django.db import connection

    return BENCH_DIR / f"dropped-indexes-{connection.vendor}.json"


def restore_indexes() -> None:
    """Re-create the indexes a bulk load of the benchmark database dropped (also after a run that died
    mid-load). Only ever called on the benchmark's own database."""
    from django.db import connection

    index_file = _index_file()
    if not index_file.exists():
        return
    with connection.cursor() as cur:
        for _name, sql in json.loads(index_file.read_text()):
            cur.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    index_file.unlink()


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that can be dropped and rebuilt around a bulk load."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        return list(cur.fetchall())


def generate(meta: dict[str, Any], *, fast_load: bool) -> dict[str, Any]:
    """Insert the rows with the fastest plain path: COPY on PostgreSQL, executemany in large transactions
    on SQLite. With `fast_load` (the dedicated benchmark database) secondary indexes are dropped first and
    rebuilt after (timed separately and included in the total)."""
    from django.db import connection

    from amahoro.data.models import DataValue

    table = DataValue._meta.db_table
    columns = _columns()
    defaults = _defaults()
    placeholders = {
        "data_element_id",
        "org_unit_id",
        "period_id",
        "category_option_combo_id",
        "attribute_option_combo_id",
        "value",
        "numeric_value",
        "created_at",
        "updated_at",
    }
    fixed = {c: defaults[c] for c in columns if c not in placeholders}
    fixed["deleted"] = False
    timings: dict[str, float] = {}
    indexes = _secondary_indexes(table) if fast_load else []
    # Remembered on disk too, so a run that dies mid-load gives them back next time (restore_indexes()).
    if indexes:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        _index_file().write_text(json.dumps(indexes))
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    timings["drop_indexes_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    try:
        if connection.vendor == "postgresql":
            count = _copy_postgres(table, columns, fixed, meta)
        else:
            count = _insert_sqlite(table, columns, fixed, meta, fast_load=fast_load)
    finally:
        timings["insert_s"] = time.perf_counter() - t
        t = time.perf_counter()
        if fast_load:
            restore_indexes()
    with connection.cursor() as cur:
        cur.execute(f'ANALYZE "{table}"' if connection.vendor == "postgresql" else "ANALYZE")
    timings["rebuild_indexes_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    return {
        "rows": count,
        "rows_per_s": round(count / timings["total_s"]) if timings["total_s"] else 0,
        "method": (
            "PostgreSQL COPY FROM STDIN (psycopg)"
            if connection.vendor == "postgresql"
            else "sqlite3 executemany, 100k-row transactions"
        )
        + (", secondary indexes dropped and rebuilt" if fast_load else ""),
        **{k: round(v, 2) for k, v in timings.items()},
    }


def _row_values(
    columns: list[str], fixed: dict[str, Any], row: tuple[Any, ...], stamp_of: Callable[[datetime], Any]
) -> list[Any]:
    de, ou, period, coc, aoc, n, stamp = row
    given = {
        "data_element_id": de,
        "org_unit_id": ou,
        "period_id": period,
        "category_option_combo_id": coc,
        "attribute_option_combo_id": aoc,
        "value": str(n),
        "numeric_value": float(n),
        "created_at": stamp_of(stamp),
        "updated_at": stamp_of(stamp),
    }
    return [given[c] if c in given else fixed[c] for c in columns]


def _insert_sqlite(
    table: str, columns: list[str], fixed: dict[str, Any], meta: dict[str, Any], *, fast_load: bool
) -> int:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    sql = f'INSERT INTO "{table}" ({", ".join(f"{c!r}".replace(chr(39), chr(34)) for c in columns)}) VALUES ({", ".join("?" * len(columns))})'
    order = [(c, fixed.get(c)) for c in columns]
    idx = {c: i for i, c in enumerate(columns)}
    template = [1 if v is True else 0 if v is False else v for _c, v in order]
    slots = [
        idx[c]
        for c in (
            "data_element_id",
            "org_unit_id",
            "period_id",
            "category_option_combo_id",
            "attribute_option_combo_id",
            "value",
            "numeric_value",
            "created_at",
            "updated_at",
        )
    ]
    cache: dict[datetime, str] = {}

    def stamp(dt: datetime) -> str:
        s = cache.get(dt)
        if s is None:
            s = cache[dt] = dt.strftime("%Y-%m-%d %H:%M:%S")
        return s

    def rows() -> Iterator[list[Any]]:
        for de, ou, period, coc, aoc, n, when in value_rows(meta):
            row = template.copy()
            s = stamp(when)
            for slot, value in zip(slots, (de, ou, period, coc, aoc, str(n), float(n), s, s), strict=True):
                row[slot] = value
            yield row

    cur = raw.cursor()
    if fast_load:
        # Bulk-load settings for the benchmark's own database: the generated ids all exist (foreign keys
        # checked once by Django's schema, not per row), and a crash only loses the benchmark data.
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA cache_size = -1000000")
        cur.execute("PRAGMA temp_store = MEMORY")
    in_tx = connection.in_atomic_block
    count = 0
    batch: list[list[Any]] = []
    for row in rows():
        batch.append(row)
        if len(batch) == 100_000:
            count += _flush_sqlite(raw, cur, sql, batch, in_tx)
            batch = []
    if batch:
        count += _flush_sqlite(raw, cur, sql, batch, in_tx)
    if fast_load:
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
    return count


def _flush_sqlite(raw: Any, cur: Any, sql: str, batch: list[list[Any]], in_tx: bool) -> int:
    if not in_tx:
        cur.execute("BEGIN")
    cur.executemany(sql, batch)
    if not in_tx:
        cur.execute("COMMIT")
    return len(batch)


def _copy_postgres(table: str, columns: list[str], fixed: dict[str, Any], meta: dict[str, Any]) -> int:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    cols = ", ".join(f'"{c}"' for c in columns)
    count = 0
    cache: dict[datetime, str] = {}

    def stamp(dt: datetime) -> str:
        s = cache.get(dt)
        if s is None:
            s = cache[dt] = dt.isoformat()
        return s

    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in value_rows(meta):
            copy.write_row(_row_values(columns, fixed, row, stamp))
            count += 1
    return count


def import_service_sample(meta: dict[str, Any], n: int) -> dict[str, Any]:
    """The project's own import path (dataValueSets service: validation, policy, history rows) on a sample,
    into a data element of its own, to say how far it is from the bulk path."""
    from amahoro.accounts.models import User
    from amahoro.data.models import DataValue
    from amahoro.data.services import datavalues_import
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import CategoryCombo, DataElement

    combo = CategoryCombo.objects.get(code="SEX_AGE")
    de = DataElement.objects.get_or_create(
        code="BENCH_IMPORT", defaults={"name": "Benchmark import sample", "category_combo": combo}
    )[0]
    actor = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        username="bench-admin", email="bench@example.org", password=None
    )
    # Start from none of its values, so every run imports (not skips) the whole sample.
    DataValue.objects.filter(data_element=de).delete()
    codes = dict(OrgUnit.objects.filter(pk__in=meta["sectors"]).values_list("pk", "code"))
    rows = []
    for i in range(n):
        s, m = i % SECTORS, (i // SECTORS) % len(meta["periods"])
        sex, age = SEXES[i % 2], AGES[(i // 2) % len(AGES)]
        rows.append(
            {
                "dataElement": de.code,
                "period": month_bounds(m)[0].strftime("%Y%m"),
                "orgUnit": codes[meta["sectors"][s]],
                "categoryOptionCombo": f"{sex}_{age}",
                "value": str(i % 50),
            }
        )
    t = time.perf_counter()
    result = datavalues_import(actor=actor, payload={"dataValues": rows})
    seconds = time.perf_counter() - t
    summary_ = result.as_dict() if hasattr(result, "as_dict") else {}
    counts = summary_.get("importCount", summary_)
    return {
        "values": n,
        "seconds": round(seconds, 2),
        "values_per_s": round(n / seconds) if seconds else 0,
        "imported": counts.get("imported"),
        "updated": counts.get("updated"),
        "extrapolated_10m_hours": round(FULL_SCALE / (n / seconds) / 3600, 2) if seconds else None,
    }


# ---------------------------------------------------------------------------------------------------------
# The three ways to answer one question: one indicator x district x month x sex, over all the months


def orm_query(de_id: int, start: date, end: date) -> dict[tuple[str, str, str], tuple[float, int]]:
    from django.db.models import Count, F, Sum

    from amahoro.data.models import DataValue

    rows = (
        DataValue.objects.filter(
            data_element_id=de_id,
            deleted=False,
            numeric_value__isnull=False,
            period__start__gte=start,
            period__end__lte=end,
            category_option_combo__options__categories__code=CATEGORY,
        )
        .values(
            district=F("org_unit__parent__code"),
            start=F("period__start"),
            sex=F("category_option_combo__options__code"),
        )
        .annotate(total=Sum("numeric_value"), n=Count("id"))
        .order_by()
    )
    return {
        (r["district"], r["start"].strftime("%Y-%m"), r["sex"]): (float(r["total"]), int(r["n"]))
        for r in rows
    }


@contextlib.contextmanager
def result_cache(on: bool) -> Iterator[None]:
    """Run with the engine's result cache (amahoro.analytics.cache) on or off, starting empty."""
    from django.conf import settings

    from amahoro.analytics import cache

    saved = getattr(settings, "AMAHORO_ANALYTICS_RESULT_CACHE", True)
    settings.AMAHORO_ANALYTICS_RESULT_CACHE = on
    cache.clear()
    try:
        yield
    finally:
        settings.AMAHORO_ANALYTICS_RESULT_CACHE = saved
        cache.clear()


def timed_live_path(func: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Time `func` as a host answers before the worker's first snapshot: the store pointed at an empty
    directory, so the engine reads the query's values from the database (the live path)."""
    from django.conf import settings

    from amahoro.analytics import engine

    saved = settings.AMAHORO_ANALYTICS_DIR
    settings.AMAHORO_ANALYTICS_DIR = str(BENCH_DIR / "analytics-none")
    engine.forget_cache()
    try:
        return timed(func, runs)
    finally:
        settings.AMAHORO_ANALYTICS_DIR = saved
        engine.forget_cache()


def analytics_query(de_id: int, start: date, end: date) -> dict[tuple[str, str, str], tuple[float, int]]:
    from amahoro.analytics.engine import aggregate

    rows = aggregate(
        data_element_ids=[de_id],
        start=start,
        end=end,
        group_by=["district", "month", "category_option"],
        category=CATEGORY,
    )
    return {(r["district"], r["month"], r["category_option"]): (r["value"], r["count"]) for r in rows}


class RawFloors:
    """The same question asked straight of the store's Parquet files: no Django, no freshness merge, no
    argument checks. Dimension tables are loaded once (the analytics path caches them too)."""

    def __init__(self) -> None:
        import duckdb
        import polars as pl

        from amahoro.analytics import store

        root = store.store_dir()
        manifest = store.read_manifest(root)
        assert manifest is not None
        self.base = str(root / manifest.base)
        self.duck = duckdb.connect()
        self.duck.execute(
            f"CREATE TABLE org_units AS SELECT id, path FROM read_parquet('{root / manifest.org_units}')"
        )
        self.duck.execute(f"CREATE TABLE periods AS SELECT * FROM read_parquet('{root / manifest.periods}')")
        self.duck.execute(
            f"CREATE TABLE coc_options AS SELECT * FROM read_parquet('{root / manifest.coc_options}')"
        )
        self.pl_ou = pl.read_parquet(root / manifest.org_units).select(
            pl.col("id").alias("ou_id"),
            pl.col("path").str.split("/").list.get(3, null_on_oob=True).alias("district"),
        )
        self.pl_periods = pl.read_parquet(root / manifest.periods).select(
            pl.col("id").alias("period_id"),
            "start",
            "end",
            pl.col("start").dt.strftime("%Y-%m").alias("month"),
        )
        self.pl_options = (
            pl.read_parquet(root / manifest.coc_options)
            .filter(pl.col("category") == CATEGORY)
            .select("coc_id", pl.col("option").alias("sex"))
        )

    def duckdb(self, de_id: int, start: date, end: date) -> dict[tuple[str, str, str], tuple[float, int]]:
        rows = self.duck.execute(
            f"""
            SELECT split_part(o.path, '/', 4) AS district, strftime(p.start, '%Y-%m') AS month, c.option AS sex,
                   sum(f.value) AS total, count(*) AS n
            FROM read_parquet('{self.base}') f
            JOIN org_units o ON o.id = f.ou_id
            JOIN periods p ON p.id = f.period_id
            JOIN coc_options c ON c.coc_id = f.coc_id AND c.category = '{CATEGORY}'
            WHERE f.de_id = ? AND p.start >= ? AND p."end" <= ?
            GROUP BY ALL
            """,
            [de_id, start, end],
        ).fetchall()
        return {(d, m, s): (float(t), int(n)) for d, m, s, t, n in rows}

    def polars(self, de_id: int, start: date, end: date) -> dict[tuple[str, str, str], tuple[float, int]]:
        import polars as pl

        periods = self.pl_periods.lazy().filter((pl.col("start") >= start) & (pl.col("end") <= end))
        rows = (
            pl.scan_parquet(self.base)
            .filter(pl.col("de_id") == de_id)
            .join(periods, on="period_id")
            .join(self.pl_ou.lazy(), on="ou_id")
            .join(self.pl_options.lazy(), on="coc_id")
            .group_by("district", "month", "sex")
            .agg(pl.col("value").sum().alias("total"), pl.len().alias("n"))
            .collect()
            .rows()
        )
        return {(d, m, s): (float(t), int(n)) for d, m, s, t, n in rows}


def same(a: dict[Any, tuple[float, int]], b: dict[Any, tuple[float, int]]) -> bool:
    return a.keys() == b.keys() and all(abs(a[k][0] - b[k][0]) < 1e-6 and a[k][1] == b[k][1] for k in a)


def freshness(de_id: int, meta: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    """Save one value (through the ORM, as the services do), then time until the aggregate shows it; then
    soft-delete it and time until it is gone. No refresh runs in between."""
    from amahoro.data.models import DataValue

    period_id, p_start, _end = meta["periods"][0]
    ou = meta["sectors"][0]
    used = AGES[meta["de_ids"].index(de_id) % len(AGES)]  # the band value_rows() gave sector 0, month 0
    coc = meta["cocs"][("F", next(a for a in AGES if a != used))]  # a cell with no value yet
    from amahoro.geo.models import OrgUnit

    district = OrgUnit.objects.get(pk=ou).path.strip("/").split("/")[2]
    key = (district, p_start.strftime("%Y-%m"), "F")
    DataValue.objects.filter(
        data_element_id=de_id, org_unit_id=ou, period_id=period_id, category_option_combo_id=coc
    ).delete()
    before = analytics_query(de_id, start, end)[key][0]

    saved_at = time.perf_counter()
    value = DataValue.objects.create(
        data_element_id=de_id,
        org_unit_id=ou,
        period_id=period_id,
        category_option_combo_id=coc,
        attribute_option_combo_id=meta["default_coc"],
        value="1000",
        numeric_value=1000.0,
    )
    polls = 0
    while True:
        polls += 1
        seen = analytics_query(de_id, start, end)[key][0]
        if seen == before + 1000 or time.perf_counter() - saved_at > 60:
            break
        time.sleep(0.5)
    visible_after = time.perf_counter() - saved_at
    visible = seen == before + 1000
    # With a live delta to merge, a warm query costs:
    with result_cache(False):
        with_delta, _ = timed(lambda: analytics_query(de_id, start, end), runs=10)

    deleted_at = time.perf_counter()
    value.deleted = True
    value.save()
    while True:
        gone_value = analytics_query(de_id, start, end)[key][0]
        if gone_value == before or time.perf_counter() - deleted_at > 60:
            break
        time.sleep(0.5)
    gone_after = time.perf_counter() - deleted_at
    value.delete()
    return {
        "visible": visible,
        "visible_after_ms": round(visible_after * 1000, 1),
        "polls": polls,
        "soft_delete_gone": gone_value == before,
        "gone_after_ms": round(gone_after * 1000, 1),
        "query_with_live_delta": summary(with_delta),
    }


# ---------------------------------------------------------------------------------------------------------
# The run


def run(
    *,
    values: int,
    quick: bool = False,
    fast_load: bool = False,
    reuse: bool = False,
    import_sample: int | None = None,
) -> dict[str, Any]:
    """Generate (unless `reuse` finds the data set already there), refresh the store, time the three
    paths, check freshness. Uses whatever database and store Django is configured with."""
    from amahoro.analytics import store
    from amahoro.data.models import DataValue

    report: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    shape = plan(values)
    meta = ensure_metadata(shape["data_elements"], shape["months"])
    expected = SECTORS * len(SEXES) * shape["data_elements"] * shape["months"]
    de_ids = meta["de_ids"]
    existing = DataValue.objects.filter(data_element_id__in=de_ids).count()
    report["data_set"] = {
        "values": expected,
        "sectors": SECTORS,
        "months": shape["months"],
        "data_elements": shape["data_elements"],
        "category_option_combos": len(SEXES) * len(AGES),
        "shape": (
            f"{SECTORS} sectors x {shape['months']} months x {shape['data_elements']} data elements x 2 sexes "
            f"(each (data element, sector, month) has F and M in one of {len(AGES)} age bands, chosen round-robin; "
            f"combo Sex x Age = {len(SEXES) * len(AGES)} option combos)"
        ),
    }
    print(f"data set: {report['data_set']['shape']} = {expected:,} values", flush=True)
    if reuse and existing == expected:
        report["import"] = {"reused": True, "rows": existing}
        print("import: reusing the data set already in the database", flush=True)
    else:
        if existing:
            DataValue.objects.filter(data_element_id__in=de_ids).delete()
        report["import"] = generate(meta, fast_load=fast_load)
        print(f"import: {report['import']}", flush=True)
    report["memory_after_import_mb"] = round(rss_mb(), 1)

    sample = import_sample if import_sample is not None else (200 if quick else 5000)
    if sample:
        try:
            report["import_service"] = import_service_sample(meta, sample)
        except Exception as exc:  # the service is not what is measured here; say why it was skipped
            report["import_service"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"import service sample: {report['import_service']}", flush=True)

    t = time.perf_counter()
    refreshed = store.refresh(full=True, wait=True)
    report["refresh_full"] = {**refreshed.as_dict(), "wall_s": round(time.perf_counter() - t, 2)}
    files = sorted(store.store_dir().glob("*.parquet"))
    report["store_mb"] = round(sum(f.stat().st_size for f in files) / 1e6, 1)
    print(f"full refresh: {report['refresh_full']}", flush=True)

    de_id = de_ids[len(de_ids) // 2]
    start, end = month_bounds(0)[0], month_bounds(shape["months"] - 1)[1]
    report["query"] = {
        "data_element": de_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "group_by": "district x month x sex",
        "values_read": SECTORS * len(SEXES) * shape["months"],
    }
    runs = 5 if quick else 20
    orm_runs = 1 if quick else 3

    rss0 = rss_mb()
    t = time.perf_counter()
    with result_cache(False):  # the engine itself; the cached answer is timed on its own below
        cold = analytics_query(de_id, start, end)
        report["analytics_cold_ms"] = round((time.perf_counter() - t) * 1000, 1)
        analytics_times, analytics_result = timed(lambda: analytics_query(de_id, start, end), runs)
    with result_cache(True):
        cached_times, cached_result = timed(lambda: analytics_query(de_id, start, end), runs)
    report["memory_analytics_delta_mb"] = round(rss_mb() - rss0, 1)
    floors = RawFloors()
    duck_times, duck_result = timed(lambda: floors.duckdb(de_id, start, end), runs)
    polars_times, polars_result = timed(lambda: floors.polars(de_id, start, end), runs)
    orm_times, orm_result = timed(lambda: orm_query(de_id, start, end), orm_runs, warmup=0 if quick else 1)
    live_times, live_result = timed_live_path(lambda: analytics_query(de_id, start, end), orm_runs)
    report["groups"] = len(analytics_result)
    report["results_agree"] = {
        "analytics_vs_orm": same(analytics_result, orm_result),
        "duckdb_vs_orm": same(duck_result, orm_result),
        "polars_vs_orm": same(polars_result, orm_result),
        "cold_vs_warm": same(cold, analytics_result),
        "cached_vs_orm": same(cached_result, orm_result),
        "live_path_vs_orm": same(live_result, orm_result),
    }
    report["timings"] = {
        "orm": summary(orm_times),
        "analytics": summary(analytics_times),
        "analytics_cached": summary(cached_times),
        "raw_duckdb": summary(duck_times),
        "raw_polars": summary(polars_times),
        "live_path": summary(live_times),
    }
    a95, a50 = report["timings"]["analytics"]["p95_ms"], report["timings"]["analytics"]["p50_ms"]
    report["ratios"] = {
        "orm_over_analytics_p50": round(report["timings"]["orm"]["p50_ms"] / a50, 1),
        "analytics_over_raw_duckdb_p50": round(a50 / report["timings"]["raw_duckdb"]["p50_ms"], 2),
        "analytics_over_raw_polars_p50": round(a50 / report["timings"]["raw_polars"]["p50_ms"], 2),
        "analytics_over_raw_duckdb_p95": round(a95 / report["timings"]["raw_duckdb"]["p95_ms"], 2),
        "orm_over_analytics_cached_p50": round(
            report["timings"]["orm"]["p50_ms"] / report["timings"]["analytics_cached"]["p50_ms"], 1
        ),
    }
    print(f"timings: {json.dumps(report['timings'])}", flush=True)

    report["freshness"] = freshness(de_id, meta, start, end)
    print(f"freshness: {report['freshness']}", flush=True)
    t = time.perf_counter()
    report["refresh_incremental"] = {
        **store.refresh(wait=True).as_dict(),
        "wall_s": round(time.perf_counter() - t, 2),
    }
    report["memory_peak_mb"] = round(peak_rss_mb(), 1)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["goals"] = {
        "analytics_p95_under_300ms": a95 < 300,
        "orm_at_least_20x_analytics": report["ratios"]["orm_over_analytics_p50"] >= 20,
        "analytics_within_3x_raw_duckdb": report["ratios"]["analytics_over_raw_duckdb_p50"] <= 3,
        "fresh_within_60s": report["freshness"]["visible"]
        and report["freshness"]["visible_after_ms"] <= 60_000,
    }
    return report


# ---------------------------------------------------------------------------------------------------------
# The HTTP figure: GET /api/v1/analytics under concurrent clients, gunicorn with production settings


def http_figures(
    report: dict[str, Any],
    *,
    database_url: str,
    clients: int = 20,
    seconds: float = 20,
    workers: int = 3,
    months: int = 12,
    path: str | None = None,
) -> dict[str, Any]:
    """Start gunicorn (production settings, this run's database and analytics store), then: 1 client for a
    few seconds (the time of one request alone), `clients` clients for `seconds` (after a warm-up). The same
    question is answered in this process by the ORM and by the engine (result cache off, then on) for the
    ratio. The data set of `run()` must be in the database and its store refreshed."""
    from django.conf import settings
    from django.db import connection

    from amahoro.metadata.models import DataElement

    sys.path.insert(0, str(ROOT / "bench"))
    import analytics_http

    de_id = int(report["query"]["data_element"])
    n_months = int(report["data_set"]["months"])
    months = min(months, n_months)
    first = n_months - months
    start, end = month_bounds(first)[0], month_bounds(n_months - 1)[1]
    codes = [month_bounds(m)[0].strftime("%Y%m") for m in range(first, n_months)]
    de_code = DataElement.objects.get(pk=de_id).code
    url_path = path or analytics_http.analytics_path(de_code, codes)
    out: dict[str, Any] = {
        "question": f"{de_code} x district x month x sex, {codes[0]}..{codes[-1]} ({months} months)",
        "path": url_path,
        "values_read": SECTORS * len(SEXES) * months,
        "workers": workers,
    }
    orm_times, orm_result = timed(lambda: orm_query(de_id, start, end), 3)
    with result_cache(False):
        engine_times, engine_result = timed(lambda: analytics_query(de_id, start, end), 20)
    with result_cache(True):
        cached_times, _ = timed(lambda: analytics_query(de_id, start, end), 20)
    out["in_process"] = {
        "orm": summary(orm_times),
        "analytics": summary(engine_times),
        "analytics_cached": summary(cached_times),
        "groups": len(orm_result),
        "agree": same(engine_result, orm_result),
    }
    tokens = analytics_http.client_tokens(clients)
    env = analytics_http.production_environment(
        database_url, str(settings.AMAHORO_ANALYTICS_DIR), str(BENCH_DIR)
    )
    connection.close()  # gunicorn's workers get the database to themselves between the phases
    with analytics_http.gunicorn(
        env, workers=workers, log_path=BENCH_DIR / f"http-gunicorn-{connection.vendor}.log"
    ) as base:
        # Warm every worker first (its first request loads the snapshot's dimension tables and imports).
        out["warmup"] = analytics_http.load(base, url_path, tokens, seconds=5, warmup=0)
        out["single"] = analytics_http.load(base, url_path, tokens[:1], seconds=min(seconds, 5), warmup=0)
        print(f"http, 1 client: {out['single']}", flush=True)
        out["concurrent"] = analytics_http.load(base, url_path, tokens, seconds=seconds, warmup=3)
        print(f"http, {clients} clients: {out['concurrent']}", flush=True)
    orm50 = out["in_process"]["orm"]["p50_ms"]
    out["ratios"] = {
        "orm_over_http_single_p50": round(orm50 / max(out["single"]["p50_ms"], 0.01), 1),
        "orm_over_http_concurrent_p50": round(orm50 / max(out["concurrent"]["p50_ms"], 0.01), 1),
        "orm_over_analytics_p50": round(orm50 / out["in_process"]["analytics"]["p50_ms"], 1),
        "orm_over_analytics_cached_p50": round(orm50 / out["in_process"]["analytics_cached"]["p50_ms"], 1),
    }
    out["goals"] = {
        "http_p95_under_100ms": out["concurrent"]["p95_ms"] < 100 and out["concurrent"]["ok"] > 0,
        "all_answers_ok": out["concurrent"]["ok"] == out["concurrent"]["requests"],
    }
    return out


def render_http(h: dict[str, Any], command: str, m: dict[str, Any]) -> str:
    s, c, p, r = h["single"], h["concurrent"], h["in_process"], h["ratios"]

    def yes(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        f"Run {h['date']} with `{command}`.",
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}); load average {c['load_average_before']} before the "
        f"{c['clients']}-client phase, {c['load_average_after']} after.",
        f"- Server: gunicorn, {h['workers']} sync workers, production settings (`amahoro.settings.prod`), "
        f"{m['database']}; clients (Python threads, http.client, one API token each) on the same machine.",
        f"- Question: `GET {h['path'][:80]}...`: {h['question']}; {h['values_read']:,} values in, "
        f"{p['groups']:,} groups out, answer {c['body_bytes']:,} bytes. Answers agree (engine vs ORM): {p['agree']}.",
        f"- Phases: 1 client {s['seconds']} s, then {c['clients']} clients for {c['seconds']} s after a "
        f"{c['warmup_s']} s warm-up. Status counts: {c['statuses']}.",
        "",
        "| measure | runs | p50 ms | p95 ms | requests/s |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| HTTP, 1 client | {s['requests']} | {s['p50_ms']} | {s['p95_ms']} | {s['requests_per_s']} |",
        f"| HTTP, {c['clients']} concurrent clients | {c['requests']} | {c['p50_ms']} | {c['p95_ms']} | "
        f"**{c['requests_per_s']}** |",
        f"| in process: Django ORM (values().annotate(Sum)) | {p['orm']['runs']} | {p['orm']['p50_ms']} | "
        f"{p['orm']['p95_ms']} | - |",
        f"| in process: analytics.aggregate(), result cache off | {p['analytics']['runs']} | "
        f"{p['analytics']['p50_ms']} | {p['analytics']['p95_ms']} | - |",
        f"| in process: analytics.aggregate(), repeated (result cache) | {p['analytics_cached']['runs']} | "
        f"{p['analytics_cached']['p50_ms']} | {p['analytics_cached']['p95_ms']} | - |",
        "",
        f"Ratios (ORM p50 over): HTTP 1 client {r['orm_over_http_single_p50']}x; HTTP at {c['clients']} clients "
        f"{r['orm_over_http_concurrent_p50']}x; engine in process {r['orm_over_analytics_p50']}x (cache off), "
        f"{r['orm_over_analytics_cached_p50']}x (cache).",
        "",
        "| goal | figure | result |",
        "| --- | --- | --- |",
        f"| p95 < 100 ms at {c['clients']} concurrent clients | {c['p95_ms']} ms | "
        f"{yes(h['goals']['http_p95_under_100ms'])} |",
        f"| ORM / HTTP (1 client) >= 20x | {r['orm_over_http_single_p50']}x | "
        f"{yes(r['orm_over_http_single_p50'] >= 20)} |",
        f"| ORM / engine in process >= 20x | {r['orm_over_analytics_p50']}x (cache off), "
        f"{r['orm_over_analytics_cached_p50']}x (cache) | {yes(r['orm_over_analytics_p50'] >= 20)} (cache off) |",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# The report in docs/performance.md


def render(report: dict[str, Any], command: str) -> str:
    m, ds, t, r = report["machine"], report["data_set"], report["timings"], report["ratios"]
    imp, g = report["import"], report["goals"]

    def yes(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        f"Run {report['date']} with `{command}`.",
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}; load average "
        f"{m['load_average_at_start']} at start, {m['load_average_at_end']} at end.",
        f"- Software: Python {m['python']}, Django {m['django']}, {m['database']}, DuckDB {m['duckdb']}, Polars {m['polars']}.",
        f"- Data set: {ds['values']:,} values: {ds['shape']}.",
    ]
    if imp.get("reused"):
        lines.append(f"- Import: data set reused from an earlier run ({imp['rows']:,} rows).")
    else:
        when = (
            f", measured {imp['measured_on']} when the data set was generated"
            if imp.get("measured_on")
            else ""
        )
        lines.append(
            f"- Import ({imp['method']}{when}): {imp['rows']:,} rows in {imp['total_s']} s ({imp['rows_per_s']:,} rows/s; "
            f"insert {imp['insert_s']} s, index rebuild {imp['rebuild_indexes_s']} s)."
        )
    svc = report.get("import_service", {})
    if "values_per_s" in svc:
        lines.append(
            f"- The project's import service (dataValueSets path, with validation, policy and history) on a "
            f"{svc['values']:,}-value sample: {svc['seconds']} s, {svc['values_per_s']:,} values/s "
            f"(10M values would take ~{svc['extrapolated_10m_hours']} h)."
        )
    elif svc:
        lines.append(f"- The project's import service sample was not measured: {svc.get('error')}.")
    rf, ri = report["refresh_full"], report["refresh_incremental"]
    lines += [
        f"- Analytics store: full refresh {rf['wall_s']} s (database read {rf['timings'].get('read_db')} s, "
        f"Parquet write {rf['timings'].get('write_facts')} s), {report['store_mb']} MB on disk; incremental "
        f"refresh after one change {ri['wall_s']} s.",
        f"- Query: data element {report['query']['data_element']}, {report['query']['start']}..{report['query']['end']}, "
        f"{report['query']['group_by']}: {report['query']['values_read']:,} values in, {report['groups']:,} groups out. "
        f"Results identical on all paths: {all(report['results_agree'].values())}.",
        "",
        "| path | runs | p50 ms | p95 ms | min ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {
        "orm": "Django ORM (values().annotate(Sum))",
        "analytics": "analytics.aggregate() (warm)",
        "analytics_cached": "analytics.aggregate(), the same question again (result cache)",
        "raw_duckdb": "raw DuckDB over the Parquet files",
        "raw_polars": "raw Polars over the Parquet files (hand-written joins)",
        "live_path": "analytics.aggregate() with no store yet (the live path: values read from the database)",
    }
    for key, label in names.items():
        if key not in t:  # reports of runs before the live path existed
            continue
        s = t[key]
        lines.append(
            f"| {label} | {s['runs']} | {s['p50_ms']} | {s['p95_ms']} | {s['min_ms']} | {s['max_ms']} |"
        )
    fr = report["freshness"]
    lines += [
        "",
        f"- Analytics cold (first query in the process, loads the dimension tables): {report['analytics_cold_ms']} ms.",
        f"- Freshness: a value saved through the ORM was in the aggregate after {fr['visible_after_ms']} ms "
        f"({fr['polls']} query, no refresh); its soft delete was gone after {fr['gone_after_ms']} ms. A warm query "
        f"with that live change to merge: p50 {fr['query_with_live_delta']['p50_ms']} ms, p95 "
        f"{fr['query_with_live_delta']['p95_ms']} ms.",
        f"- Memory: process RSS {report['memory_after_import_mb']} MB after the import, +{report['memory_analytics_delta_mb']} MB "
        f"for the analytics queries, peak {report['memory_peak_mb']} MB (includes generation and the full refresh).",
        "",
        "| goal | figure | result |",
        "| --- | --- | --- |",
        f"| analytics p95 < 300 ms warm | {t['analytics']['p95_ms']} ms | {yes(g['analytics_p95_under_300ms'])} |",
        f"| ORM / analytics >= 20x | {r['orm_over_analytics_p50']}x (p50) | {yes(g['orm_at_least_20x_analytics'])} |",
        f"| analytics / raw DuckDB <= 3x | {r['analytics_over_raw_duckdb_p50']}x (p50; {r['analytics_over_raw_duckdb_p95']}x p95; "
        f"{r['analytics_over_raw_polars_p50']}x raw Polars) | {yes(g['analytics_within_3x_raw_duckdb'])} |",
        f"| new value visible within 60 s | {fr['visible_after_ms']} ms | {yes(g['fresh_within_60s'])} |",
    ]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, vendor: str, body: str) -> None:
    """Replace the text between <!-- bench:VENDOR:start --> and <!-- bench:VENDOR:end --> (added at the end
    of the document if missing)."""
    start, end = f"<!-- bench:{vendor}:start -->", f"<!-- bench:{vendor}:end -->"
    text = doc.read_text() if doc.exists() else "# Performance\n"
    block = f"{start}\n{body}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n## {vendor}\n\n{block}\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


# ---------------------------------------------------------------------------------------------------------
# Command line: a database of its own (never the demo's), then run()


def _setup_django(db_name: str = "bench") -> str:
    """Point Django at the benchmark database: SQLite under var/bench/, or a PostgreSQL database `db_name`
    (default `bench`) on the server DATABASE_URL names (created if missing). Returns the vendor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ["AMAHORO_VAR_DIR"] = str(ROOT / "var" / "bench")
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(url)
        if cfg["NAME"] != db_name:
            admin = psycopg.connect(url, autocommit=True)
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone():
                admin.execute(f'CREATE DATABASE "{db_name}"')
            admin.close()
            os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + db_name
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # Each database gets its own analytics store next to it.
    settings.AMAHORO_ANALYTICS_DIR = str(BENCH_DIR / f"analytics-{connection.vendor}")

    call_command("migrate", verbosity=0, interactive=False)
    from amahoro.geo.models import OrgUnit

    if not OrgUnit.objects.filter(level__code="sector").exists():
        from amahoro import policy
        from amahoro.geo.services import rwanda_load

        rwanda_load(actor=policy.SYSTEM)
    return str(connection.vendor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--values", type=int, default=FULL_SCALE, help="about how many data values (default 10,000,000)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer timed runs (smoke run)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a data set of the same size from an earlier run"
    )
    parser.add_argument(
        "--import-sample", type=int, default=None, help="values for the import-service sample (0 = skip)"
    )
    parser.add_argument(
        "--doc",
        type=Path,
        default=None,
        help="write the figures here (default docs/performance.md for runs of 1M values or more)",
    )
    parser.add_argument(
        "--db-name",
        default="bench",
        help="the PostgreSQL database to use (created if missing; default bench)",
    )
    parser.add_argument(
        "--http",
        choices=("auto", "yes", "no"),
        default="auto",
        help="the HTTP figure (gunicorn, production settings): auto = on PostgreSQL only",
    )
    parser.add_argument("--http-clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--http-seconds", type=float, default=20, help="timed seconds (default 20)")
    parser.add_argument("--http-workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--http-months", type=int, default=12, help="months asked (default the last 12)")
    parser.add_argument("--http-path", default=None, help="ask this path instead of /api/v1/analytics?...")
    args = parser.parse_args(argv)

    vendor = _setup_django(args.db_name)
    restore_indexes()
    report_file = BENCH_DIR / f"report-{vendor}.json"
    previous = json.loads(report_file.read_text()) if report_file.exists() else {}
    started = time.perf_counter()
    report = run(
        values=args.values,
        quick=args.quick,
        fast_load=True,
        reuse=args.reuse,
        import_sample=args.import_sample,
    )
    if args.http == "yes" or (args.http == "auto" and vendor == "postgresql"):
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{BENCH_DIR / 'amahoro.sqlite3'}"
        report["http"] = http_figures(
            report,
            database_url=database_url,
            clients=args.http_clients,
            seconds=args.http_seconds,
            workers=args.http_workers,
            months=args.http_months,
            path=args.http_path,
        )
        report["http"]["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report["wall_s"] = round(time.perf_counter() - started, 1)
    earlier = previous.get("import", {})
    if (
        report["import"].get("reused")
        and earlier.get("rows") == report["import"]["rows"]
        and "total_s" in earlier
    ):
        # The data set was generated by an earlier run: keep that run's import figures, saying so.
        report["import"] = {**earlier, "measured_on": earlier.get("measured_on", previous.get("date"))}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    report_file.write_text(json.dumps(report, indent=1, default=str))
    command = ".venv/bin/python bench/run.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )
    if vendor == "postgresql":
        command = "DATABASE_URL=postgres://... " + command
    body = render(report, command)
    print("\n" + body)
    http_body = render_http(report["http"], command, report["machine"]) if "http" in report else None
    if http_body:
        print(http_body)
    doc = args.doc or (DOC if args.values >= 1_000_000 else None)
    if doc is not None:
        write_section(doc, vendor, body)
        if http_body:
            write_section(doc, f"http-{vendor}", http_body)
        print(f"figures written to {doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
