"""The funding overview (ECharts chart per pillar, tables per node and agency) and the IATI page (upload,
summary with skip reasons, mapping from the unmapped queue) in headless Chromium, with no console error
or CSP violation. Run with `pytest -m browser`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from amahoro import policy
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FILE_203 = Path(__file__).parent / "data" / "demo-donor-activities-2.03.xml"


@pytest.fixture
def funded(rwanda_slice: dict[str, int]) -> dict[str, Any]:
    from amahoro.frameworks.models import Node
    from amahoro.frameworks.reference import load_nap_rw_2018
    from amahoro.funding import services

    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    make_user("ngo_admin", ("org_admin", ngo, "RW"))
    load_nap_rw_2018()
    services.exchange_rate_set(actor=policy.SYSTEM, currency="USD", rate="1300", valid_from=date(2024, 1, 1))
    p2o1 = Node.objects.get(framework__code="RW-NAP1325-2018", code="P2.O1")
    services.mapping_rule_create(actor=policy.SYSTEM, node=p2o1, kind="sector", value="15180")
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        amount="20000",
        currency="USD",
        fiscal_year="2024July",
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="commitment",
        amount="15000",
        currency="USD",
        date=date(2024, 8, 1),
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="disbursement",
        amount="10000",
        currency="USD",
        date=date(2024, 9, 1),
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=ngo,
        node=p2o1,
        kind="expenditure",
        amount="3250000",
        currency="RWF",
        date=date(2024, 12, 1),
    )
    return {"ngo": ngo}


def sign_in(page: Any, live_server: Any, username: str) -> None:
    # The first request to a fresh live server loads the URLconf and templates: slow on a busy machine.
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/", timeout=30_000)


def test_overview_chart_and_tables(page, live_server, funded, console, screenshot_dir) -> None:
    sign_in(page, live_server, "ngo_admin")
    page.click("nav a:has-text('Funding')")
    page.wait_for_url(f"{live_server.url}/funding/")
    page.wait_for_selector("#funding-chart[data-rendered='true']")
    assert page.locator("#funding-chart svg").count() >= 1
    p2 = page.locator("#funding-nodes tr[data-node='P2']")
    cells = p2.locator("td").all_inner_texts()
    # planned 26,000,000; committed 19,500,000; disbursed 13,000,000; spent 3,250,000; gap 6,500,000; 25%
    assert cells == ["26,000,000", "19,500,000", "13,000,000", "3,250,000", "6,500,000", "25%"]
    assert page.locator("#total-burn").inner_text() == "25%"
    assert page.locator("#funding-agencies tr[data-agency='NGO1']").count() == 1
    page.wait_for_selector("#funding-agency-chart[data-rendered='true']")
    assert "NGO1" in page.locator("#funding-agency-chart").inner_text()
    page.select_option("#id_currency", "USD")
    page.click("#funding-filters button[type=submit]")
    page.wait_for_selector("#funding-chart[data-rendered='true']")
    assert page.locator("#funding-nodes tr[data-node='P2'] td").first.inner_text() == "20,000"
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "funding-overview.png"), full_page=True)
    assert console.errors == []


def test_iati_upload_and_map_from_queue(page, live_server, funded, console, screenshot_dir) -> None:
    sign_in(page, live_server, "ngo_admin")
    page.goto(f"{live_server.url}/funding/iati/")
    page.set_input_files("#id_file", str(FILE_203))
    page.click("#iati-form button[type=submit]")
    page.wait_for_selector("#iati-summary")
    assert page.locator("#iati-summary tr[data-count='activities'] td").all_inner_texts()[:3] == [
        "3",
        "0",
        "0",
    ]
    assert page.locator("#iati-summary tr[data-count='transactions'] td").all_inner_texts()[:3] == [
        "7",
        "0",
        "1",
    ]
    assert "Incoming Funds" in page.locator("#iati-skips").inner_text()
    queue = page.locator("#iati-queue tbody tr")
    assert queue.count() == 2  # the WPS activity (no rule here) and the peace-building one
    row = page.locator("#iati-queue tr[data-activity='XM-DAC-99999-RW-PB-2025']")
    row.locator("select").select_option(label="RW-NAP1325-2018 P4.O1")
    row.locator("button").click()
    page.wait_for_url(f"{live_server.url}/funding/iati/")
    assert page.locator("#iati-queue tbody tr").count() == 1
    mapped = page.locator("#iati-mapped tr[data-activity='XM-DAC-99999-RW-PB-2025']")
    assert "P4.O1" in mapped.inner_text() and "By hand" in mapped.inner_text()
    # its commitment (30,000 USD on 2025-05-01 at 1,300) now shows under pillar P4
    page.goto(f"{live_server.url}/funding/")
    p4 = page.locator("#funding-nodes tr[data-node='P4'] td").all_inner_texts()
    assert p4[1] == "39,000,000"
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "funding-iati.png"), full_page=True)
    assert console.errors == []
