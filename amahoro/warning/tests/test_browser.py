"""Early warning in a real browser (headless Chromium): the district's focal point opens a new signal,
reads what it says and who reported it, and assigns it to the police; the police responder starts the
response; the See page shows the counts. Run with `pytest -m browser`."""

from __future__ import annotations

from datetime import date, timedelta
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


def test_focal_point_assigns_and_responder_responds(
    browser: Any, page: Any, live_server: Any, rwanda_slice: dict[str, int], console: Any, screenshot_dir: Any
) -> None:
    from amahoro import policy
    from amahoro.warning.models import SignalType
    from amahoro.warning.services import signal_create

    ngo = make_org("RWAMREC", "ngo", areas=("43",))
    police = make_org("RNP", "police", areas=("RW",))
    make_user("ewer_musanze", ("ewer_focal_point", ngo, "43"))
    make_user("ewer_police", ("ewer_responder", police, "43"))
    SignalType.objects.create(
        code="early_marriage", name="Early or forced marriage risk", default_urgency="high"
    )
    signal, _ = signal_create(
        actor=policy.SYSTEM,
        type="early_marriage",
        org_unit="4301",
        occurred_on=date.today() - timedelta(days=1),
        description="Demo: a girl of 15 is promised in marriage",
        reporter={"name": "Demo Reporter", "phone": "+250788000111"},
        source="web",
    )

    sign_in(page, live_server, "ewer_musanze")
    page.click("nav a:has-text('Early warning')")
    page.click(f"#signal-table a[href='/warning/{signal.uuid}/']")
    assert "promised in marriage" in page.inner_text("#signal-description")
    assert "Demo Reporter" in page.inner_text("#signal-reporter")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "warning-signal.png"), full_page=True)
    page.fill("#assign-assigned", "RNP")
    page.click("#move-assigned button[type=submit]")
    page.wait_for_selector("#signal-status:has-text('Assigned')")

    other = browser.new_context(viewport={"width": 390, "height": 844})
    pg = other.new_page()
    sign_in(pg, live_server, "ewer_police")
    pg.goto(f"{live_server.url}/warning/{signal.uuid}/")
    assert "promised in marriage" in pg.inner_text("#signal-description")
    assert pg.query_selector("#signal-reporter") is None
    pg.click("#move-responding button[type=submit]")
    pg.wait_for_selector("#signal-status:has-text('Responding')")
    pg.goto(f"{live_server.url}/warning/see/")
    pg.wait_for_selector("#signal-counts")
    pg.wait_for_selector("#signal-trend-chart svg")  # the trend chart (ECharts, SVG)
    if screenshot_dir is not None:
        page.goto(f"{live_server.url}/warning/see/")
        page.wait_for_selector("#signal-trend-chart svg")
        page.screenshot(path=str(screenshot_dir / "warning-see.png"), full_page=True)
    assert "&lt;5" in pg.content() or "<5" in pg.inner_text("#signal-counts")
    other.close()
    assert console.errors == []
