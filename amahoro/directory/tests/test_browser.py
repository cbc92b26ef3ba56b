"""The service directory in a real browser (headless Chromium): a case supervisor adds a provider for their
organisation, and a worker of another organisation finds it by service and place. Run with
`pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(pg: Any, live_server: Any, username: str) -> None:
    pg.goto(f"{live_server.url}/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{live_server.url}/")


def test_a_provider_is_added_then_found_by_service_and_place(
    browser: Any, page: Any, live_server: Any, rwanda_slice: dict[str, int], console: Any
) -> None:
    police = make_org("RNP", "police", areas=("12",))
    osc = make_org("OSC1", "osc", areas=("12",))
    make_user("police_supervisor", ("case_supervisor", police, "12"))
    make_user("worker", ("case_worker", osc, "12"))

    sign_in(page, live_server, "police_supervisor")
    page.click("nav a:has-text('Service directory')")
    page.click("a:has-text('New provider')")
    page.fill("#id_name", "RNP Remera station")
    page.check("input[name=services][value=police]")
    page.fill("#id_org_unit", "12")
    page.fill("#id_areas", "12")
    page.fill("#id_phone", "112")
    page.fill("#id_hours", "24/7")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("h1:has-text('RNP Remera station')")
    assert "24/7" in page.content()

    other = browser.new_context(viewport={"width": 390, "height": 844})
    pg = other.new_page()
    sign_in(pg, live_server, "worker")
    pg.goto(f"{live_server.url}/directory/")
    pg.select_option("#id_service", "police")
    pg.fill("#id_org_unit", "12")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_selector("#provider-table a:has-text('RNP Remera station')")
    pg.select_option("#id_service", "legal")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_selector("#provider-table td.muted")
    assert "RNP Remera station" not in pg.inner_text("#provider-table")
    other.close()
    assert console.errors == []
