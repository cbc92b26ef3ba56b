"""The public portal in a real browser, signed out: the overview with progress by pillar and outcome, and
the participation page with one ECharts chart per peacekeeping personnel type and its target line. Run
with `pytest -m browser`."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(rwanda_slice: dict[str, int]) -> None:
    from django.core.cache import cache

    from amahoro.participation.services import participation_setup, peacekeeping_csv_import
    from amahoro.participation.tests.conftest import SAMPLE

    cache.clear()
    participation_setup(actor=policy.SYSTEM)
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    officer = make_user("stats_officer", ("me_officer", ministry, "RW"))
    peacekeeping_csv_import(actor=officer, content=SAMPLE.read_bytes())


def test_overview_and_parity_charts_without_login(
    page, live_server, published, console, screenshot_dir
) -> None:
    page.goto(f"{live_server.url}/public/")
    assert page.locator("h1").inner_text().startswith("Women, peace and security")
    assert page.locator(".pillar").count() == 5
    assert page.locator("tr[data-outcome='P5.O2']").count() == 1
    assert page.locator("a[data-download='peacekeeping.csv']").count() == 1
    page.click('nav.portal-nav a:has-text("Women\'s participation")')
    page.wait_for_url(f"{live_server.url}/public/participation/")
    charts = page.locator(".parity-chart")
    assert charts.count() == 5
    for i in range(5):
        charts.nth(i).locator("svg").first.wait_for()
    # The target line and its label are drawn (ECharts SVG text).
    assert (
        "15%" in page.locator("#parity-chart-PK_TROOPS").inner_text()
        or page.locator("#parity-chart-PK_TROOPS svg text:has-text('15')").count()
    )
    row = page.locator("#parity-table tr[data-type='PK_TROOPS']")
    assert row.locator("td.target").inner_text().startswith("15%")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "portal-participation.png"), full_page=True)
    assert console.errors == []


def test_switch_the_portal_to_kinyarwanda_and_keep_it_across_pages(
    page, live_server, published, console
) -> None:
    page.goto(f"{live_server.url}/public/")
    page.click("nav.portal-lang a[data-lang='rw']")
    page.wait_for_url(f"{live_server.url}/public/?lang=rw")
    assert page.locator("html").get_attribute("lang") == "rw"
    assert page.locator("nav.portal-lang a[data-lang='rw']").get_attribute("aria-current") == "true"
    assert "Urubuga rusange" in page.locator("a.brand").inner_text()  # "Public portal"
    # The second menu entry (women's participation) keeps the language.
    page.locator("nav.portal-nav a").nth(1).click()
    page.wait_for_url(f"{live_server.url}/public/participation/?lang=rw")
    assert page.locator("html").get_attribute("lang") == "rw"
    page.click("nav.portal-lang a[data-lang='fr']")
    page.wait_for_url(f"{live_server.url}/public/participation/?lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
