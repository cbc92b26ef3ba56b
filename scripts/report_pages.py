"""The pictures of docs/reports.md: a page of each report as PNG, rendered from the demo data.

    .venv/bin/python scripts/report_pages.py            # a fresh throw-away SQLite database, the demo loaded
    .venv/bin/python scripts/report_pages.py --reuse    # keep that database from an earlier run
    .venv/bin/python scripts/report_pages.py --only gbv-monthly

It points Django at its own database (var/report-pages/amahoro.sqlite3, or DATABASE_URL when given),
runs `migrate`, `load_reference rwanda` and `load_demo`, refreshes the analytics store, then renders each
report's PDF through `reports.services.render` as the demo user who would ask for it, and converts page 1
and one inner page to PNG with `pdftoppm` (poppler-utils: `apt-get install -y poppler-utils`; a
documentation tool, not a test dependency) into docs/img/reports/. Each PNG is kept under 200 KB.
A documentation tool: never part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "report-pages"
OUT = ROOT / "docs" / "img" / "reports"
MAX_BYTES = 200 * 1024


@dataclass
class Page:
    kind: str
    user: str
    params: dict[str, str]
    pages: list[tuple[int | str, str]] = field(default_factory=list)  # (page number or "inner", file stem)


def setup(reuse: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")
    os.environ["AMAHORO_VAR_DIR"] = str(VAR)
    if not os.environ.get("DATABASE_URL") and not reuse:
        shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from amahoro.geo.models import OrgUnit

    call_command("migrate", verbosity=0, interactive=False)
    if not reuse or not OrgUnit.objects.exists():
        call_command("load_reference", "rwanda")
        call_command("load_demo")
    from amahoro.analytics import store

    store.refresh(full=True, wait=True)


def nap_framework(user: Any) -> str:
    """The framework the NAP report is shown for: the NAP 1325 when it has indicators in the demo, else
    the framework with the most indicators the user may see."""
    from django.db.models import Count

    from amahoro.frameworks.selectors import frameworks_visible_to

    visible = frameworks_visible_to(user=user).annotate(n=Count("indicators")).order_by("-n", "code")
    nap = visible.filter(code="RW-NAP1325-2018").first()
    if nap is not None and nap.n:
        return str(nap.code)
    best = visible.first()
    if best is None:
        raise SystemExit("no framework visible to the demo user")
    return str(best.code)


def gbv_month() -> str:
    """The demo's month with the most incidents (yyyyMM)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from amahoro.cases.models import Incident

    row = (
        Incident.objects.annotate(m=TruncMonth("report_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by("-n", "-m")
        .first()
    )
    if row is None:
        raise SystemExit("the demo has no incidents")
    return str(row["m"].strftime("%Y%m"))


def plan(only: str | None) -> list[Page]:
    from amahoro.accounts.models import User

    officer = User.objects.get(username="me_officer")
    framework = nap_framework(officer)
    pages = [
        Page(
            "nap-progress",
            "me_officer",
            {"framework": framework, "period": "2025", "lang": "en"},
            [(1, "nap-progress-cover"), ("inner", "nap-progress-outcome")],
        ),
        Page(
            "itt",
            "me_officer",
            {"framework": framework, "start": "2025Q1", "end": "2025Q4", "lang": "en"},
            [(1, "itt-page1")],
        ),
        Page(
            "gbv-monthly",
            "case_supervisor",
            {"org_unit": "1", "period": gbv_month(), "lang": "en"},
            [(1, "gbv-monthly-page1")],
        ),
    ]
    return [p for p in pages if only in (None, p.kind)]


def inner_page(content: bytes) -> int:
    """An interesting inner page: the first page after the first that has a chart (an <svg> drawn as
    vector paths) and a table; failing that, page 2."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    best = 2 if len(reader.pages) > 1 else 1
    for number, page in enumerate(reader.pages[1:], start=2):
        text = page.extract_text() or ""
        if any(w in text for w in ("Target", "target")) and len(text) > 400:
            return number
    return best


def to_png(pdf: Path, number: int, stem: str) -> Path:
    out = OUT / f"{stem}.png"
    for resolution in (70, 60, 50, 40):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "page"
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(resolution),
                    "-f",
                    str(number),
                    "-l",
                    str(number),
                    "-singlefile",
                    str(pdf),
                    str(prefix),
                ],
                check=True,
            )
            png = prefix.with_suffix(".png")
            if png.stat().st_size <= MAX_BYTES or resolution == 40:
                shutil.move(str(png), out)
                return out
    return out  # pragma: no cover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--only", choices=("nap-progress", "itt", "gbv-monthly"), default=None)
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: apt-get install -y poppler-utils (as root)")
    setup(args.reuse)

    from amahoro.accounts.models import User
    from amahoro.core.errors import NotFound
    from amahoro.reports import kinds, services

    OUT.mkdir(parents=True, exist_ok=True)
    failed = 0
    for page in plan(args.only):
        try:
            kinds.get(page.kind)
        except NotFound:
            print(f"{page.kind}: not registered yet; skipped")
            failed += 1
            continue
        user = User.objects.get(username=page.user)
        rendered = services.render(user=user, kind=page.kind, params=page.params, fmt="pdf")
        pdf = VAR / rendered.filename
        pdf.write_bytes(rendered.content)
        for number, stem in page.pages:
            n = inner_page(rendered.content) if number == "inner" else int(number)
            png = to_png(pdf, n, stem)
            print(
                f"{page.kind} {page.params} as {page.user}: page {n} -> {png.relative_to(ROOT)} "
                f"({png.stat().st_size // 1024} KB)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
