"""The framework tree and the indicator page in a real browser (headless Chromium through Playwright):
progress bars and traffic lights with text labels, the ECharts chart of actual vs target, the district
map coloured by status, and no console error or CSP violation. Run with `pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

# Chromium, the page, the console watcher and a light slice of Rwanda with district shapes
# (live_server flushes the database between tests, so each test creates what it needs).
from amahoro import policy
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

# Re-exported so pytest finds the shared browser fixtures in this module.
__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(rwanda_slice: dict[str, int]) -> dict[str, Any]:
    from amahoro.frameworks import services
    from amahoro.frameworks.reference import load_nap_rw_2018
    from amahoro.geo.models import OrgUnit

    from .factories import indicator, load_sex_age, ngo_framework, node, put

    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    police = make_org("RNP", "police", areas=("RW",))
    make_user("me_nyarugenge", ("me_officer", ngo, "11"))
    make_user("police_me", ("me_officer", police, "11"))
    load_sex_age()
    load_nap_rw_2018()
    fw = ngo_framework(ngo, code="NGO1-NYA", org_unit="11")
    nyarugenge, gasabo = OrgUnit.objects.get(code="11"), OrgUnit.objects.get(code="12")
    for month, f, m in (("202401", 20, 10), ("202402", 15, 0)):
        put("GBV_AWARE", "1101", month, f, "F_15_24")
        put("GBV_AWARE", "1101", month, m, "M_25_49")
    reach, women = indicator("NGO1-NYA-REACH"), indicator("NGO1-NYA-WOMEN")
    services.target_set(
        actor=policy.SYSTEM, indicator=reach, org_unit=nyarugenge, period="2024", value=50
    )  # 45: on track
    services.target_set(
        actor=policy.SYSTEM, indicator=women, org_unit=nyarugenge, period="2024", value=100
    )  # 78%: at risk
    services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=gasabo, period="2024", value=10)
    services.node_link(actor=policy.SYSTEM, source=node(fw, "O1"), target=node("RW-NAP1325-2018", "P2.O1"))
    return {"fw": fw}


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_framework_tree_shows_progress_bars_and_traffic_lights(
    page, live_server, plan, console, screenshot_dir
) -> None:
    sign_in(page, live_server, "me_nyarugenge")
    page.goto(f"{live_server.url}/frameworks/")
    page.click("#framework-list a:has-text('NGO1-NYA')")
    page.wait_for_url(f"{live_server.url}/frameworks/NGO1-NYA/")
    page.fill("#id_period", "2024")
    page.fill("#id_org_unit", "11")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"{live_server.url}/frameworks/NGO1-NYA/?period=2024&org_unit=11")
    tree = page.locator("#framework-tree")
    assert tree.locator(".fw-node").count() == 3
    outcome = page.locator("li.fw-node[data-code='O1']")
    output = page.locator("li.fw-node[data-code='O1.1']")
    # Traffic lights: a colour and a text label.
    assert output.get_attribute("data-status") == "at_risk"
    assert outcome.get_attribute("data-status") == "at_risk"  # the worst of its indicator and its output
    reach_row = page.locator("tr[data-indicator='NGO1-NYA-REACH']")
    assert reach_row.get_attribute("data-status") == "on_track"
    assert reach_row.locator(".status").inner_text().strip() == "On track"
    dot = reach_row.locator(".status .dot")
    assert dot.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(46, 125, 50)"
    assert dot.get_attribute("aria-hidden") == "true"
    assert output.locator(".fw-node-head .status").first.inner_text().strip() == "At risk"
    assert (
        output.locator(".fw-node-head .status .dot").first.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        == "rgb(224, 155, 0)"
    )
    # Progress bars: native <progress> elements with an accessible name and a visible percentage.
    bar = reach_row.locator("progress")
    assert bar.get_attribute("value") == "90" and "NGO1-NYA-REACH" in bar.get_attribute("aria-label")
    assert "90%" in reach_row.inner_text()
    assert (
        page.locator("li[data-code='G1'] > .fw-node-head progress").get_attribute("value") == "84"
    )  # (90 + 78) / 2
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "framework-tree.png"), full_page=True)
    # The link to the NAP, and back.
    outcome.locator(".fw-links a").first.click()
    page.wait_for_url(f"{live_server.url}/frameworks/RW-NAP1325-2018/#node-P2.O1")
    assert page.locator("#framework-tree .fw-node").count() == 20
    assert "NGO1-NYA O1" in page.locator("li[data-code='P2.O1'] .fw-links").inner_text()
    assert console.errors == []


def test_indicator_page_chart_and_district_map(page, live_server, plan, console, screenshot_dir) -> None:
    sign_in(page, live_server, "me_nyarugenge")
    page.goto(f"{live_server.url}/indicators/NGO1-NYA-REACH/?period=2024&period_type=Quarterly")
    assert page.locator("#actual-value").inner_text() == "45"
    chart = page.locator("#indicator-chart")
    page.wait_for_selector("#indicator-chart[data-ready='true']")
    assert chart.get_attribute("data-points") == "4"
    assert chart.locator("svg").count() >= 1
    assert "2024Q1" in chart.inner_text() or "January - March 2024" in chart.inner_text()
    rows = page.locator("#indicator-series tbody tr")
    assert rows.count() == 4 and rows.first.get_attribute("data-period") == "2024Q1"
    # The map shows the district the officer may see, coloured by its status.
    page.wait_for_selector("#indicator-map.map-ready")
    assert page.locator("#indicator-map").get_attribute("data-feature-count") == "1"
    path = page.locator("#indicator-map path[data-district='11']")
    assert path.get_attribute("data-status") == "on_track"
    assert path.get_attribute("fill") == "#2e7d32"
    path.hover()
    page.wait_for_selector(".leaflet-tooltip")
    assert "On track" in page.locator(".leaflet-tooltip").inner_text()
    assert (
        page.locator("#indicator-districts tr[data-district='11'] .status").inner_text().strip() == "On track"
    )
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "indicator.png"), full_page=True)
    assert console.errors == []


def test_other_organisation_gets_not_found(page, live_server, plan, console) -> None:
    console.allow("404")
    sign_in(page, live_server, "police_me")
    response = page.goto(f"{live_server.url}/frameworks/NGO1-NYA/")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/indicators/NGO1-NYA-REACH/")
    assert response is not None and response.status == 404
    page.goto(f"{live_server.url}/frameworks/")
    assert "NGO1-NYA" not in page.locator("main").inner_text()
    assert "RW-NAP1325-2018" in page.locator("main").inner_text()
