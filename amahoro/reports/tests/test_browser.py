"""Reports in a real browser (headless Chromium through Playwright): an officer opens the reports, picks one,
previews it in its sandboxed frame, downloads it, and the run's page polls until the file is ready (the
render runs in a background thread here, as on an installation without a worker)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice
from conftest import PASSWORD, make_org, make_user

from .conftest import CODE, fake_kind, places_under

__all__ = ["browser", "console", "fake_kind", "page", "rwanda_slice"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(rwanda_slice: dict[str, int]) -> Any:
    from amahoro import policy
    from amahoro.frameworks import services

    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    services.framework_create(
        actor=policy.SYSTEM, code="NGO1-SP", name="NGO1 strategic plan", organisation=ngo
    )
    return make_user("officer", ("me_officer", ngo, "11"))


def login(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_pick_preview_and_download_a_report(
    page: Any, live_server: Any, officer: Any, fake_kind: Any, console: Any, settings: Any, tmp_path: Path
) -> None:
    settings.AMAHORO_REPORTS_RUN_INLINE = False  # the page must answer before the render ends
    expected = f"Places: {places_under('11')}"
    login(page, live_server)
    page.click("nav >> text=Reports")
    page.wait_for_url(f"{live_server.url}/reports/")
    page.click(f'#report-kinds [data-kind="{CODE}"] a')
    page.wait_for_url(f"{live_server.url}/reports/{CODE}/")
    page.select_option("#id_framework", "NGO1-SP")
    page.fill("#id_org_unit", "11")

    # A bad period: the preview says which field is wrong.
    page.fill("#id_period", "26")
    page.click("#preview-button")
    assert "period" in page.locator("#preview-error").inner_text()

    page.fill("#id_period", "2026")
    page.click("#preview-button")
    frame = page.locator("#preview-frame")
    frame.wait_for()
    assert frame.get_attribute("sandbox") == ""
    assert page.frame_locator("#preview-frame").locator("#figure").inner_text() == expected

    page.check('input[name="format"][value="pdf"]')
    page.click("#download-button")
    page.wait_for_url(f"{live_server.url}/reports/runs/**")
    page.locator("#run-status[data-status=done]").wait_for(timeout=60_000)
    assert "Ready" in page.locator("#run-ready").inner_text()
    with page.expect_download() as info:
        page.click("#run-download")
    download = info.value
    assert download.suggested_filename == f"{CODE}-NGO1-SP-2026-en.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert expected in text
    assert console.errors == []
