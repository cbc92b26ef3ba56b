"""scripts/coverage_floor.py: the floors `make test` holds the SQLite run's coverage to."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "coverage_floor.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_floor", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(total: float, **missing: list[int]) -> dict:
    files = {
        "amahoro/policy.py": {"missing_lines": missing.get("policy", [])},
        "amahoro/cases/services.py": {"missing_lines": missing.get("cases", [])},
        "amahoro/data/services.py": {"missing_lines": [1, 2, 3]},
    }
    return {"files": files, "totals": {"percent_covered": total}}


def test_fully_covered_paths_and_total_above_the_floor_pass() -> None:
    assert _script().check(_report(95.0), total_floor=90.0) == []


def test_a_missed_line_in_cases_fails_naming_the_lines() -> None:
    failures = _script().check(_report(95.0, cases=[10, 11, 12, 20]), total_floor=90.0)
    assert failures == ["amahoro/cases/services.py: lines 10-12, 20 never ran (this path must stay at 100%)"]


def test_a_missed_line_in_policy_fails_and_other_apps_may_miss_lines() -> None:
    failures = _script().check(_report(95.0, policy=[7]), total_floor=90.0)
    assert [f.split(":")[0] for f in failures] == ["amahoro/policy.py"]


def test_a_total_under_the_floor_fails() -> None:
    assert _script().check(_report(89.5), total_floor=90.0) == [
        "total line coverage 89.50% is under the floor of 90.0%"
    ]


def test_a_report_without_the_strict_paths_fails_rather_than_passing_empty() -> None:
    failures = _script().check({"files": {}, "totals": {"percent_covered": 100.0}}, total_floor=90.0)
    assert failures and "no measured file" in failures[0]


def test_main_exits_1_and_says_what_to_do(tmp_path: Path, capsys) -> None:
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(_report(10.0, cases=[5])))
    assert _script().main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "amahoro/cases/services.py: lines 5" in out
