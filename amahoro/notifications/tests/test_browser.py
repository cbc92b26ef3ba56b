"""The bell in a real browser (headless Chromium through Playwright): the header shows the unread count,
the menu loads the latest (htmx), the list page marks one read and the count drops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

from .conftest import PLAIN

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(rwanda_slice: dict[str, int]) -> Any:
    from amahoro import policy
    from amahoro.notifications import services

    ngo = make_org("NGO1", "ngo", areas=("11",))
    user = make_user("officer", ("me_officer", ngo, "11"))
    for code in ("GBV-AAAA-0001", "GBV-AAAA-0002"):
        services.notify(
            [user],
            PLAIN,
            actor=policy.SYSTEM,
            link="/notifications/settings",
            context={"code": code, "service": "health"},
        )
    return user


def test_the_bell_counts_lists_and_marks_read(
    page: Any, live_server: Any, officer: Any, console: Any, screenshot_dir: Path | None
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    assert page.locator("#bell-count .badge").inner_text() == "2"
    page.click("#bell summary")
    items = page.locator("#bell-list .bell-items li")
    items.first.wait_for()
    assert items.count() == 2
    assert "GBV-AAAA-0002" in items.first.inner_text()  # newest first
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "notifications-bell.png"))

    page.click("#bell-all")
    page.wait_for_url(f"{live_server.url}/notifications/")
    rows = page.locator("#notification-list li.notification")
    assert rows.count() == 2
    assert page.locator("#notification-list li.unread").count() == 2
    rows.first.locator("button.mark-read").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.locator("#notification-list li.unread").count() == 1
    assert page.locator("#bell-count .badge").inner_text() == "1"

    # Opening one from the bell marks it read and goes to its link.
    page.click("#bell summary")
    page.locator("#bell-list li.unread button").first.click()
    page.wait_for_url(f"{live_server.url}/notifications/settings")
    assert page.locator("#bell-count .badge").count() == 0

    # On a phone the open menu stays on the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    page.click("#bell summary")
    page.locator("#bell-list .bell-items li").first.wait_for()
    box = page.locator(".bell-menu").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert console.errors == []
