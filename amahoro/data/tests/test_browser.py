"""The data-entry grid in a real browser (headless Chromium through Playwright): type a value in a cell,
see it saved by htmx, see it again after a reload, and no console error or CSP violation."""

from __future__ import annotations

from typing import Any

import pytest

# Chromium, the page, the console watcher and a light slice of Rwanda (live_server flushes the database
# between tests, so the test creates what it needs).
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_a_value_in_the_grid_and_see_it_saved(
    page: Any, live_server: Any, rwanda_slice: Any, console: Any
) -> None:
    from amahoro.data.models import DataValue

    from .factories import make_meta

    ngo = make_org("NGO1", "ngo", areas=("11",))
    make_user("me_nyarugenge", ("me_officer", ngo, "11"))
    make_meta()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "me_nyarugenge")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    url = f"{live_server.url}/data/entry/?org_unit=1101&period=202401&data_element=GBV_CASES&data_element=GBV_TOTAL"
    page.goto(url)
    female = page.locator('input[data-de="GBV_CASES"][data-coc="F"]')
    female.fill("7")
    female.press("Tab")  # "change" -> htmx POST
    cell = page.locator("td", has=page.locator('input[data-de="GBV_CASES"][data-coc="F"]'))
    cell.locator(".cell-status.ok").wait_for()
    assert "Saved" in cell.inner_text()
    assert DataValue.objects.get(data_element__code="GBV_CASES", category_option_combo__code="F").value == "7"

    bad = page.locator('input[data-de="GBV_TOTAL"][data-coc="default"]')
    bad.fill("seven")
    bad.press("Tab")
    bad_cell = page.locator("td", has=page.locator('input[data-de="GBV_TOTAL"]'))
    bad_cell.locator(".cell-status.error").wait_for()
    assert "not an integer" in bad_cell.inner_text()

    page.goto(url)
    assert page.locator('input[data-de="GBV_CASES"][data-coc="F"]').input_value() == "7"
    assert console.errors == []
