"""The set-up pages in a real browser (headless Chromium through Playwright): an M&E officer finds "Set up"
in the menu, creates a data element, then a data set holding it, picking its places by name (search as you
type, tick), and finds both saved; no console error or CSP violation. Run with `pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_a_data_element_and_a_data_set_by_names(
    page: Any, live_server: Any, rwanda_slice: Any, console: Any, screenshot_dir: Any
) -> None:
    from amahoro import policy
    from amahoro.data.models import DataSet
    from amahoro.metadata import services
    from amahoro.metadata.models import DataElement

    ngo = make_org("NGO1", "ngo", areas=("43",))
    make_user("me_musanze", ("me_officer", ngo, "4"))  # the Northern Province
    services.default_combo()
    services.category_create(
        actor=policy.SYSTEM,
        code="SEX",
        name="Sex",
        options=[("F", "Female"), ("M", "Male")],
        organisation=None,
    )
    services.category_combo_create(
        actor=policy.SYSTEM, code="SEX", name="Sex", categories=["SEX"], organisation=None
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "me_musanze")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("#nav-setup")
    page.click("#setup-links a:has-text('Data elements')")
    page.click("#new-element")
    page.fill("#id_code", "SURVIVORS_RECEIVED")
    page.fill("#id_name", "Survivors received")
    page.select_option("#id_value_type", label="Whole number, 0 or more (counts)")
    page.select_option("#id_category_combo", label="Sex")
    page.click("#element-form button[type=submit]")
    page.wait_for_selector("#element-table a:has-text('Survivors received')")
    de = DataElement.objects.get(code="SURVIVORS_RECEIVED")
    assert (de.organisation_id, de.category_combo.code) == (ngo.pk, "SEX")

    page.click("#nav-setup")
    page.click("#setup-links a:has-text('Data sets')")
    page.click("#new-data-set")
    page.fill("#id_code", "NGO_MONTHLY")
    page.fill("#id_name", "NGO monthly report")
    page.select_option("#id_period_type", label="Monthly")
    page.check("input[name=data_elements][value=SURVIVORS_RECEIVED]")
    # Places by name: Musanze (the district), then Burera; a second search keeps the first choice.
    page.fill("#place-search", "Musanze")
    page.locator('#place-results input[value="43"]').check()
    page.fill("#place-search", "Burera")
    page.locator('#place-results input[value="44"]').check()
    assert page.locator('#id_org_units input[value="43"]').is_checked()
    assert page.locator('#id_org_units input[value="44"]').is_checked()
    page.fill("#place-search", "Nyarugenge")  # not theirs: not found
    page.wait_for_selector("#place-results:has-text('No place of yours')")
    page.fill("#id_timely_days", "10")
    if screenshot_dir is not None:
        page.fill("#place-search", "Muhoza")
        page.wait_for_selector("#place-results input")
        page.screenshot(path=str(screenshot_dir / "setup-data-set.png"), full_page=True)
    page.click("#data-set-form button[type=submit]")
    page.wait_for_selector("#data-set-table a:has-text('NGO monthly report')")

    ds = DataSet.objects.get(code="NGO_MONTHLY")
    assert ds.organisation_id == ngo.pk and ds.period_type == "Monthly" and ds.timely_days == 10
    assert sorted(ds.org_units.values_list("code", flat=True)) == ["43", "44"]
    assert list(ds.data_elements.values_list("code", flat=True)) == ["SURVIVORS_RECEIVED"]

    # The edit page shows the places by name, ticked.
    page.click("#data-set-table a:has-text('NGO monthly report')")
    assert page.locator('#id_org_units input[value="43"]').is_checked()
    assert "Musanze" in page.inner_text("#id_org_units")
    assert console.errors == []
