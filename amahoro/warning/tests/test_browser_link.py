"""In a real browser (headless Chromium): an administrator adds a routing rule on /warning/routing/; a GBV
signal is routed by it; the focal point triages it from the list; a case worker of the responder opens a
case from it (the case module's intake, with consent) and the signal then shows only "case opened". Run with
`pytest -m browser`; AMAHORO_SCREENSHOTS=docs/img refreshes docs/warning.md's screenshots."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "Demo: a woman is beaten by her husband every night"


def sign_in(pg: Any, live_server: Any, username: str) -> None:
    pg.goto(f"{live_server.url}/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{live_server.url}/")


def test_routing_rule_then_triage_then_a_case_opened_from_the_signal(
    browser: Any, page: Any, live_server: Any, rwanda_slice: dict[str, int], console: Any, screenshot_dir: Any
) -> None:
    from amahoro import policy
    from amahoro.cases.models import Consent, Incident
    from amahoro.warning.models import Signal, SignalType
    from amahoro.warning.services import signal_create

    ngo = make_org("RWAMREC", "ngo", areas=("43",))
    police = make_org("RNP", "police", areas=("RW",))
    platform = make_org("PLATFORM", "ministry")
    make_user("admin", ("system_admin", platform, "RW"))
    make_user("ewer_musanze", ("ewer_focal_point", ngo, "43"))
    make_user("isange_musanze", ("case_worker", police, "43"), ("ewer_responder", police, "43"))
    SignalType.objects.create(code="gbv", name="GBV incident or threat", is_gbv=True, default_urgency="high")
    SignalType.objects.create(code="land_dispute", name="Land or inheritance dispute")

    # The administrator routes GBV signals in Musanze to the police's Isange desk.
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/warning/")
    page.click("#routing-link")
    page.select_option("#id_signal_type", "gbv")
    page.fill("#id_org_unit", "43")
    page.fill("#id_responder", "RNP")
    page.fill("#id_hours_high", "-4")
    page.click("#routing-form button[type=submit]")
    assert "at least 1 hour" in page.inner_text("#id_hours_high_errors")
    console.errors.clear()  # the refused form's 400, asked for
    page.fill("#id_hours_high", "12")
    page.click("#routing-form button[type=submit]")
    page.wait_for_selector("#routing-table tbody tr[id^=rule-]")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "warning-routing.png"), full_page=True)

    signal, _ = signal_create(
        actor=policy.SYSTEM,
        type="gbv",
        org_unit="4301",
        occurred_on=date.today() - timedelta(days=1),
        description=DESCRIPTION,
        reporter={"name": "Demo Reporter", "phone": "+250788000111"},
        source="sms",
    )
    assert signal.assigned_to == police
    signal_create(
        actor=policy.SYSTEM,
        type="land_dispute",
        org_unit="4302",
        occurred_on=date.today() - timedelta(days=3),
        description="Demo: brothers dispute their late father's field",
        source="web",
    )

    # The focal point's triage list, then the signal verified and assigned in one step.
    focal = browser.new_context(viewport={"width": 1280, "height": 900})
    fp = focal.new_page()
    sign_in(fp, live_server, "ewer_musanze")
    fp.click("nav a:has-text('Early warning')")
    fp.wait_for_selector("#signal-table")
    if screenshot_dir is not None:
        fp.screenshot(path=str(screenshot_dir / "warning-list.png"), full_page=True)
    fp.click(f"#signal-table a[href='/warning/{signal.uuid}/']")
    assert fp.query_selector("#open-case") is None  # a focal point records no case
    fp.click("#move-assigned button[type=submit]")
    fp.wait_for_selector("#signal-status:has-text('Assigned')")

    # The Isange desk's case worker opens a case from it: nothing of the signal but its place.
    worker = browser.new_context(viewport={"width": 390, "height": 844})
    wp = worker.new_page()
    sign_in(wp, live_server, "isange_musanze")
    wp.goto(f"{live_server.url}/warning/{signal.uuid}/")
    wp.click("#open-case a")
    wp.wait_for_selector("#case-form")
    assert DESCRIPTION not in wp.content()
    assert wp.input_value("#id_org_unit") == "4301"
    assert wp.input_value("#id_account") == ""
    wp.select_option("#id_survivor_sex", "female")
    wp.fill("#id_survivor_age", "34")
    wp.fill("#id_incident_date", (date.today() - timedelta(days=1)).isoformat())
    wp.fill("#id_report_date", date.today().isoformat())
    wp.check("#id_physical_assault")
    wp.check("#id_consent_services")
    if screenshot_dir is not None:
        wp.screenshot(path=str(screenshot_dir / "warning-case-open.png"))
    wp.click("#case-form button[type=submit]")
    wp.wait_for_selector("#survivor-code")
    incident = Incident.objects.get()
    assert Consent.objects.filter(incident=incident, purpose="services", given=True).exists()
    assert DESCRIPTION not in incident.account

    # The signal keeps only the link: "case opened" for everyone, the link for the case worker.
    wp.goto(f"{live_server.url}/warning/{signal.uuid}/")
    assert "Case opened" in wp.inner_text("#signal-case")
    assert wp.query_selector(f"#signal-case a[href='/cases/{incident.uuid}/']") is not None
    fp.reload()
    assert "Case opened" in fp.inner_text("#signal-case")
    assert fp.query_selector("#signal-case a") is None
    assert Signal.objects.get(pk=signal.pk).case_uuid == incident.uuid
    worker.close()
    focal.close()
    assert console.errors == []
