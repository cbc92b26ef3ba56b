"""The pages in a real browser (headless Chromium): sign-in, the district map, the place tree and search,
organisations, users and roles, Kinyarwanda, and no console error (CSP violations included) anywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import PASSWORD, make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(rwanda_slice: dict[str, int]) -> dict[str, Any]:
    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    police = make_org("RNP", "police", areas=("RW",))
    return {
        "ngo": ngo,
        "police": police,
        "admin": make_user("ngo_admin", ("org_admin", ngo, "RW")),
        "gasabo": make_user("me_gasabo", ("me_officer", ngo, "12")),
        "other": make_user("police_me", ("me_officer", police, "11")),
    }


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def map_paths(page: Any) -> Any:
    page.wait_for_selector("#district-map.map-ready")
    return page.locator("#district-map path.leaflet-interactive")


def test_sign_in_and_see_the_district_map(
    page, live_server, people, rwanda_slice, console, screenshot_dir
) -> None:
    assert rwanda_slice["districts_with_shapes"] == 30
    sign_in(page, live_server, "ngo_admin")
    assert page.locator("#my-roles").inner_text().count("Organisation administrator") == 1
    paths = map_paths(page)
    assert paths.count() == rwanda_slice["districts_with_shapes"]
    assert "© WASAC Ltd., CC BY 4.0" in page.locator(".leaflet-control-attribution").inner_text()
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "home.png"), full_page=True)
    # a district's tooltip, then its page
    page.hover("#district-map path.leaflet-interactive >> nth=0")
    page.wait_for_selector(".leaflet-tooltip")
    page.goto(f"{live_server.url}/places/map/")
    first = map_paths(page).first
    box = first.bounding_box()
    assert box and box["width"] > 0
    assert page.locator("#district-map").evaluate("el => el.dataset.featureCount") == "30"
    assert console.errors == []


def test_district_user_sees_only_their_district_on_the_map(page, live_server, people, console) -> None:
    sign_in(page, live_server, "me_gasabo")
    assert map_paths(page).count() == 1
    # clicking the polygon opens the district's page
    map_paths(page).first.click()
    page.wait_for_url(re.compile(r".*/places/12/$"))
    assert "Gasabo" in page.locator("h1").inner_text()
    assert console.errors == []


def test_browse_the_tree_and_search_a_sector(page, live_server, people, console, screenshot_dir) -> None:
    sign_in(page, live_server, "ngo_admin")
    page.goto(f"{live_server.url}/places/")
    tree = page.locator("#place-tree")
    tree.locator("li[data-code=RW] > details > summary .node-name").click()
    page.wait_for_selector("li[data-code='1'] summary")  # provinces loaded by htmx
    tree.locator("li[data-code='1'] > details > summary .node-name").click()
    page.wait_for_selector("li[data-code='12'] summary")  # Kigali's districts
    assert page.locator("li[data-code='12'] .node-name").inner_text() == "Gasabo"
    tree.locator("li[data-code='12'] > details > summary .node-name").click()
    page.wait_for_selector("li[data-code='1209']")  # Gasabo's sectors, including Kimironko
    # collapsing and reopening does not fetch again (hx-trigger "toggle once")
    tree.locator("li[data-code='12'] > details > summary .node-name").click()
    assert not page.locator("li[data-code='1209']").is_visible()
    page.fill("#place-q", "Kimiron")
    result = page.locator("#search-results a[href='/places/1209/']")
    result.wait_for()
    assert "Gasabo" in page.locator("#search-results").inner_text()
    page.wait_for_selector("#district-map.map-ready")
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "places.png"), full_page=True)
    result.click()
    page.wait_for_url(re.compile(r".*/places/1209/$"))
    assert "Kimironko" in page.locator("h1").inner_text()
    assert "NGO1 organisation" in page.locator("#unit-organisations").inner_text()
    assert console.errors == []


def test_organisations_list_filter_and_detail(page, live_server, people, console) -> None:
    sign_in(page, live_server, "me_gasabo")
    page.click("nav >> text=Organisations")
    table = page.locator("#organisation-table")
    assert "NGO1 organisation" in table.inner_text() and "RNP organisation" in table.inner_text()
    page.select_option("#id_type", "police")  # data-autosubmit submits the filter
    page.wait_for_url(re.compile(r".*type=police.*"))
    assert "NGO1 organisation" not in page.locator("#organisation-table").inner_text()
    page.click("#organisation-table >> text=RNP organisation")
    page.wait_for_url(re.compile(r".*/organisations/RNP/$"))
    assert "Police" in page.locator("#org-facts").inner_text()
    assert page.locator("a[href$='/edit/']").count() == 0
    assert console.errors == []


def test_users_page_as_org_admin_gives_a_role(page, live_server, people, console) -> None:
    sign_in(page, live_server, "ngo_admin")
    page.click("nav >> text=Users")
    table = page.locator("#user-table").inner_text()
    assert "me_gasabo" in table and "police_me" not in table
    page.click("#user-table >> text=me_gasabo")
    page.click("text=Give a role")
    page.select_option("#id_organisation", label="NGO1 organisation")
    page.select_option("#id_role", "viewer")
    page.fill("#id_org_unit", "9999")
    console.allow("status of 400")  # the form comes back with a field error and status 400
    page.click("form.stack button[type=submit]")
    assert "No place with code" in page.locator("#id_org_unit_errors").inner_text()
    page.fill("#id_org_unit", "1209")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/users/me_gasabo/$"))
    assert "Kimironko" in page.locator("#assignments").inner_text()
    # revoke asks for confirmation (data-confirm, no inline handler)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#assignments tr", has_text="Kimironko").locator("button", has_text="Revoke").click()
    page.wait_for_selector(".messages .success")
    assert "Kimironko" not in page.locator("#assignments").inner_text()
    assert console.errors == []


def test_switch_to_kinyarwanda(page, live_server, people, console) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("header .lang button[value=rw]")
    page.wait_for_selector("html[lang=rw]")
    assert page.locator("h1").inner_text() == "Injira"
    assert page.locator("label[for=id_username]").inner_text().startswith("Amazina y’ukoresha")
    page.fill("#id_username", "ngo_admin")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    nav = page.locator("header nav").inner_text()
    for word in ("Ahabanza", "Ahantu", "Imiryango", "Abakoresha", "Ubufasha"):
        assert word in nav
    assert "Sohoka" in page.locator("header .tools").inner_text()
    assert map_paths(page).count() == 30
    page.click("header .lang button[value=fr]")
    page.wait_for_selector("html[lang=fr]")
    assert "Accueil" in page.locator("header nav").inner_text()
    assert console.errors == []
