"""Browser-test fixtures: headless Chromium through Playwright, a light slice of Rwanda's hierarchy with
district shapes (live_server flushes the database, so the session-loaded hierarchy is not there), and a
console watcher so every test fails on a JavaScript error or a CSP violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BOUNDARIES = Path("/work/shared/reference/rw-admin-boundary")
LEAFLET = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet" / "leaflet.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    skip = None
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if str(item.fspath).startswith(here) and skip is not None:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class ConsoleWatcher:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """An error the test provokes on purpose (e.g. a form re-rendered with status 400)."""
        self.allowed.append(fragment)

    def on_console(self, message: Any) -> None:
        if message.type == "error" and not any(f in message.text for f in self.allowed):
            url = (message.location or {}).get("url", "")  # which request or script: says where to look
            self.errors.append(f"{message.text} ({url})" if url else message.text)

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def console() -> ConsoleWatcher:
    return ConsoleWatcher()


@pytest.fixture
def page(browser: Any, console: ConsoleWatcher) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_page_error)
    yield pg
    context.close()


@pytest.fixture
def rwanda_slice(transactional_db: Any) -> dict[str, int]:
    """Rwanda, its 5 provinces, 30 districts and 416 sectors (NISR codes from rwanda-admin), with the
    shapes shipped with Amahoro attached (as `load_reference rwanda` does): enough for the maps, the tree
    and the search, in a few seconds."""
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.geo.services import shipped_boundaries_load

    if not OrgUnit.objects.filter(
        code="RW"
    ).exists():  # the first transactional test still has the session's load
        _create_slice()
    shipped_boundaries_load(actor=policy.SYSTEM)
    matched = OrgUnit.objects.filter(level__code="district", geometry__isnull=False).count()
    return {"districts_with_shapes": matched, "units": OrgUnit.objects.count()}


def _create_slice() -> None:
    from rwanda_admin import get_dataset

    from amahoro.geo.models import OrgUnit
    from amahoro.geo.services import RWANDA_PROVINCES, levels_ensure

    levels = levels_ensure()
    country = OrgUnit.objects.create(
        code="RW",
        name="Rwanda",
        name_en="Rwanda",
        name_fr="Rwanda",
        name_rw="u Rwanda",
        iso_code="RW",
        level=levels["country"],
        path="/RW/",
        depth=1,
    )
    for province in get_dataset()["provinces"]:
        first_village = province["districts"][0]["sectors"][0]["cells"][0]["villages"][0]["id"]
        pcode = str(first_village).removeprefix("village-")[:1]
        names = RWANDA_PROVINCES[pcode]
        prov = OrgUnit.objects.create(
            code=pcode,
            name=names["en"],
            name_en=names["en"],
            name_fr=names["fr"],
            name_rw=names["rw"],
            iso_code=names["iso"],
            level=levels["province"],
            parent=country,
            path=f"/RW/{pcode}/",
            depth=2,
        )
        for district in province["districts"]:
            dcode = str(district["sectors"][0]["cells"][0]["villages"][0]["id"]).removeprefix("village-")[:2]
            dist = OrgUnit.objects.create(
                code=dcode,
                name=district["name"],
                name_en=district["name"],
                name_rw=district["name"],
                level=levels["district"],
                parent=prov,
                path=f"{prov.path}{dcode}/",
                depth=3,
            )
            OrgUnit.objects.bulk_create(
                OrgUnit(
                    code=(scode := str(s["cells"][0]["villages"][0]["id"]).removeprefix("village-")[:4]),
                    name=s["name"],
                    name_en=s["name"],
                    name_rw=s["name"],
                    level=levels["sector"],
                    parent=dist,
                    path=f"{dist.path}{scode}/",
                    depth=4,
                )
                for s in district["sectors"]
            )


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Set AMAHORO_SCREENSHOTS=docs/img to refresh the README's screenshots."""
    value = os.environ.get("AMAHORO_SCREENSHOTS")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path
