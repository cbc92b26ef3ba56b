"""The PEP and emergency-contraception countdowns (cases/deadlines.py): exact at the boundaries, Kigali time,
start of day when the time is unknown, done once a date is recorded; incident_time through the API and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from amahoro.cases import deadlines
from amahoro.cases.classification import within_hours
from amahoro.cases.deadlines import EC, KIGALI, PEP, State
from conftest import client_for

from .conftest import create, payload

DAY = dt.date(2026, 3, 2)
WINDOWS = {"pep_hours": 72, "ec_hours": 120}


def at(hours: int, minutes: int = 0, *, start: dt.datetime | None = None) -> dt.datetime:
    start = start or dt.datetime(2026, 3, 2, 21, 30, tzinfo=KIGALI)
    return start + dt.timedelta(hours=hours, minutes=minutes)


def pep(now: dt.datetime, *, time: dt.time | None = dt.time(21, 30), given: dt.date | None = None) -> Any:
    return deadlines.countdown(
        kind=PEP, incident_date=DAY, incident_time=time, hours=72, given_on=given, now=now
    )


def test_at_71h59_the_window_is_open_with_one_minute_left() -> None:
    c = pep(at(71, 59))
    assert c.is_open
    assert c.left == dt.timedelta(minutes=1)
    assert c.left_text == "0 h 01 min"
    assert c.state == State.CLOSING  # open, in its last 12 hours


def test_at_exactly_72h_the_window_has_passed() -> None:
    c = pep(at(72))
    assert c.state == State.PASSED and not c.is_open
    assert c.left == dt.timedelta(0)
    assert c.deadline == dt.datetime(2026, 3, 5, 21, 30, tzinfo=KIGALI)


def test_at_72h01_the_window_has_passed_by_one_minute() -> None:
    c = pep(at(72, 1))
    assert c.state == State.PASSED
    assert c.left == -dt.timedelta(minutes=1)
    assert c.left_text == "0 h 00 min"


def test_open_until_twelve_hours_are_left_then_closing() -> None:
    assert pep(at(0)).state == State.OPEN
    assert pep(at(60)).left == dt.timedelta(hours=12)
    assert pep(at(60)).state == State.OPEN  # "closing" is strictly less than 12 h left
    assert pep(at(60, 1)).state == State.CLOSING


def test_unknown_time_counts_from_the_start_of_the_day_the_earlier_deadline() -> None:
    midnight = dt.datetime(2026, 3, 2, 0, 0, tzinfo=KIGALI)
    c = pep(at(71, 59, start=midnight), time=None)
    assert c.deadline == dt.datetime(2026, 3, 5, 0, 0, tzinfo=KIGALI)
    assert c.left == dt.timedelta(minutes=1)
    assert pep(at(72, start=midnight), time=None).state == State.PASSED
    # The same clock with the real evening time would still be open: unknown is never the later deadline.
    assert pep(at(72, start=midnight), time=dt.time(21, 30)).is_open


def test_the_clock_is_kigali_time_whatever_the_reader_clock() -> None:
    utc_now = dt.datetime(2026, 3, 5, 19, 29, tzinfo=dt.UTC)  # 21:29 in Kigali (UTC+2)
    c = pep(utc_now)
    assert c.left == dt.timedelta(minutes=1)


def test_a_recorded_dose_is_done_even_after_the_window() -> None:
    c = pep(at(100), given=dt.date(2026, 3, 5))
    assert c.state == State.DONE
    # The date of the deadline day counts as in time, as in the statistics (within_hours, by date).
    assert c.given_in_time is True
    assert within_hours(DAY, dt.date(2026, 3, 5), 72)
    assert pep(at(200), given=dt.date(2026, 3, 6)).given_in_time is False


def test_ec_has_its_own_120h_window_and_male_survivors_have_no_ec() -> None:
    now = at(100)
    both = deadlines.countdowns(
        incident_date=DAY,
        incident_time=dt.time(21, 30),
        gbv_type="rape",
        survivor_sex="female",
        windows=WINDOWS,
        now=now,
    )
    assert [(c.kind, c.state) for c in both] == [(PEP, State.PASSED), (EC, State.OPEN)]
    assert both[1].left == dt.timedelta(hours=20)
    male = deadlines.countdowns(
        incident_date=DAY,
        incident_time=None,
        gbv_type="rape",
        survivor_sex="male",
        windows=WINDOWS,
        now=now,
    )
    assert [c.kind for c in male] == [PEP]


def test_no_countdown_for_other_types() -> None:
    for gbv_type in ("sexual_assault", "physical_assault", "psychological_abuse", "non_gbv"):
        assert (
            deadlines.countdowns(
                incident_date=DAY,
                incident_time=None,
                gbv_type=gbv_type,
                survivor_sex="female",
                windows=WINDOWS,
            )
            == []
        )


def test_the_windows_are_configurable(settings: Any, cc: Any) -> None:
    settings.CASES_PEP_WINDOW_HOURS = 48
    today = dt.date.today()
    incident = create(cc.worker, incident_date=today.isoformat(), report_date=today.isoformat())
    (pep_c, ec_c) = deadlines.for_incident(incident)
    assert pep_c.hours == 48 and ec_c.hours == 120


# ---------------------------------------------------------------------------------------------------------
# incident_time through the API and the pages


def test_api_takes_and_returns_incident_time(cc: Any, api_client: Any) -> None:
    today = dt.date.today()
    api_client.force_authenticate(cc.worker)
    body = payload(incident_date=(today - dt.timedelta(days=1)).isoformat(), report_date=today.isoformat())
    body["incident_time"] = "21:30"
    r = api_client.post("/api/v1/gbv/incidents", body, format="json")
    assert r.status_code == 201, r.content
    got = api_client.get(f"/api/v1/gbv/incidents/{r.json()['id']}").json()
    assert got["incident_time"] == "21:30"
    pep_c = got["countdowns"][0]
    assert pep_c["kind"] == "pep" and pep_c["hours"] == 72 and pep_c["state"] in ("open", "closing")
    assert pep_c["deadline"].startswith((today + dt.timedelta(days=2)).isoformat() + "T21:30")


def test_api_without_incident_time_still_works_and_an_edit_keeps_it(cc: Any, api_client: Any) -> None:
    api_client.force_authenticate(cc.worker)
    r = api_client.post("/api/v1/gbv/incidents", payload(), format="json")
    assert r.status_code == 201, r.content
    ident = r.json()["id"]
    got = api_client.get(f"/api/v1/gbv/incidents/{ident}").json()
    assert got["incident_time"] is None
    r = api_client.patch(
        f"/api/v1/gbv/incidents/{ident}", {"version": got["version"], "incident_time": "08:15"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["incident_time"] == "08:15"
    r = api_client.patch(
        f"/api/v1/gbv/incidents/{ident}",
        {"version": r.json()["version"], "report_date": got["report_date"]},
        format="json",
    )
    assert r.json()["incident_time"] == "08:15"


@pytest.mark.parametrize("bad", ["25:00", "9h", "21:30:99", 2130])
def test_api_refuses_a_bad_incident_time_naming_the_field(cc: Any, api_client: Any, bad: Any) -> None:
    api_client.force_authenticate(cc.worker)
    body = payload()
    body["incident_time"] = bad
    r = api_client.post("/api/v1/gbv/incidents", body, format="json")
    assert r.status_code == 400
    assert r.json()["field"] == "incident_time"


def test_case_page_shows_the_countdown(cc: Any) -> None:
    now = dt.datetime.now(KIGALI)
    earlier = now - dt.timedelta(hours=2)
    incident = create(
        cc.worker,
        incident_date=earlier.date().isoformat(),
        incident_time=earlier.strftime("%H:%M"),
        report_date=now.date().isoformat(),
    )
    html = client_for(cc.worker).get(f"/cases/{incident.uuid}/").content.decode()
    assert 'id="countdowns"' in html
    assert 'data-kind="pep" data-state="open"' in html
    assert 'data-kind="ec" data-state="open"' in html
    assert " h " in html and "left" in html


def test_case_form_sends_incident_time(cc: Any) -> None:
    from .test_views import form_data

    today = dt.date.today()
    yesterday = today - dt.timedelta(days=1)
    data = form_data(
        incident_date=yesterday.isoformat(), report_date=today.isoformat(), incident_time="00:05"
    )
    r = client_for(cc.worker).post("/cases/new/", data)
    assert r.status_code == 302, r.content[:2000]
    from amahoro.cases.models import Incident

    assert Incident.objects.get().incident_time == dt.time(0, 5)


def test_a_dose_not_yet_given_has_no_in_time_answer_and_the_deadline_helper_agrees() -> None:
    c = pep(at(10))
    assert c.given_in_time is None
    assert deadlines.deadline(DAY, dt.time(21, 30), 72) == c.deadline == at(72)
    assert deadlines.deadline(DAY, None, 72) == dt.datetime(2026, 3, 5, 0, 0, tzinfo=KIGALI)


def test_api_refuses_an_incident_time_later_today_naming_the_field(cc: Any, api_client: Any) -> None:
    from django.utils import timezone

    now = timezone.localtime()
    if now.hour == 23 and now.minute >= 58:
        pytest.skip("no minute left today to be in the future")
    api_client.force_authenticate(cc.worker)
    body = payload()
    body["incident_date"] = body["report_date"] = now.date().isoformat()
    body["incident_time"] = "23:59"
    r = api_client.post("/api/v1/gbv/incidents", body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "incident_time" and "future" in r.content.decode()


def test_the_worklist_selectors_give_nothing_to_someone_signed_out() -> None:
    from django.contrib.auth.models import AnonymousUser

    from amahoro.cases import work

    for selector in (work.countdowns_of_worker, work.referrals_awaiting_reply, work.closures_returned):
        assert selector(user=AnonymousUser()) == []
