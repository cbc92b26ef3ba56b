"""The benchmark script runs end to end on a tiny data set (the real run is `make bench`, never in tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[3] / "bench" / "run.py"


def load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("amahoro_bench_run", BENCH)
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
    assert set(report["timings"]) == {"orm", "analytics", "raw_duckdb", "raw_polars", "live_path"}
    assert report["refresh_incremental"]["kind"] == "incremental"

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nHand-written context stays.\n")
    bench.write_section(doc, "sqlite", bench.render(report, "bench/run.py --values 20000 --quick"))
    bench.write_section(doc, "sqlite", bench.render(report, "bench/run.py --values 20000 --quick"))
    text = doc.read_text()
    assert text.startswith("# Performance\n\nHand-written context stays.")
    assert text.count("<!-- bench:sqlite:start -->") == 1
    assert "| analytics.aggregate() (warm) |" in text and "analytics p95 < 300 ms warm" in text
