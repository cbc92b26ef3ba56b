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

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "report-pages"
OUT = ROOT / "docs" / "img" / "reports"
MAX_BYTES = 200 * 1024


@dataclass
class Page:
    kind: str
    user: str
    params: dict[str, str]
    # (page number, or a text: the first inner page holding it; file stem)
    pages: list[tuple[int | str, str]] = field(default_factory=list)


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


# The demo framework with values, targets, trends and maps in 2025 (the demo's NAP 1325 has its pillars
# and outcomes but, as the seed, few indicators and no 2025 values).
NAP_FRAMEWORK = "RWAMREC-SP-2022-2026"
GBV_PLACE = "12"  # Gasabo, where the demo's Isange One Stop Centre records its cases
# Invented incidents added for the GBV picture: the demo's 14 cases over five months leave every table of a
# month under the minimum total, so a page of it would show only "x". (gbv type, relationship, age, sex,
# days from incident to report, how many).
EXTRA_CASES = (
    ("penetration", "intimate_partner", 24, "female", 1, 9),
    ("penetration", "former_partner", 31, "female", 2, 5),
    ("penetration", "neighbour", 15, "female", 5, 4),
    ("penetration", "family", 13, "female", 9, 3),
    ("penetration", "stranger", 19, "female", 20, 2),
    ("unwanted_sexual_contact", "teacher", 14, "female", 3, 4),
    ("unwanted_sexual_contact", "community_member", 22, "female", 12, 3),
    ("physical_assault", "intimate_partner", 34, "female", 2, 8),
    ("physical_assault", "intimate_partner", 38, "male", 4, 2),
    ("psychological_abuse", "intimate_partner", 29, "female", 40, 5),
    ("denial_of_resources", "former_partner", 45, "female", 25, 3),
    ("forced_marriage", "family", 16, "female", 7, 1),
)


def extra_cases() -> str:
    """Record EXTRA_CASES in the last complete month as the demo case worker, with health care (PEP for
    most rapes, within 72 hours for most), and referrals to the police and legal aid; returns the month."""
    import datetime as dt

    from amahoro.accounts.models import User
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import incident_create, service_record
    from amahoro.geo.models import OrgUnit
    from amahoro.organisations.models import Organisation

    first = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month = first.strftime("%Y%m")
    marker = "Invented incident for the documentation pictures (scripts/report_pages.py)."
    done = VAR / f"extra-cases-{month}"  # once per database (--reuse keeps it)
    if done.exists():
        return month
    worker = User.objects.get(username="case_worker")
    police = Organisation.objects.filter(code="RNP").first()
    sectors = list(
        OrgUnit.objects.filter(parent__code=GBV_PLACE).order_by("code").values_list("code", flat=True)
    )
    n = 0
    for gbv, relationship, age, sex, days, count in EXTRA_CASES:
        for i in range(count):
            n += 1
            report = first + dt.timedelta(days=(n * 7) % 27)
            incident = incident_create(
                actor=worker,
                data=incident_parse(
                    {
                        "survivor": {"name": f"Invented survivor {n}", "sex": sex, "age": age + i % 3},
                        "incident_date": (report - dt.timedelta(days=days)).isoformat(),
                        "report_date": report.isoformat(),
                        "org_unit": sectors[n % len(sectors)],
                        "classification": {gbv: True},
                        "perpetrators": [{"relationship": relationship, "sex": "male", "age_group": "26-40"}],
                        "goods_exchanged": False,
                        "abduction": "none",
                        "account": marker,
                        "consent": {"services": True, "reporting": n % 11 != 0},
                    }
                ),
            )
            if gbv == "penetration" and n % 4:
                pep = report + dt.timedelta(days=0 if days <= 2 else 1)
                service_record(
                    actor=worker,
                    incident=incident,
                    type="health",
                    status="provided",
                    provided_on=report,
                    pep_given_on=pep,
                )
            if police is not None and n % 3 == 0:
                service_record(
                    actor=worker,
                    incident=incident,
                    type="police",
                    status="referred",
                    provider=police,
                    referred_on=report,
                )
            if n % 2 == 0:
                service_record(
                    actor=worker,
                    incident=incident,
                    type="psychosocial",
                    status="provided",
                    provided_on=report,
                )
    done.write_text(f"{n} incidents\n")
    return month


def plan(only: str | None, gbv_month: str) -> list[Page]:
    framework = NAP_FRAMEWORK
    pages = [
        Page(
            "nap-progress",
            "me_officer",
            {"framework": framework, "period": "2025", "lang": "en"},
            [(1, "nap-progress-cover"), (2, "nap-progress-summary"), ("Baseline", "nap-progress-outcome")],
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
            {"org_unit": GBV_PLACE, "period": gbv_month, "lang": "en"},
            [(1, "gbv-monthly-page1"), (2, "gbv-monthly-page2")],
        ),
    ]
    return [p for p in pages if only in (None, p.kind)]


def page_with(content: bytes, text: str) -> int:
    """The first page after the first whose text holds `text` (page 2 when none does)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    for number, page in enumerate(reader.pages[1:], start=2):
        if text in (page.extract_text() or ""):
            return number
    return min(2, len(reader.pages))


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
    month = extra_cases() if args.only in (None, "gbv-monthly") else ""
    for page in plan(args.only, month):
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
            n = number if isinstance(number, int) else page_with(rendered.content, number)
            png = to_png(pdf, n, stem)
            print(
                f"{page.kind} {page.params} as {page.user}: page {n} -> {png.relative_to(ROOT)} "
                f"({png.stat().st_size // 1024} KB)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
