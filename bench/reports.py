"""The reports benchmark (issue 14, item 6; `make bench`): a 100-indicator NAP progress report at national
scale must render in under 10 s on 2 cores. Builds a framework of its own in a throw-away database, then
times `reports.services.render()` - the one path the API, the page runs and the subscriptions share - for
the NAP annual progress report (PDF and XLSX) and the indicator tracking table over 4 quarters.

    .venv/bin/python bench/reports.py                  # SQLite at var/bench/reports/amahoro.sqlite3
    .venv/bin/python bench/reports.py --reuse          # keep the data set of an earlier run, re-time
    .venv/bin/python bench/reports.py --runs 1 --months 12   # a quick smoke run (leaves the docs alone)
    .venv/bin/python bench/reports.py --reuse --profile nap-progress.pdf   # where the time goes (cProfile)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/reports.py
                                                       # PostgreSQL: (re)creates a database `bench_reports`

The data set (the shape of Rwanda's NAP 1325 2018-2022: 5 pillars, 15 outcomes): 100 indicators, each
computed from its own Sex-disaggregated data element (three in four are counts, one in four the share of
women, a percentage); monthly values in all 30 districts for 3 years (2023-01..2025-12), 95 of the 100
indicators with data (the report must be honest about the others): 95 x 30 x 36 x 2 = 205,200 values;
baselines, national yearly targets for 95 indicators, district targets for one in three (2025); a budget
line, a commitment and two disbursements per outcome and fiscal year from five agencies. The analytics
store is refreshed once, as the worker would. The report is rendered as an M&E officer of the owning
ministry with the whole country in scope: period 2025, the ITT 2025Q1..2025Q4.

Never part of the test suite. Each run writes var/bench/reports/report-<database>.json and, for a full run,
its section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "reports"
DOC = ROOT / "docs" / "performance.md"
DB_NAME = "bench_reports"

FRAMEWORK = "BENCH-NAP"
OWNER = "BENCH-MIGEPROF"
AGENCIES = (
    ("BENCH-MIGEPROF", "ministry"),
    ("BENCH-MINALOC", "ministry"),
    ("BENCH-RNP", "police"),
    ("BENCH-UNW", "un"),
    ("BENCH-CSO", "cso"),
)
USER = "bench_reports_officer"
INDICATORS = 100
NO_DATA = 5  # the last five indicators have no values at all
NO_TARGET = 5  # five others have no target
YEARS = (2023, 2024, 2025)
SEED = 14
PILLARS = {  # outcome counts per pillar, as in Rwanda's NAP 1325 2018-2022 (15 outcomes)
    "P1": 3,
    "P2": 3,
    "P3": 2,
    "P4": 3,
    "P5": 4,
}
# What is timed: (label, kind, format, params).
CASES = (
    ("nap-progress.pdf", "nap-progress", "pdf", {"framework": FRAMEWORK, "period": "2025", "lang": "en"}),
    ("nap-progress.xlsx", "nap-progress", "xlsx", {"framework": FRAMEWORK, "period": "2025", "lang": "en"}),
    (
        "itt.xlsx (2025Q1..Q4)",
        "itt",
        "xlsx",
        {"framework": FRAMEWORK, "start": "2025Q1", "end": "2025Q4", "lang": "en"},
    ),
    (
        "itt.pdf (2025Q1..Q4)",
        "itt",
        "pdf",
        {"framework": FRAMEWORK, "start": "2025Q1", "end": "2025Q4", "lang": "en"},
    ),
)
GOAL_S = 10.0


# ---------------------------------------------------------------------------------------------------------
# A database of its own


def setup_django(*, reuse: bool) -> str:
    """SQLite under var/bench/reports/ or a database `bench_reports` on the DATABASE_URL server; dropped
    first unless `reuse`. Migrated, with Rwanda's boundaries. Returns the vendor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ["AMAHORO_VAR_DIR"] = str(BENCH_DIR)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        admin = psycopg.connect(url, autocommit=True)
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and not reuse:
            admin.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
        admin.close()
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + DB_NAME
    elif not reuse:
        for name in ("amahoro.sqlite3", "amahoro.sqlite3-wal", "amahoro.sqlite3-shm"):
            (BENCH_DIR / name).unlink(missing_ok=True)
        shutil.rmtree(BENCH_DIR / "analytics", ignore_errors=True)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from amahoro.geo.models import OrgUnit

    if not OrgUnit.objects.filter(level__code="district").exists():
        from amahoro import policy
        from amahoro.geo.services import rwanda_load

        rwanda_load(actor=policy.SYSTEM)
    return str(connection.vendor)


# ---------------------------------------------------------------------------------------------------------
# The data set


def outcome_codes() -> list[str]:
    return [f"{p}.O{i + 1}" for p, n in PILLARS.items() for i in range(n)]


def indicator_plan() -> list[dict[str, Any]]:
    """100 indicators spread over the 15 outcomes (6 or 7 each), with their data element and shape."""
    outcomes = outcome_codes()
    plan = []
    for i in range(INDICATORS):
        n = i + 1
        percentage = n % 4 == 0
        plan.append(
            {
                "n": n,
                "code": f"BENCH_IND_{n:03d}",
                "de": f"BENCH_NAP_DE_{n:03d}",
                "outcome": outcomes[i * len(outcomes) // INDICATORS],
                "percentage": percentage,
                "lower": (not percentage) and n % 10 == 3,  # e.g. "cases pending over 6 months"
                "has_data": n <= INDICATORS - NO_DATA,
                "has_target": not (INDICATORS - 2 * NO_DATA < n <= INDICATORS - NO_DATA),
                "district_targets": n % 3 == 0,
                "size": 20 + (n * 37) % 180,  # people per district and month, roughly
            }
        )
    return plan


def framework_document(plan: list[dict[str, Any]]) -> dict[str, Any]:
    import yaml

    # The pillar and outcome names of the reference framework.

    ref = yaml.safe_load(
        (ROOT / "amahoro" / "frameworks" / "data" / "rwanda-nap-1325-2018-2022.yaml").read_text()
    )["framework"]
    pillars = []
    for p in ref["pillars"]:
        pillars.append(
            {
                "code": p["code"],
                "name": p["name"],
                "outcomes": [{"code": o["code"], "name": o["name"]} for o in p["outcomes"]],
            }
        )
    assert [o["code"] for p in pillars for o in p["outcomes"]] == outcome_codes()
    indicators = []
    for ind in plan:
        base = 12 * 30 * ind["size"]  # a year's count nationally
        if ind["percentage"]:
            spec: dict[str, Any] = {
                "type": "percentage",
                "unit": "%",
                "numerator": f"#{{{ind['de']}.F}}",
                "denominator": f"#{{{ind['de']}}}",
                "factor": 100,
                "decimals": 1,
                "baseline": {"value": 38.0, "date": "2022-12-31"},
            }
            yearly = [44.0, 47.0, 50.0]
            district = 50.0
        else:
            spec = {
                "type": "count",
                "unit": "people",
                "numerator": f"#{{{ind['de']}}}",
                "baseline": {"value": round(base * (1.3 if ind["lower"] else 0.7)), "date": "2022-12-31"},
            }
            if ind["lower"]:
                spec["direction"] = "lower"
                yearly = [round(base * f) for f in (1.2, 1.05, 0.9)]
            else:
                yearly = [round(base * f) for f in (0.9, 1.0, 1.15)]
            district = round(base * 1.15 / 30)
        targets = []
        if ind["has_target"]:
            targets = [
                {"org_unit": "RW", "period": str(y), "value": v} for y, v in zip(YEARS, yearly, strict=True)
            ]
        indicators.append(
            {
                "code": ind["code"],
                "name": (
                    f"Share of women among people reached by activity {ind['n']}"
                    if ind["percentage"]
                    else f"People reached by activity {ind['n']} of outcome {ind['outcome']}"
                ),
                "aggregation_time": "sum",
                "aggregation_place": "sum",
                "data_source": "Monthly district reports (benchmark data)",
                "nodes": ind["outcome"],
                "targets": targets,
                "_district": district if ind["district_targets"] and ind["has_target"] else None,
                **spec,
            }
        )
    district_targets = [
        (ind["code"], ind.pop("_district")) for ind in indicators if ind.get("_district") is not None
    ]
    for ind in indicators:
        ind.pop("_district", None)
    return {
        "framework": {
            "code": FRAMEWORK,
            "name": "Benchmark national action plan (5 pillars, 15 outcomes, 100 indicators)",
            "organisation": OWNER,
            "org_unit": "RW",
            "start": "2023-01-01",
            "end": "2025-12-31",
            "pillars": pillars,
            "indicators": indicators,
        },
        "_district_targets": district_targets,
    }


def generate() -> dict[str, Any]:
    """Everything the reports read, through the project's own import services except the data values
    (bulk-inserted: their import path is timed by bench/run.py). Returns the shape and how long it took."""
    from django.db import transaction

    from amahoro import policy
    from amahoro.accounts.models import RoleAssignment, User
    from amahoro.data.importing import ensure_periods
    from amahoro.data.models import DataValue
    from amahoro.frameworks.demo import SEX_METADATA
    from amahoro.frameworks.interchange import framework_import, parse_document
    from amahoro.frameworks.models import Indicator, Target
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.importer import metadata_import
    from amahoro.metadata.models import CategoryOptionCombo, DataElement
    from amahoro.organisations.models import Organisation

    started = time.perf_counter()
    orgs = {
        code: Organisation.objects.get_or_create(code=code, defaults={"name": code, "type": kind})[0]
        for code, kind in AGENCIES
    }
    owner = orgs[OWNER]
    user, created = User.objects.get_or_create(username=USER, defaults={"email": f"{USER}@example.org"})
    if created:
        RoleAssignment.objects.create(
            user=user, organisation=owner, role="me_officer", org_unit=OrgUnit.objects.get(code="RW")
        )
    plan = indicator_plan()
    report = metadata_import(actor=policy.SYSTEM, payload=SEX_METADATA, import_strategy="CREATE")
    if report.errors:
        raise SystemExit(f"metadata: {report.errors[0]}")
    payload = {
        "dataElements": [
            {
                "code": ind["de"],
                "name": f"Benchmark NAP data element {ind['n']:03d}",
                "shortName": f"Bench NAP DE {ind['n']:03d}",
                "valueType": "INTEGER_ZERO_OR_POSITIVE",
                "aggregationType": "SUM",
                "categoryCombo": {"code": "SEX"},
            }
            for ind in plan
        ]
    }
    report = metadata_import(
        actor=policy.SYSTEM, payload=payload, import_strategy="CREATE", organisation=owner
    )
    if report.errors:
        raise SystemExit(f"metadata: {report.errors[0]}")

    doc = framework_document(plan)
    district_targets = doc.pop("_district_targets")
    framework_import(actor=policy.SYSTEM, bundle=parse_document(doc))
    districts = list(
        OrgUnit.objects.filter(level__code="district").order_by("code").values_list("code", "pk")
    )
    if len(districts) != 30:
        raise SystemExit(f"expected Rwanda's 30 districts, found {len(districts)}")
    # District targets for 2025 (one indicator in three), written directly: the import path of targets is
    # the framework import above, already exercised by the national ones.
    from amahoro.metadata import periods as period_lib

    year = period_lib.parse_period("2025")
    by_code = dict(Indicator.objects.filter(code__startswith="BENCH_IND_").values_list("code", "pk"))
    Target.objects.bulk_create(
        [
            Target(
                indicator_id=by_code[code],
                org_unit_id=pk,
                period="2025",
                start=year.start,
                end=year.end,
                value=value,
            )
            for code, value in district_targets
            for _ou, pk in districts
        ]
    )
    t_meta = time.perf_counter() - started

    # The data values: month by month, every district, both sexes.
    t = time.perf_counter()
    months = [f"{y}{m:02d}" for y in YEARS for m in range(1, 13)]
    period_ids = ensure_periods(months)
    des = dict(DataElement.objects.filter(code__startswith="BENCH_NAP_DE_").values_list("code", "pk"))
    cocs = {
        coc.code: coc.pk for coc in CategoryOptionCombo.objects.filter(combo__code="SEX", code__in=("F", "M"))
    }
    if set(cocs) != {"F", "M"}:  # codes differ by how the combo was made: map through the options
        cocs = {
            coc.options.get().code: coc.pk for coc in CategoryOptionCombo.objects.filter(combo__code="SEX")
        }
    default_aoc = CategoryOptionCombo.objects.get(combo__code="default", code="default").pk
    rng = random.Random(SEED)  # invented benchmark numbers, not security
    rows: list[DataValue] = []
    count = 0
    with transaction.atomic():
        for mi, month in enumerate(months):
            for _ou_code, ou in districts:
                busy = 0.6 + (ou % 7) / 7
                for ind in plan:
                    if not ind["has_data"]:
                        continue
                    growth = 1 + 0.15 * (mi / 12)
                    total = ind["size"] * busy * growth * rng.uniform(0.8, 1.2)
                    women = total * (0.40 + 0.12 * (mi / 36) + rng.uniform(-0.05, 0.05))
                    for sex, value in (("F", round(women)), ("M", round(total - women))):
                        rows.append(
                            DataValue(
                                data_element_id=des[ind["de"]],
                                org_unit_id=ou,
                                period_id=period_ids[month],
                                category_option_combo_id=cocs[sex],
                                attribute_option_combo_id=default_aoc,
                                organisation=owner,
                                value=str(value),
                                numeric_value=float(value),
                            )
                        )
                if len(rows) >= 20_000:
                    DataValue.objects.bulk_create(rows, batch_size=5000)
                    count += len(rows)
                    rows = []
        DataValue.objects.bulk_create(rows, batch_size=5000)
        count += len(rows)
        # bulk_create stamps auto_now fields with the time of the load: give each month the time its
        # reports came in (five days after it ended), so the analytics store's live delta (values updated
        # in the minutes before its watermark) holds what it would in real life, not the whole load.
        de_ids = list(des.values())
        for month in months:
            end = period_lib.parse_period(month).end
            stamp = datetime(end.year, end.month, end.day, 8, tzinfo=UTC) + timedelta(days=5)
            DataValue.objects.filter(period_id=period_ids[month], data_element_id__in=de_ids).update(
                created_at=stamp, updated_at=stamp
            )
    t_values = time.perf_counter() - t

    t = time.perf_counter()
    funding = funding_records(orgs)
    t_funding = time.perf_counter() - t

    t = time.perf_counter()
    from amahoro.analytics import store

    store.refresh(full=True, wait=True)
    t_refresh = time.perf_counter() - t
    return {
        "indicators": len(plan),
        "with_data": sum(ind["has_data"] for ind in plan),
        "with_target": sum(ind["has_target"] for ind in plan),
        "percentages": sum(ind["percentage"] for ind in plan),
        "outcomes": len(outcome_codes()),
        "pillars": len(PILLARS),
        "districts": len(districts),
        "months": len(months),
        "values": count,
        "national_targets": Target.objects.filter(
            indicator__code__startswith="BENCH_IND_", org_unit__code="RW"
        ).count(),
        "district_targets": len(district_targets) * len(districts),
        "funding_records": funding,
        "seconds": {
            "metadata_framework_targets": round(t_meta, 1),
            "values": round(t_values, 1),
            "funding": round(t_funding, 1),
            "analytics_refresh": round(t_refresh, 1),
        },
    }


def funding_records(orgs: dict[str, Any]) -> int:
    """Per outcome and fiscal year: a budget line, a commitment and two disbursements, in RWF, from one of
    the five agencies in turn (through the funding services)."""
    from amahoro import policy
    from amahoro.frameworks.models import Node
    from amahoro.funding.services import budget_line_create, transaction_create

    nodes = list(Node.objects.filter(framework__code=FRAMEWORK, kind="outcome").order_by("code"))
    agencies = [orgs[code] for code, _kind in AGENCIES]
    n = 0
    for i, node in enumerate(nodes):
        for y, year in enumerate((2023, 2024, 2025)):
            agency = agencies[(i + y) % len(agencies)]
            planned = Decimal(50_000_000 + 7_000_000 * ((i * 3 + y) % 11))
            budget_line_create(
                actor=policy.SYSTEM,
                organisation=agency,
                node=node,
                amount=planned,
                currency="RWF",
                fiscal_year=f"{year}July",
            )
            transaction_create(
                actor=policy.SYSTEM,
                organisation=agency,
                node=node,
                kind="commitment",
                amount=planned * Decimal("0.8"),
                currency="RWF",
                date=date(year, 9, 1),
            )
            for month, share in ((11, "0.3"), (3, "0.25")):
                transaction_create(
                    actor=policy.SYSTEM,
                    organisation=agency,
                    node=node,
                    kind="disbursement",
                    amount=planned * Decimal(share),
                    currency="RWF",
                    date=date(year + (month < 7), month, 15),
                )
            n += 4
    return n


def dataset_present() -> bool:
    from amahoro.data.models import DataValue
    from amahoro.frameworks.models import Framework

    return (
        Framework.objects.filter(code=FRAMEWORK).exists()
        and DataValue.objects.filter(data_element__code__startswith="BENCH_NAP_DE_").exists()
    )


# ---------------------------------------------------------------------------------------------------------
# Timing


def available(kind: str, fmt: str) -> bool:
    from amahoro.core.errors import NotFound
    from amahoro.reports import kinds

    try:
        return fmt in kinds.get(kind).formats
    except NotFound:
        return False


def render_once(user: Any, kind: str, fmt: str, params: dict[str, str]) -> dict[str, Any]:
    """One render through services.render, split at the progress call the service makes between the
    build (figures) and the format (progress(80, FMT))."""
    from amahoro.reports import services

    marks: list[tuple[int, float]] = []

    def progress(pct: int, stage: str) -> None:
        del stage
        marks.append((pct, time.perf_counter()))

    c0, t0 = time.process_time(), time.perf_counter()
    out = services.render(user=user, kind=kind, params=params, fmt=fmt, progress=progress)
    t1, c1 = time.perf_counter(), time.process_time()
    split = next((at for pct, at in marks if pct == 80), t1)
    return {
        "s": t1 - t0,
        "cpu_s": c1 - c0,
        "build_s": split - t0,
        "format_s": t1 - split,
        "bytes": len(out.content),
        "content": out.content,
    }


def pages_of(content: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover
        return None
    return len(PdfReader(io.BytesIO(content)).pages)


def time_case(user: Any, kind: str, fmt: str, params: dict[str, str], runs: int) -> dict[str, Any]:
    first = render_once(user, kind, fmt, params)
    timed = [render_once(user, kind, fmt, params) for _ in range(runs)]
    secs = [r["s"] for r in timed]
    return {
        "first_s": round(first["s"], 2),
        "runs": runs,
        "median_s": round(statistics.median(secs), 2),
        "max_s": round(max(secs), 2),
        "min_s": round(min(secs), 2),
        "cpu_median_s": round(statistics.median(r["cpu_s"] for r in timed), 2),
        "build_median_s": round(statistics.median(r["build_s"] for r in timed), 2),
        "format_median_s": round(statistics.median(r["format_s"] for r in timed), 2),
        "bytes": first["bytes"],
        "pages": pages_of(first["content"]) if fmt == "pdf" else None,
    }


def profile(user: Any, kind: str, fmt: str, params: dict[str, str], top: int = 30) -> str:
    """cProfile of one warm render: the functions with the largest cumulative time."""
    render_once(user, kind, fmt, params)
    prof = cProfile.Profile(time.process_time)  # CPU time: what the render costs, whatever the load
    prof.enable()
    render_once(user, kind, fmt, params)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def machine() -> dict[str, Any]:
    import platform

    import django
    from django.db import connection

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            db_version = f"PostgreSQL {cur.fetchone()[0]}"
    else:
        import sqlite3

        db_version = f"SQLite {sqlite3.sqlite_version}"
    versions = {}
    for name in ("weasyprint", "openpyxl", "pydyf"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db_version,
        "libraries": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "nice": os.nice(0),
    }


def render_doc(report: dict[str, Any], command: str) -> str:
    m, ds = report["machine"], report["data_set"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    lines = [
        f"Run {report['date']} with `{command}`.",
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; load average "
        f"{m['load_average_at_start']} at start, {m['load_average_at_end']} at end"
        + (f", run at nice {m['nice']} (ahead of the machine's other work)" if m.get("nice") else "")
        + f". Python {m['python']}, "
        f"Django {m['django']}, {m['database']}, {libs}.",
        f"- Data set: framework {FRAMEWORK}: {ds['pillars']} pillars, {ds['outcomes']} outcomes, "
        f"{ds['indicators']} indicators ({ds['percentages']} percentages, {ds['with_data']} with data, "
        f"{ds['with_target']} with targets); {ds['values']:,} values ({ds['districts']} districts x "
        f"{ds['months']} months x 2 sexes); {ds['national_targets']} national and {ds['district_targets']:,} "
        f"district targets; {ds['funding_records']} funding records.",
        f"- Rendered through `reports.services.render()` as an M&E officer with the whole country in scope; "
        f"warm: after a first render (its time in the first column), {report['runs']} timed runs each. "
        "Build = the figures (analytics engine, funding), format = HTML + WeasyPrint, or openpyxl; CPU = "
        "the process's CPU time (what the render costs whatever else the machine is doing).",
        "",
        "| report | first s | median s | max s | CPU s (median) | build s (median) | format s (median) | size "
        "| pages |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, res in report["results"].items():
        if "skipped" in res:
            lines.append(f"| {label} | {res['skipped']} | | | | | | | |")
            continue
        lines.append(
            f"| {label} | {res['first_s']} | **{res['median_s']}** | {res['max_s']} | "
            f"{res.get('cpu_median_s', '-')} | {res['build_median_s']} | {res['format_median_s']} | {res['bytes'] / 1024:,.0f} KB | "
            f"{res['pages'] if res['pages'] is not None else '-'} |"
        )
    nap = report["results"].get("nap-progress.pdf", {})
    if "max_s" in nap:
        ok = nap["max_s"] < GOAL_S
        cpu = nap.get("cpu_median_s")
        verdict = "met" if ok else "**missed**"
        if not ok and cpu is not None and cpu < GOAL_S:
            verdict += " (wall time on this loaded machine; the render's own CPU time is under the goal)"
        lines += [
            "",
            "| goal | figure | result |",
            "| --- | --- | --- |",
            f"| 100-indicator NAP report (PDF) < {GOAL_S:g} s on 2 cores | {nap['median_s']} s median, "
            f"{nap['max_s']} s max (CPU {cpu} s median) | {verdict} |",
        ]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, key: str, title: str, body: str) -> None:
    """Replace the text between <!-- bench:KEY:start --> and <!-- bench:KEY:end --> (a section at the end
    of the document if missing)."""
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    text = doc.read_text() if doc.exists() else "# Performance\n"
    block = f"{start}\n{body}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n### {title}\n\n{block}\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="keep the data set of an earlier run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per report (default 5)")
    parser.add_argument(
        "--profile",
        metavar="CASE",
        default=None,
        help="print a cProfile of one warm render of CASE (e.g. nap-progress.pdf) instead of timing",
    )
    parser.add_argument(
        "--doc", type=Path, default=None, help="write the figures here (default docs/performance.md)"
    )
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)

    vendor = setup_django(reuse=args.reuse)
    from amahoro.accounts.models import User

    report_file = BENCH_DIR / f"report-{vendor}.json"
    previous = json.loads(report_file.read_text()) if report_file.exists() else {}
    if args.reuse and dataset_present() and previous.get("data_set"):
        data_set = {**previous["data_set"], "reused": True}
        print("data set reused", flush=True)
    else:
        if args.reuse and dataset_present():
            raise SystemExit("a data set is there but no report of it: run without --reuse")
        print("generating the data set...", flush=True)
        data_set = generate()
        print(json.dumps(data_set), flush=True)
    user = User.objects.get(username=USER)
    if args.profile:
        case = next((c for c in CASES if c[0].startswith(args.profile)), None)
        if case is None:
            raise SystemExit(f"unknown case {args.profile!r}: one of {', '.join(c[0] for c in CASES)}")
        print(profile(user, case[1], case[2], dict(case[3])))
        return 0

    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "data_set": data_set,
        "runs": args.runs,
        "results": {},
    }
    for label, kind, fmt, params in CASES:
        if not available(kind, fmt):
            report["results"][label] = {"skipped": "kind not available"}
            print(f"{label}: skipped (the kind is not registered yet)", flush=True)
            continue
        res = time_case(user, kind, fmt, dict(params), args.runs)
        report["results"][label] = res
        print(f"{label}: {json.dumps(res)}", flush=True)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report_file.write_text(json.dumps(report, indent=1, default=str))
    command = ".venv/bin/python bench/reports.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )
    if vendor == "postgresql":
        command = "DATABASE_URL=postgres://... " + command
    body = render_doc(report, command)
    print("\n" + body)
    if not args.no_doc and any("median_s" in r for r in report["results"].values()):
        doc = args.doc or DOC
        title = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)
        write_section(doc, f"reports-{vendor}", f"Reports on {title}", body)
        print(f"figures written to {doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
