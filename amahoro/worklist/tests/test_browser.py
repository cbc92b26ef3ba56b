"""My work in a real browser (headless Chromium): a case worker signs in, sees the PEP countdown of a rape
reported an hour ago first on the home page and in My work (with the count in the menu), and its link opens
the case with the same countdown. Run with `pytest -m browser`."""

from __future__ import annotations

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

from .conftest import rape_case

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_worker_sees_the_pep_countdown_and_opens_the_case(
    browser, page, live_server, rwanda_slice, console, screenshot_dir
) -> None:
    osc = make_org("OSC1", "osc", areas=("12",))
    worker = make_user("worker", ("case_worker", osc, "12"))
    incident = rape_case(worker, hours_ago=1)
    code = incident.survivor.code

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # My work is the first thing on the home page, and the menu shows how many items wait.
    assert page.locator("#my-work [data-kind=pep]").count() == 1
    page.wait_for_selector("#my-work-count")
    assert page.inner_text("#my-work-count") == "2"

    page.click("#nav-my-work")
    page.wait_for_url(f"{live_server.url}/my-work/")
    item = page.locator("#work-case_worker li[data-kind=pep]")
    assert code in item.inner_text() and "left" in item.inner_text()
    assert item.get_attribute("data-state") == "open"
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "my-work-case-worker.png"), full_page=True)

    item.locator("a").click()
    page.wait_for_url(f"{live_server.url}/cases/{incident.uuid}/")
    assert page.inner_text("#survivor-code") == code
    countdown = page.locator("#countdowns [data-kind=pep]")
    assert countdown.get_attribute("data-state") == "open"
    assert "70 h" in countdown.inner_text() or "71 h" in countdown.inner_text()
    assert console.errors == []


def test_an_me_officer_is_told_of_submitted_data_and_approves_it(
    browser, page, live_server, rwanda_slice, console, screenshot_dir
) -> None:
    from amahoro.data import services as data
    from amahoro.data.models import ApprovalState, DataApproval
    from amahoro.geo.models import OrgUnit

    ngo = make_org("NGO1", "ngo", areas=("12",))
    clerk = make_user("clerk", ("data_clerk", ngo, "12"))
    make_user("me_gasabo", ("me_officer", ngo, "12"))
    approval = data.approval_submit(
        actor=clerk, org_unit=OrgUnit.objects.get(code="12"), period=data.period_ensure(code="202601")
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "me_gasabo")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # The bell and My work both say data waits; My work's item opens the approvals page at its row.
    page.wait_for_selector("#my-work [data-kind=approval]")
    assert "January 2026" in page.inner_text("#my-work [data-kind=approval]")
    page.click("#my-work [data-kind=approval] a")
    page.wait_for_url(f"{live_server.url}/data/approvals/#approval-{approval.pk}")
    row = page.locator(f"#approval-{approval.pk}")
    assert "January 2026" in row.inner_text()
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "data-approvals.png"), full_page=True)
    row.locator("button[value=approve]").click()
    page.wait_for_selector("#no-approvals")
    assert DataApproval.objects.get(pk=approval.pk).state == ApprovalState.APPROVED
    assert console.errors == []
