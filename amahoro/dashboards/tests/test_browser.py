"""A dashboard in a real browser (headless Chromium through Playwright): an officer saves a view of the data
visualizer as a favourite and adds it and a text to a dashboard; the page loads, then each item arrives by
htmx and the visualizer's renderer draws the favourite (a pivot whose cells are checked against sums computed here); the landing dashboard
on the home page loads the same way; the portal draws a public favourite from its public data.
Run with `pytest -m browser`; AMAHORO_SCREENSHOTS=docs/img refreshes the screenshots of docs/dashboards.md."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs

import pytest

from amahoro.analytics.tests.conftest import analytics_store
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["analytics_store", "browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (sector, month, option combo, value); 2101 is in the Southern province, outside Kigali City.
VALUES = [
    ("1101", "202401", "F_15_24", 12),
    ("1102", "202401", "M_25_49", 5),
    ("1101", "202402", "F_15_24", 9),
    ("1201", "202401", "F_15_24", 30),
    ("1201", "202402", "M_15_24", 22),
    ("1301", "202402", "F_15_24", 13),  # no cell under 5: GBV_AWARE counts are small-cell suppressed
    ("2101", "202401", "F_15_24", 1000),
]
QUERY = "dimension=dx:GBV_AWARE&dimension=ou:1;LEVEL-district&dimension=pe:202401;202402&type=pivot&rows=ou&columns=pe"


@pytest.fixture
def officer(rwanda_slice: dict[str, int], analytics_store: Any) -> Any:
    from amahoro.dashboards import services
    from amahoro.frameworks.tests.factories import load_sex_age, put

    load_sex_age()
    for sector, month, coc, value in VALUES:
        put("GBV_AWARE", sector, month, value, coc)
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    user = make_user("analyst", ("me_officer", ministry, "RW"))
    services.favourite_create(actor=user, name="People reached in Kigali", query=QUERY, sharing="public")
    return user


def expected() -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for sector, month, _coc, value in VALUES:
        if sector.startswith("1"):
            out[(sector[:2], month)] += value
    return dict(out)


def login(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def check_pivot(scope: Any) -> None:
    scope.locator(".viz-item[data-viz-state=ready] table.viz-pivot").wait_for()
    for (district, month), value in expected().items():
        td = scope.locator(f'.viz-item td[data-row="{district}"][data-col="{month}"]')
        assert float(td.get_attribute("data-value")) == value, (district, month)
    assert scope.locator('.viz-item td[data-row="13"][data-col="202401"]').inner_text() == ""


def test_a_dashboard_loads_its_items_lazily_and_draws_them(
    page: Any, live_server: Any, officer: Any, console: Any, screenshot_dir: Any
) -> None:
    from amahoro.dashboards.models import Dashboard

    login(page, live_server)
    # Save the visualizer's view as a favourite (the page's own form posts to the dashboards app).
    page.goto(f"{live_server.url}/analytics/?{QUERY}")
    page.locator("#viz-output[data-viz-state=ready] table.viz-pivot").wait_for()
    page.fill("#id_fav_name", "Kigali by district and month")
    page.select_option("#id_fav_sharing", "organisation")
    page.click("#favourite-form button[type=submit]")
    page.wait_for_load_state()
    assert "Saved as favourite" in page.locator("ul.messages").inner_text()
    from amahoro.dashboards.models import Favourite

    saved = Favourite.objects.get(name="Kigali by district and month")
    # The view as the page shows it (the builder puts the data in the filter: one data element).
    shown = page.evaluate("() => window.location.search.slice(1)")
    assert parse_qs(saved.query) == parse_qs(shown) and saved.sharing == "organisation"
    assert set(parse_qs(saved.query)["dimension"]) == {"ou:1;LEVEL-district", "pe:202401;202402"}

    page.click("nav a:has-text('Dashboards')")
    page.wait_for_url(f"{live_server.url}/dashboards/")
    page.fill("#id_name", "Kigali overview")
    page.select_option("#id_sharing", "organisation")
    page.click("#dashboard-form button[type=submit]")
    board = Dashboard.objects.get(name="Kigali overview")
    page.wait_for_url(f"{live_server.url}/dashboards/{board.uuid}/")

    page.fill("#id_text", "Kigali City: **people reached** by district and month.")
    page.click("#add-text button[type=submit]")
    page.wait_for_load_state()
    page.select_option("#id_favourite", label="Kigali by district and month")
    page.click("#add-favourite button[type=submit]")
    page.wait_for_load_state()
    assert "Item added" in page.locator("ul.messages").inner_text()
    # Put the favourite first.
    page.locator("#dashboard-items .dash-favourite form:has(input[value=up]) button").click()
    page.wait_for_load_state()
    assert page.locator("#dashboard-items .dash-cell").first.get_attribute("data-kind") == "favourite"

    # Each item is its own request after the page: the text and the drawn pivot arrive.
    page.locator(".dash-text .dash-text strong:has-text('people reached')").wait_for()
    check_pivot(page.locator(".dash-favourite"))
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    assert console.errors == []


def test_the_landing_dashboard_and_the_portal(
    page: Any, live_server: Any, officer: Any, console: Any
) -> None:
    from amahoro import policy
    from amahoro.dashboards import services
    from amahoro.dashboards.models import Favourite

    favourite = Favourite.objects.get()
    plan = services.dashboard_create(
        actor=policy.SYSTEM, name="Plan dashboard", sharing="organisation", landing_role="me_officer"
    )
    services.dashboard_item_add(actor=policy.SYSTEM, dashboard=plan, favourite=favourite)
    login(page, live_server)
    assert page.locator("#landing h2").inner_text().startswith("Plan dashboard")
    check_pivot(page.locator("#landing"))

    # Signed out, the portal draws the public favourite from its public data.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/public/")
    page.click('#public-views a:has-text("People reached in Kigali")')
    page.wait_for_url(f"{live_server.url}/public/views/{favourite.uuid}/")
    check_pivot(page)
    assert console.errors == []
