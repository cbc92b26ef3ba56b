"""The programme pages in a real browser (headless Chromium through Playwright): recording attendance on a
phone-sized screen changes the reach on the dashboard; the dashboard's ECharts charts draw; the participant
list shows names to programme staff only. No console error or CSP violation. Run with `pytest -m browser`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def couples(rwanda_slice: dict[str, int]) -> dict[str, Any]:
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.programmes import scoring
    from amahoro.programmes.services import attendance as attendance_services
    from amahoro.programmes.services import participants as participant_services
    from amahoro.programmes.services import programmes as programme_services
    from amahoro.programmes.services import scales as scale_services

    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    make_user("me_nyarugenge", ("me_officer", ngo, "11"))
    make_user("viewer_nyarugenge", ("viewer", ngo, "11"))
    sector = OrgUnit.objects.get(code="1101")
    programme = programme_services.programme_create(
        actor=policy.SYSTEM,
        code="BANDE",
        name="Couples curriculum",
        organisation=ngo,
        districts=[OrgUnit.objects.get(code="11")],
    )
    start = date.today() - timedelta(weeks=6)
    cohort = programme_services.cohort_create(
        actor=policy.SYSTEM,
        programme=programme,
        code="C1",
        name="Cohort 1",
        org_unit=sector,
        start=start,
        end=start + timedelta(weeks=17),
        planned_sessions=4,
        completion_min=3,
    )
    sessions = [
        attendance_services.session_create(
            actor=policy.SYSTEM,
            cohort=cohort,
            number=n,
            date=start + timedelta(weeks=n - 1),
            topics=f"Topic {n}",
        )
        for n in range(1, 5)
    ]
    people = [
        participant_services.participant_create(
            actor=policy.SYSTEM,
            organisation=ngo,
            sex=sex,
            village=sector,
            birth_year=1988,
            name=name,
            code=f"P-{i:03d}",
        )
        for i, (sex, name) in enumerate([("M", "Jean Habimana"), ("F", "Aline Uwase"), ("M", "Eric Mugabo")])
    ]
    participant_services.enrolment_add(actor=policy.SYSTEM, cohort=cohort, participants=people)
    attendance_services.attendance_record(
        actor=policy.SYSTEM,
        session=sessions[0],
        presence={people[0]: True, people[1]: False, people[2]: False},
    )
    gem = scale_services.gem_ensure()
    base = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=cohort, scale=gem, kind="baseline", date=start
    )
    end = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=cohort, scale=gem, kind="endline", date=start + timedelta(weeks=5)
    )
    levels = ["agree", "partially_agree", "do_not_agree"]
    definition = scoring.gem_definition()

    def answers(level: int, shift: int) -> dict[str, str]:
        return {
            i.code: levels[min(2, (level + n % (shift + 1)) % 3)]
            if i.subscale == "inequitable"
            else levels[2 - level]
            for n, i in enumerate(definition.items)
        }

    scale_services.responses_record(
        actor=policy.SYSTEM, survey=base, answers={p: answers(0, k) for k, p in enumerate(people)}
    )
    scale_services.responses_record(
        actor=policy.SYSTEM, survey=end, answers={p: answers(1, k) for k, p in enumerate(people)}
    )
    return {"programme": programme}


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.set_default_timeout(20_000)  # the shared machine is often loaded
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_recording_attendance_on_a_phone_changes_reach(
    browser, console, live_server, couples, screenshot_dir
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)  # the shared machine is often loaded
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    sign_in(page, live_server, "me_nyarugenge")
    page.goto(f"{live_server.url}/programmes/BANDE/")
    assert page.locator("#reach-total").inner_text() == "1"
    page.click("#cohort-table a:has-text('C1')")
    page.select_option("#id_session", "2")
    page.click(".session-pick button[type=submit]")
    page.wait_for_url("**/cohorts/C1/?session=2")
    # Big touch targets: each row is at least 44 px high
    row = page.locator(".attendance-grid label.tick").first
    assert row.bounding_box()["height"] >= 44
    page.tap("input[data-code='P-001']")
    page.tap("input[data-code='P-002']")
    page.click("#save-attendance")
    page.wait_for_url("**/cohorts/C1/?session=2")
    assert page.locator("input[data-code='P-001']").is_checked()
    assert "2 present" in page.locator(".messages").inner_text()
    page.goto(f"{live_server.url}/programmes/BANDE/")
    assert page.locator("#reach-total").inner_text() == "3"
    assert page.locator("#district-table tr[data-district='11'] td.num").inner_text() == "3"
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "programme-phone.png"), full_page=True)
    context.close()
    assert console.errors == []


def test_dashboard_draws_reach_timeline_and_attitude_charts(
    page, console, live_server, couples, screenshot_dir
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "me_nyarugenge")
    page.goto(f"{live_server.url}/programmes/")
    page.click("#programme-list a:has-text('BANDE')")
    page.wait_for_url(f"{live_server.url}/programmes/BANDE/")
    page.wait_for_selector("#reach-map.map-ready")
    assert page.locator("#reach-map path[data-district='11']").get_attribute("data-count") == "1"
    for chart in ("#district-chart", "#timeline-chart", "#scale-chart-0"):
        page.wait_for_selector(f"{chart} svg")
    assert page.locator("section[data-scale='GEM-24'] tr[data-round='baseline']").count() == 1
    assert page.locator("#paired-GEM-24 dd[data-stat='mean_difference']").inner_text().startswith("1")
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "programme-dashboard.png"), full_page=True)
    assert console.errors == []


def test_participant_names_for_staff_only(page, console, live_server, couples) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "me_nyarugenge")
    page.goto(f"{live_server.url}/programmes/participants/")
    assert "Jean Habimana" in page.locator("#participant-list tr[data-code='P-000']").inner_text()
    page.fill("#id_q", "habimana")
    page.click("form.filters button[type=submit]")
    assert page.locator("#participant-list tbody tr").count() == 1
    page.context.clear_cookies()
    sign_in(page, live_server, "viewer_nyarugenge")
    page.goto(f"{live_server.url}/programmes/participants/")
    assert page.locator("#participant-list tr[data-code='P-000']").count() == 1
    assert "Habimana" not in page.content()
    assert console.errors == []
