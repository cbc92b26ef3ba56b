"""The house as documented is the house as built: the layer picture in docs/architecture.md is drawn from
.importlinter, and no import goes up or sideways (the same rule `lint-imports` enforces in `make checks`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _graph() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "import_graph.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_no_app_imports_a_layer_above_it_or_a_sibling() -> None:
    run = _graph()
    assert run.returncode == 0, run.stderr


def test_the_documented_picture_is_the_declared_layers() -> None:
    picture = _graph().stdout.split("```\n", 1)[0] + "```\n"
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert picture in doc, "docs/architecture.md is out of date: run .venv/bin/python scripts/import_graph.py"
