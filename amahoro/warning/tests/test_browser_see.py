"""The See page in a real browser (headless Chromium): the map of signals by sector draws the sectors of the
focal point's district, coloured by their suppressed counts, and redraws for another week range; the trend
chart draws too. Run with `pytest -m browser`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import make_org, make_user

from .test_browser import sign_in

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_see_page_draws_the_map_of_signals_by_sector(
    page: Any, live_server: Any, rwanda_slice: dict[str, int], console: Any, screenshot_dir: Any
) -> None:
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.warning.models import SignalType
    from amahoro.warning.services import signal_create

    ngo = make_org("RWAMREC", "ngo", areas=("43",))
    make_user("ewer_musanze", ("ewer_focal_point", ngo, "43"))
    SignalType.objects.create(code="land_dispute", name="Land or inheritance dispute")
    sectors = list(
        OrgUnit.objects.filter(parent__code="43", geometry__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)
    )
    assert len(sectors) > 5
    day = date.today() - timedelta(days=1)
    for i, (code, n) in enumerate(((sectors[0], 7), (sectors[1], 5), (sectors[2], 2))):
        for k in range(n):
            signal_create(
                actor=policy.SYSTEM,
                type="land_dispute",
                org_unit=code,
                occurred_on=day,
                source="api",
                source_ref=f"see-{i}-{k}",
            )

    sign_in(page, live_server, "ewer_musanze")
    page.goto(f"{live_server.url}/warning/see/")
    page.wait_for_selector("#signal-map.map-ready")
    drawn = page.locator("#signal-map .leaflet-overlay-pane path").count()
    assert drawn == int(page.get_attribute("#signal-map", "data-feature-count") or 0) == len(sectors)
    assert "All your places:" in page.inner_text("#signal-map-total")
    page.wait_for_selector("#signal-trend-chart svg")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "warning-see-map.png"), full_page=True)
    # another week range: the map redraws (the last week alone)
    weeks = page.locator("#signal-map-from option").all_inner_texts()
    page.select_option("#signal-map-from", weeks[-1])
    page.wait_for_selector("#signal-map.map-ready")
    assert weeks[-1] in page.inner_text("#signal-map-total")
    assert console.errors == []
