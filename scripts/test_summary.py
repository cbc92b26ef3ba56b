"""Print the closing line of `make test`: the pytest counts of every database run, added up.

Usage: python scripts/test_summary.py LOG [LOG ...]  (empty or missing logs are skipped)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?)")


def main(paths: list[str]) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for name in paths:
        path = Path(name)
        if not path.is_file() or not path.stat().st_size:
            continue
        last = path.read_text(errors="replace").strip().splitlines()[-1]
        for number, kind in COUNT.findall(last):
            totals[kind.rstrip("s") if kind.startswith("error") else kind] += int(number)
        print(f"{path.stem}: {last.strip('= ')}")
    failed = totals["failed"] + totals["error"]
    print(f"{totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed or not totals["passed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
