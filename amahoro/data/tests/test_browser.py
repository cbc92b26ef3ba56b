"""The data-entry grid in a real browser (headless Chromium through Playwright): type a value in a cell,
see it saved (entry.js), see it again after a reload, and no console error or CSP violation."""

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
    female.press("Tab")  # "change" -> queued, then POSTed by entry.js
    cell = page.locator("td", has=page.locator('input[data-de="GBV_CASES"][data-coc="F"]'))
    cell.locator(".cell-status.ok").wait_for()
    assert "Saved" in cell.inner_text()
    assert DataValue.objects.get(data_element__code="GBV_CASES", category_option_combo__code="F").value == "7"

    console.allow("status of 400")  # the refused value is answered 400 (the reason in words), on purpose
    bad = page.locator('input[data-de="GBV_TOTAL"][data-coc="default"]')
    bad.fill("seven")
    bad.press("Tab")
    bad_cell = page.locator("td", has=page.locator('input[data-de="GBV_TOTAL"]'))
    bad_cell.locator(".cell-status.error").wait_for()
    assert "must be a whole number" in bad_cell.inner_text()

    page.goto(url)
    assert page.locator('input[data-de="GBV_CASES"][data-coc="F"]').input_value() == "7"
    assert console.errors == []


def test_completeness_page_then_mark_a_missing_report_complete(
    page: Any, live_server: Any, rwanda_slice: Any, console: Any
) -> None:
    """The table shows on time / late / missing with rates; a missing cell opens data entry for that place
    and period, where "Mark complete" turns it into a received report."""
    import datetime as dt

    from django.utils import timezone

    from amahoro import policy
    from amahoro.data import registrations
    from amahoro.data.models import DataSet
    from amahoro.geo.models import OrgUnit

    from .factories import make_meta

    ngo = make_org("NGO1", "ngo", areas=("11",))
    make_user("me_nyarugenge", ("me_officer", ngo, "11"))
    meta = make_meta()
    ds = DataSet.objects.create(
        code="MONTHLY", name="Monthly report", period_type="Monthly", organisation=ngo
    )
    ds.org_units.set(OrgUnit.objects.filter(code__in=("1101", "1102")))
    ds.data_elements.set([meta.total])
    for place, period, day in (("1101", "202401", 10), ("1102", "202401", 20)):
        target = registrations.target_resolve(
            actor=policy.SYSTEM, data_set=ds, org_unit=OrgUnit.objects.get(code=place), period_code=period
        )
        when = timezone.make_aware(dt.datetime(2024, 2, day, 9))
        registrations.registration_set(actor=policy.SYSTEM, target=target, date=when)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "me_nyarugenge")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/data/completeness/?data_set=MONTHLY&start=202401&end=202402")
    table = page.locator("#completeness-table")
    assert table.locator('td[data-state="on_time"]').count() == 1
    assert table.locator('td[data-state="late"]').count() == 1
    assert table.locator('td[data-state="missing"]').count() == 2
    assert page.locator("#total-rate").inner_text() == "50.0 %"
    assert page.locator("#total-on-time").inner_text() == "25.0 %"

    table.locator('tr:has-text("1101") td[data-state="missing"] a').click()
    page.wait_for_url("**/data/entry/**")
    page.click("#mark-complete")
    page.locator("#mark-incomplete").wait_for()
    assert "late" in page.locator("#registration-state").inner_text()

    page.goto(f"{live_server.url}/data/completeness/?data_set=MONTHLY&start=202401&end=202402")
    assert page.locator("#total-rate").inner_text() == "75.0 %"
    assert console.errors == []
