"""A case walked in a real browser (headless Chromium): intake on a phone-sized screen, a referral, the
receiving organisation's view, a closure request and its approval by a supervisor, the access log, and the
suppressed statistics. Run with `pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.policy import SYSTEM
from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Mukamana Fictitia"


@pytest.fixture
def people(rwanda_slice: dict[str, int]) -> dict[str, Any]:
    osc = make_org("OSC1", "osc", areas=("12",))
    ngo = make_org("NGO1", "ngo", areas=("12",))
    return {
        "worker": make_user("worker", ("case_worker", osc, "12")),
        "supervisor": make_user("supervisor", ("case_supervisor", osc, "12")),
        "ngo_worker": make_user("ngo_worker", ("case_worker", ngo, "12")),
        "viewer": make_user("viewer", ("viewer", ngo, "RW")),
    }


def sign_in(pg: Any, live_server: Any, username: str) -> None:
    pg.goto(f"{live_server.url}/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url(f"{live_server.url}/")


def fits(pg: Any) -> bool:
    return bool(pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_case_from_intake_through_referral_to_closure(
    browser, page, live_server, people, console, screenshot_dir
) -> None:
    from datetime import date, timedelta

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, live_server, "worker")
    page.click("label[for=menu-toggle]")  # on a phone the menu is folded behind its button
    page.click("nav a:has-text('GBV cases')")
    page.click("#new-case")
    assert fits(page)
    today = date.today()
    page.fill("#id_survivor_name", NAME)
    page.fill("#id_survivor_phone", "0788 000 111")
    page.select_option("#id_survivor_sex", "female")
    page.fill("#id_survivor_age", "16")
    page.fill("#id_incident_date", (today - timedelta(days=2)).isoformat())
    page.fill("#id_report_date", today.isoformat())
    page.select_option("#id_org_unit", index=1)
    page.check("#id_penetration")
    page.select_option("#id_p1_relationship", "neighbour")
    page.check("#id_consent_services")
    page.check("#id_consent_reporting")
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#survivor-code")
    assert page.get_attribute("#gbv-type", "data-value") == "rape"
    assert "Child sexual abuse" in page.inner_text("#contexts")  # the label, never the code
    assert page.get_attribute("#contexts [data-context]", "data-context") == "child_sexual_abuse"
    assert page.inner_text("#bucket") == "0-3 days"
    assert page.get_attribute("#bucket", "data-value") == "0_3_days"
    assert NAME not in page.url
    code = page.inner_text("#survivor-code")
    case_url = page.url
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "case-detail-phone.png"), full_page=True)

    # Refer to the NGO for psychosocial support, with consent to release the identity to that service.
    page.click("summary:has-text('Record consent')")
    page.select_option("#consent-form #id_purpose", "release")
    page.select_option("#consent-form #id_service", "psychosocial")
    page.select_option("#consent-form #id_recipient", "NGO1")
    page.select_option("#consent-form #id_method", "verbal")
    page.click("#consent-form button[type=submit]")
    page.wait_for_selector("#consents li[data-purpose=release]")
    # A referral to another organisation needs the survivor's consent to referral to that kind of service.
    page.click("summary:has-text('Record consent')")
    page.select_option("#consent-form #id_purpose", "referral")
    page.select_option("#consent-form #id_service", "psychosocial")
    page.select_option("#consent-form #id_recipient", "")
    page.click("#consent-form button[type=submit]")
    page.wait_for_selector("#consents li[data-purpose=referral]")
    page.click("#add-service")
    page.select_option("#service-form #id_type", "psychosocial")
    page.select_option("#service-form #id_status", "referred")
    page.select_option("#service-form #id_provider", "NGO1")
    page.click("#service-form button[type=submit]")
    page.wait_for_selector("#services tr[data-status=referred]")

    # The receiving organisation sees the referral (and the name, released with consent), not the case.
    other = browser.new_context(viewport={"width": 1200, "height": 900})
    ngo = other.new_page()
    sign_in(ngo, live_server, "ngo_worker")
    ngo.goto(f"{live_server.url}/cases/referrals/")
    ngo.click(f"#referral-list a:has-text('{code}')")
    assert NAME in ngo.content()
    ngo.select_option("#referral-form #id_status", "provided")
    ngo.click("#referral-form button[type=submit]")
    ngo.wait_for_selector("#referral-status:has-text('Provided')")
    assert ngo.goto(case_url).status == 404
    other.close()

    # The worker asks for closure; a supervisor approves it and sees who opened the case.
    page.reload()
    assert page.locator("#services tr[data-status=provided]").count() == 1
    page.fill("#closure-form #id_reason", "Services delivered, survivor safe")
    page.click("#closure-form button[type=submit]")
    page.wait_for_selector("#case-status:has-text('Closure requested')")
    sup_ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    sup = sup_ctx.new_page()
    sign_in(sup, live_server, "supervisor")
    sup.goto(f"{live_server.url}/cases/")
    sup.click(f"#case-list a:has-text('{code}')")
    sup.click("#closure-decision button[value=approve]")
    sup.wait_for_selector("#closed")
    sup.click("#access-log")
    log = sup.inner_text("#access-log-table")
    assert "worker" in log and "ngo_worker" in log and "opened" in log
    sup_ctx.close()
    assert console.errors == []


def test_case_list_search_and_stale_edit(page, live_server, people, console) -> None:
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import incident_create
    from amahoro.geo.models import OrgUnit

    sector = OrgUnit.objects.filter(path__startswith="/RW/1/12/", depth=4).order_by("code").first()
    assert sector is not None
    incident = incident_create(
        actor=people["worker"],
        data=incident_parse(
            {
                "survivor": {"name": NAME, "phone": "0788 222 333", "sex": "female", "age": 30},
                "incident_date": "2026-01-05",
                "report_date": "2026-01-20",
                "org_unit": sector.code,
                "classification": {"physical_assault": True},
                "perpetrators": [{"relationship": "intimate_partner"}],
                "consent": {"services": True, "reporting": True},
            }
        ),
    )
    sign_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/cases/")
    assert page.locator("#case-list tbody tr").count() == 1
    assert NAME not in page.content()
    page.fill("#id_phone", "+250 788 222 333")
    page.click("#case-search button[type=submit]")
    page.wait_for_selector("#case-count:has-text('1 case found')")
    assert "788" not in page.url
    # Two tabs edit the same case: the second save is refused and keeps what was typed.
    page.goto(f"{live_server.url}/cases/{incident.uuid}/edit/")
    second = page.context.new_page()
    second.goto(f"{live_server.url}/cases/{incident.uuid}/edit/")
    page.select_option("#id_location_type", "school")
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#survivor-code")
    second.select_option("#id_location_type", "market")
    second.fill("#id_account", "Added offline")
    console.allow("409")
    second.click("#case-form button[type=submit]")
    second.wait_for_selector("#conflict")
    assert second.input_value("#id_account") == "Added offline"
    assert console.errors == []


def test_statistics_page_shows_suppressed_tables(page, live_server, people, console) -> None:
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import incident_create
    from amahoro.geo.models import OrgUnit

    sector = OrgUnit.objects.filter(path__startswith="/RW/1/12/", depth=4).order_by("code").first()
    assert sector is not None
    for classification in ({"penetration": True},) * 10 + ({"physical_assault": True},) * 2:
        incident_create(
            actor=people["worker"],
            data=incident_parse(
                {
                    "survivor": {"name": NAME, "sex": "female", "age": 22},
                    "incident_date": "2026-02-01",
                    "report_date": "2026-02-03",
                    "org_unit": sector.code,
                    "classification": classification,
                    "consent": {"reporting": True},
                }
            ),
        )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "viewer")
    page.click("label[for=menu-toggle]")  # on a phone the menu is folded behind its button
    page.click("nav a:has-text('GBV statistics')")
    page.fill("#id_period", "202602")
    page.click("#statistics-form button[type=submit]")
    page.wait_for_selector("#table-gbv_type")
    assert page.inner_text("#incident-total") == "12"
    row = page.locator("#table-gbv_type tr[data-key=physical_assault] td")
    assert row.nth(0).inner_text() == "<5"
    # Zeros beside the small count are shown as <5 too (docs/cases.md, disclosure rule).
    assert page.locator("#table-gbv_type tr[data-key=sexual_assault] td").nth(0).inner_text() == "<5"
    assert NAME not in page.content()
    assert fits(page)
    assert console.errors == []


def test_a_police_officer_answers_a_referral_in_the_inbox_without_seeing_who_the_survivor_is(
    page, live_server, rwanda_slice, console
) -> None:
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import consent_record, incident_create, service_record
    from amahoro.directory.services import provider_create
    from amahoro.geo.models import OrgUnit
    from amahoro.notifications.models import Notification

    osc = make_org("OSC1", "osc", areas=("12",))
    police = make_org("RNP", "police", areas=("12",))
    worker = make_user("worker", ("case_worker", osc, "12"))
    officer = make_user("officer", ("service_provider", police, "12"))
    gasabo = OrgUnit.objects.get(code="12")
    station = provider_create(
        actor=SYSTEM,
        organisation=police,
        name="RNP Gasabo station",
        services=["police"],
        org_unit=gasabo,
        areas=[gasabo],
    )
    unit = OrgUnit.objects.filter(parent=gasabo).order_by("code").first()
    incident = incident_create(
        actor=worker,
        data=incident_parse(
            {
                "survivor": {"name": NAME, "phone": "0788 000 222", "sex": "female", "age": 30},
                "incident_date": "2026-01-10",
                "report_date": "2026-01-11",
                "org_unit": unit.code,
                "classification": {"physical_assault": True},
                "account": "Fictional account for the inbox test",
                "consent": {"services": True, "reporting": True},
            }
        ),
    )
    consent_record(
        actor=worker, incident=incident, purpose="referral", service="police", given=True, method="verbal"
    )
    service_record(
        actor=worker,
        incident=incident,
        type="police",
        status="referred",
        provider_unit=station,
        urgency="urgent",
    )
    assert Notification.objects.filter(recipient=officer, event="referral.received").count() == 1

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "officer")
    page.click("label[for=menu-toggle]")  # on a phone the menu is folded behind its button
    page.click("nav a:has-text('Referral inbox')")
    row = page.locator(f"#referral-inbox tr[data-code='{incident.survivor.code}']")
    assert row.get_attribute("data-status") == "pending"
    html = page.content()
    assert NAME not in html and "0788 000 222" not in html and "Fictional account" not in html
    row.locator("select[name=action]").select_option("accept")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#referral-inbox tr[data-code='{incident.survivor.code}'][data-status=accepted]")
    row = page.locator(f"#referral-inbox tr[data-code='{incident.survivor.code}']")
    row.locator("select[name=action]").select_option("complete")
    row.locator("textarea[name=note]").fill("Statement taken")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#referral-inbox tr[data-code='{incident.survivor.code}'][data-status=completed]")
    assert Notification.objects.filter(recipient=worker, event__startswith="referral.").count() == 2
    assert console.errors == []
    assert page.goto(f"{live_server.url}/cases/{incident.uuid}/").status == 403
