"""The public report page in a real browser (headless Chromium through Playwright) on a 360 px phone screen:
Kinyarwanda, the district then sector steps, the report sent, its number and the emergency numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gbv(rwanda_slice: dict[str, int]) -> Any:
    from amahoro.warning.models import SignalType, Urgency

    return SignalType.objects.create(
        code="gbv",
        name="GBV incident or threat",
        name_fr="Violence basée sur le genre",
        name_rw="Ihohoterwa rishingiye ku gitsina",
        default_urgency=Urgency.HIGH,
        keywords=["GBV", "IHOHOTERWA", "VIOLENCE"],
    )


def test_a_report_from_a_phone(
    page: Any, live_server: Any, gbv: Any, console: Any, screenshot_dir: Path | None
) -> None:
    from amahoro.warning.models import Signal

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/report/?lang=rw")
    assert page.locator("html").get_attribute("lang") == "rw"
    assert "3512" in page.locator(".sos").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.select_option("#id_district", "12")
    # The page is in Kinyarwanda: its buttons are too ("Show its sectors", "Send the report").
    page.get_by_role("button", name="Erekana imirenge yako").click()
    page.wait_for_url("**/report/?*district=12*")
    page.select_option("#id_type", "gbv")
    page.select_option("#id_sector", "1209")
    page.fill("#id_description", "Umugore yakubiswe n'umugabo we")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "warning-report-phone.png"), full_page=True)
    page.get_by_role("button", name="Ohereza amakuru").click()
    page.locator("h1").wait_for()

    signal = Signal.objects.get()
    assert (signal.source, signal.org_unit.code) == ("web", "1209")
    text = page.locator("body").inner_text()
    assert str(signal.uuid)[:8].upper() in text and "3512" in text and "112" in text
    assert "yakubiswe" not in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert console.errors == []
