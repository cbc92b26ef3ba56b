"""Data entry in a real browser (headless Chromium through Playwright) as the demo's Musanze clerk: from the
home page to the form by names (data set, place typed as "Musanze", month by its label), values entered
online, then offline (kept in the browser's queue, counted on screen, the page reloaded from the service
worker), then back online: every value reaches the server. With AMAHORO_SCREENSHOTS=docs/img, the same walk
on a 360 x 740 phone in Kinyarwanda writes docs/img/entry-*.png (the data entry doc shows them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a browser logs while offline (and the refused value's 400, provoked on purpose); the menu's "My work"
# counter (htmx, outside data entry) cannot load while the page is reloaded offline.
OFFLINE_ERRORS = (
    "ERR_INTERNET_DISCONNECTED",
    "Failed to fetch",
    "ERR_FAILED",
    "status of 400",
    "htmx:sendError",
    "htmx:afterRequest",
)


def _demo_clerk_and_data_set() -> tuple[Any, Any]:
    """The demo's Musanze clerk (as amahoro.site.demo defines them) and the demo's monthly data set (made by
    amahoro.data.demo's own step), with its data elements disaggregated by sex."""
    from amahoro import policy
    from amahoro.core.demo import DemoResult
    from amahoro.data.demo import CODE, data_demo_step
    from amahoro.data.models import DataSet
    from amahoro.metadata.models import DataElement
    from amahoro.site.demo import USERS

    from .factories import make_combo

    spec = next(u for u in USERS if u.username == "clerk_musanze")
    organisation = make_org(spec.organisation, "ngo", areas=("RW",))
    clerk = make_user(spec.username, (spec.role.value, organisation, spec.org_unit))
    sex, cocs = make_combo("SEX", "SEX", ["F", "M"])  # category SEX, as the frameworks demo names it
    for coc, name in ((cocs["F"], "Female"), (cocs["M"], "Male")):
        coc.name = name
        coc.save(update_fields=["name"])
    from amahoro.data.importing import default_option_combo

    default = default_option_combo()
    assert default is not None
    names = {
        "RWAMREC_PARTICIPANTS": ("Dialogue group participants", sex),
        "RWAMREC_SESSIONS": ("Dialogue sessions held", default.combo),
        "RWAMREC_REFERRALS": ("Referrals to services", sex),
    }
    for code, (name, combo) in names.items():  # the demo step makes the rest (RWAMREC_NEW_MEMBERS)
        DataElement.objects.get_or_create(
            code=code,
            defaults={"name": name, "category_combo": combo, "value_type": "INTEGER_ZERO_OR_POSITIVE"},
        )
    data_demo_step(DemoResult(password=PASSWORD), policy.SYSTEM)
    return clerk, DataSet.objects.get(code=CODE)


def _sign_in(pg: Any, base: str, username: str) -> None:
    pg.goto(f"{base}/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{base}/")


def _cell(pg: Any, de: str, coc: str) -> Any:
    return pg.locator(f'input.entry-cell[data-de="{de}"][data-coc="{coc}"]')


def _td(pg: Any, de: str, coc: str) -> Any:
    return pg.locator("td", has=_cell(pg, de, coc))


def _type(pg: Any, de: str, coc: str, value: str) -> None:
    cell = _cell(pg, de, coc)
    cell.fill(value)
    cell.press("Tab")  # "change": queued, then sent


def _walk(pg: Any, base: str, month_label: str, shots: Path | None = None) -> None:
    """Home -> chooser -> data set, month, "Musanze" -> the form."""
    assert pg.locator("#home-entry a.button").count() >= 1  # the direct way in
    if shots:
        pg.evaluate("document.getElementById('my-work').scrollIntoView()")
        pg.screenshot(path=str(shots / "entry-home.png"))
    pg.click("#home-entry-title a")
    pg.wait_for_url(f"{base}/data/entry/")
    pg.select_option("#entry-data-set", label="RWAMREC monthly activity report")
    pg.wait_for_timeout(300)  # the period picker reloads for the data set's period type (htmx)
    pg.select_option("#entry-period", label=month_label)
    pg.fill("#entry-place", "Musanze")
    choice = pg.locator("#entry-place-results .entry-place", has_text="Musanze").first
    choice.wait_for()
    if shots:
        pg.screenshot(path=str(shots / "entry-choose.png"))
    choice.click()  # fills the place and opens the form
    pg.wait_for_url(f"{base}/data/entry/?*org_unit=43*")
    pg.locator("#entry-title", has_text="Musanze").wait_for()


def test_musanze_clerk_enters_a_month_offline_and_nothing_is_lost(
    page: Any, live_server: Any, rwanda_slice: Any, console: Any
) -> None:
    from amahoro.data.models import DataValue
    from amahoro.metadata import periods as period_lib

    for fragment in OFFLINE_ERRORS:
        console.allow(fragment)
    _demo_clerk_and_data_set()
    base = live_server.url
    month = period_lib.period_for_date("Monthly", dt.date.today()).previous().previous()
    from amahoro.data.entry_words import period_label

    _sign_in(page, base, "clerk_musanze")
    _walk(page, base, period_label(month))
    assert period_label(month) in page.inner_text("#entry-title")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    # Online: saved at once.
    _type(page, "RWAMREC_PARTICIPANTS", "F", "12")
    _td(page, "RWAMREC_PARTICIPANTS", "F").locator(".cell-status.ok").wait_for()
    assert _td(page, "RWAMREC_PARTICIPANTS", "F").get_attribute("data-state") == "saved"
    # A value the data element refuses is said in words, and not queued.
    _type(page, "RWAMREC_PARTICIPANTS", "M", "-2")
    _td(page, "RWAMREC_PARTICIPANTS", "M").locator(".cell-status.error").wait_for()
    assert "must be a whole number, 0 or more" in _td(page, "RWAMREC_PARTICIPANTS", "M").inner_text()

    # Offline: the edits stay in the browser, pending, counted.
    page.context.set_offline(True)
    page.locator("#entry-network", has_text="Offline").wait_for()
    offline_values = {
        ("RWAMREC_PARTICIPANTS", "M"): "9",
        ("RWAMREC_SESSIONS", "default"): "4",
        ("RWAMREC_REFERRALS", "F"): "3",
        ("RWAMREC_REFERRALS", "M"): "0",
    }
    for (de, coc), value in offline_values.items():
        _type(page, de, coc, value)
    page.locator("#entry-unsent-count", has_text="4").wait_for()
    for de, coc in offline_values:
        assert _td(page, de, coc).get_attribute("data-state") in ("pending", "retry")
    # A changed mind while offline: still one queued value for the cell, the newest.
    _type(page, "RWAMREC_SESSIONS", "default", "5")
    offline_values[("RWAMREC_SESSIONS", "default")] = "5"
    page.wait_for_timeout(300)
    assert page.inner_text("#entry-unsent-count") == "4"
    assert DataValue.objects.filter(deleted=False).count() == 1

    # The form opens again offline (service worker), with the unsent values back in their cells.
    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker
    _cell(page, "RWAMREC_REFERRALS", "F").wait_for()
    assert _cell(page, "RWAMREC_REFERRALS", "F").input_value() == "3"
    page.locator("#entry-unsent-count", has_text="4").wait_for()

    # Online again: everything is sent, the counter falls to 0, every cell says saved.
    page.context.set_offline(False)
    page.locator("#entry-unsent-count", has_text="0").wait_for(timeout=30_000)
    for de, coc in offline_values:
        _td(page, de, coc).locator(".cell-status.ok").wait_for()
    stored = {
        (v.data_element.code, v.category_option_combo.code): v.value
        for v in DataValue.objects.filter(
            deleted=False, org_unit__code="43", period__code=month.code
        ).select_related("data_element", "category_option_combo")
    }
    assert stored == {("RWAMREC_PARTICIPANTS", "F"): "12", **offline_values}
    assert console.errors == [], console.errors


def test_entry_screenshots_on_a_phone_in_kinyarwanda(
    browser: Any, live_server: Any, rwanda_slice: Any, screenshot_dir: Path | None
) -> None:
    """Not a check: writes docs/img/entry-*.png when AMAHORO_SCREENSHOTS is set (skipped otherwise)."""
    if screenshot_dir is None:
        pytest.skip("set AMAHORO_SCREENSHOTS=docs/img to write the data entry screenshots")
    from amahoro.data.entry_words import period_label
    from amahoro.metadata import periods as period_lib

    _demo_clerk_and_data_set()
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="rw",
    )
    context.add_cookies([{"name": "django_language", "value": "rw", "url": base}])
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    try:
        month = period_lib.period_for_date("Monthly", dt.date.today()).previous().previous()
        from django.utils import translation

        with translation.override("rw"):
            label = period_label(month)
        _sign_in(pg, base, "clerk_musanze")
        _walk(pg, base, label, shots=screenshot_dir)
        pg.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        _type(pg, "RWAMREC_PARTICIPANTS", "F", "12")
        _td(pg, "RWAMREC_PARTICIPANTS", "F").locator(".cell-status.ok").wait_for()
        context.set_offline(True)
        _type(pg, "RWAMREC_PARTICIPANTS", "M", "9")
        _type(pg, "RWAMREC_SESSIONS", "default", "4")
        pg.locator("#entry-unsent-count", has_text="2").wait_for()
        pg.evaluate("document.getElementById('entry-title').scrollIntoView()")
        pg.screenshot(path=str(screenshot_dir / "entry-offline.png"))
        context.set_offline(False)
        pg.locator("#entry-unsent-count", has_text="0").wait_for(timeout=30_000)
        _type(pg, "RWAMREC_REFERRALS", "F", "-1")
        _td(pg, "RWAMREC_REFERRALS", "F").locator(".cell-status.error").wait_for()
        pg.evaluate("document.getElementById('entry-sync').scrollIntoView()")
        pg.screenshot(path=str(screenshot_dir / "entry-saved.png"))
    finally:
        context.close()
