"""The benchmark script runs end to end on a tiny data set (the real run is `make bench`, never in tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[3] / "bench" / "run.py"
BENCH_HTTP = BENCH.with_name("analytics_http.py")


def load_bench(path: Path = BENCH, name: str = "amahoro_bench_run") -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_produces_a_report(db: Any, analytics_store: Path, tmp_path: Path) -> None:
    bench = load_bench()
    report = bench.run(values=20_000, quick=True, import_sample=20)

    assert report["data_set"]["values"] == 416 * 2 * 24  # one data element, 24 months
    assert report["import"]["rows"] == report["data_set"]["values"]
    assert all(report["results_agree"].values()), report["results_agree"]
    assert report["freshness"]["visible"] and report["freshness"]["soft_delete_gone"]
    assert set(report["timings"]) == {
        "orm",
        "analytics",
        "analytics_cached",
        "raw_duckdb",
        "raw_polars",
        "live_path",
    }
    assert report["results_agree"]["cached_vs_orm"]
    assert report["refresh_incremental"]["kind"] == "incremental"

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nHand-written context stays.\n")
    bench.write_section(doc, "sqlite", bench.render(report, "bench/run.py --values 20000 --quick"))
    bench.write_section(doc, "sqlite", bench.render(report, "bench/run.py --values 20000 --quick"))
    text = doc.read_text()
    assert text.startswith("# Performance\n\nHand-written context stays.")
    assert text.count("<!-- bench:sqlite:start -->") == 1
    assert "| analytics.aggregate() (warm) |" in text and "analytics p95 < 300 ms warm" in text


def test_http_harness_in_a_tiny_mode(
    transactional_db: Any, live_server: Any, analytics_store: Path, tmp_path: Path
) -> None:
    """The load generator of the HTTP figure against a live server: token clients, a warm-up, a fixed
    duration, every answer a 200 with the analytics table; then the figures render."""
    from amahoro.analytics import store

    from .conftest import make_dataset

    bench = load_bench()
    http = load_bench(BENCH_HTTP, "amahoro_bench_http")
    make_dataset()
    store.refresh()
    tokens = http.client_tokens(2)
    path = http.analytics_path("AN_SUM", ["202401", "202402", "202403"])
    assert path.startswith("/api/v1/analytics?dimension=dx:AN_SUM&dimension=pe:202401;202402;202403&")
    status, body = http.fetch(live_server.url, path, tokens[0])  # warm-up: loads the snapshot
    assert status == 200 and b'"rows":[["AN_SUM","202401",' in body, body[:500]
    result = http.load(live_server.url, path, tokens, seconds=1.0, warmup=0.3)
    assert result["requests"] > 0 and result["statuses"] == {"200": result["requests"]}
    assert result["ok"] == result["requests"] and result["requests_per_s"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert result["body_bytes"] > 100 and len(result["load_average_before"]) == 3

    timing = {"runs": 3, "p50_ms": 100.0, "p95_ms": 120.0, "min_ms": 90.0, "max_ms": 130.0}
    figures = {
        "date": "2026-12-07 03:00 UTC",
        "path": path,
        "question": "AN_SUM x district x month x sex",
        "values_read": 1,
        "workers": 3,
        "single": result,
        "concurrent": result,
        "in_process": {
            "orm": timing,
            "analytics": {**timing, "p50_ms": 5.0},
            "analytics_cached": {**timing, "p50_ms": 1.0},
            "groups": 6,
            "agree": True,
        },
        "ratios": {
            "orm_over_http_single_p50": 1.0,
            "orm_over_http_concurrent_p50": 1.0,
            "orm_over_analytics_p50": 20.0,
            "orm_over_analytics_cached_p50": 100.0,
        },
        "goals": {"http_p95_under_100ms": False, "all_answers_ok": True},
    }
    machine = {"nproc": 2, "cpu": "test", "database": "SQLite"}
    text = bench.render_http(figures, "bench/run.py --http yes", machine)
    assert f"| HTTP, 2 concurrent clients | {result['requests']} |" in text
    assert "| p95 < 100 ms at 2 concurrent clients |" in text
