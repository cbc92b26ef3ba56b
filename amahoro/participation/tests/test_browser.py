"""The participation page in a real browser: a data-entry user uploads the UN peacekeeping CSV and sees
the share of women against the 2028 target per personnel type. Run with `pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(rwanda_slice: dict[str, int]) -> Any:
    from amahoro.participation.services import participation_setup

    participation_setup(actor=policy.SYSTEM)
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    return make_user("stats_officer", ("me_officer", ministry, "RW"))


def test_upload_and_parity_chart(page, live_server, officer, console, screenshot_dir) -> None:
    from amahoro.participation.tests.conftest import SAMPLE

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "stats_officer")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav a:has-text('Participation')")
    page.wait_for_url(f"{live_server.url}/participation/")
    page.set_input_files("#id_file", str(SAMPLE))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    assert "70 values imported" in page.locator("#import-result").inner_text()
    row = page.locator("#parity-table tr[data-type='PK_IPO']")
    assert row.locator("td.target").inner_text().startswith("30%")
    page.locator("#parity-chart-PK_IPO svg").first.wait_for()
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "participation.png"), full_page=True)
    assert console.errors == []
