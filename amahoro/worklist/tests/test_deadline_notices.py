"""PEP and emergency-contraception deadlines tell someone: a countdown entering its last 12 h with no dose
recorded tells the case's worker, a window passed so tells the case's supervisors; once each, by survivor
code only (cases/deadline_notices.py, `amahoro notify_deadlines`)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

from django.core.management import call_command

from amahoro.cases import deadlines
from amahoro.cases.deadline_notices import deadlines_notify
from amahoro.cases.models import DeadlineNotice, Service
from amahoro.notifications.models import Notification
from amahoro.notifications.testing import recipients_of
from conftest import make_user

from .conftest import rape_case

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def start_of(incident: Any) -> dt.datetime:
    return deadlines.clock_start(incident.incident_date, incident.incident_time)


def events_sent() -> list[tuple[str, str]]:
    return sorted(Notification.objects.values_list("event", "recipient__username"))


def test_closing_is_sent_to_the_worker_when_less_than_12_hours_are_left(wc: Any) -> None:
    incident = rape_case(wc.worker)
    start = start_of(incident)
    # 12 h 01 min left: not yet.
    assert deadlines_notify(now=start + 72 * H - 12 * H - M).as_dict() == {"closing": 0, "passed": 0}
    assert events_sent() == [] and not DeadlineNotice.objects.exists()
    # 11 h 59 min left: the worker is told, and nobody else.
    assert deadlines_notify(now=start + 72 * H - 12 * H + M).closing == 1
    assert recipients_of("case.pep_closing", incident) == {"worker": {"in_app", "email"}}
    note = Notification.objects.get(event="case.pep_closing")
    code = incident.survivor.code
    assert note.title == f"PEP for case {code}: 11 h 59 min left"
    assert note.link == f"/cases/{incident.uuid}/"
    assert "Fictitia" not in note.title + note.body and code in note.body
    # A second run (and a later one in the same window) sends nothing again.
    assert deadlines_notify(now=start + 72 * H - 12 * H + M).closing == 0
    assert deadlines_notify(now=start + 72 * H - M).closing == 0
    assert events_sent() == [("case.pep_closing", "worker")]


def test_passed_is_sent_once_to_the_case_supervisors_of_its_district(wc: Any) -> None:
    make_user("supervisor_nyarugenge", ("case_supervisor", wc.osc, "11"))
    incident = rape_case(wc.worker)
    start = start_of(incident)
    assert deadlines_notify(now=start + 72 * H - M).passed == 0  # 1 min left: still open
    assert deadlines_notify(now=start + 72 * H).passed == 1  # the window has passed
    # The OSC's Gasabo supervisor; not Nyarugenge's, not the NGO's, not the worker.
    assert recipients_of("case.pep_passed", incident) == {"supervisor": {"in_app", "email"}}
    assert deadlines_notify(now=start + 72 * H + M).passed == 0
    assert Notification.objects.filter(event="case.pep_passed").count() == 1
    note = Notification.objects.get(event="case.pep_passed")
    assert incident.survivor.code in note.title and "Fictitia" not in note.title + note.body


def test_a_recorded_dose_stops_the_notices(wc: Any) -> None:
    incident = rape_case(wc.worker)
    start = start_of(incident)
    Service.objects.create(
        incident=incident, type="health", status="provided", pep_given_on=incident.incident_date
    )
    deadlines_notify(now=start + 72 * H - 11 * H)
    deadlines_notify(now=start + 72 * H + H)
    assert not Notification.objects.filter(event__startswith="case.pep").exists()
    # Emergency contraception was not recorded: its closing notice still goes (at 120 h - 11 h).
    deadlines_notify(now=start + 120 * H - 11 * H)
    assert events_sent() == [("case.ec_closing", "worker")]


def test_a_male_survivor_gets_no_emergency_contraception_notice(wc: Any) -> None:
    incident = rape_case(wc.worker, survivor={"name": "Fictitius Testname", "sex": "male", "age": 25})
    start = start_of(incident)
    deadlines_notify(now=start + 72 * H - 11 * H)  # PEP closing, EC open
    deadlines_notify(now=start + 72 * H)  # PEP passed
    deadlines_notify(now=start + 120 * H - 11 * H)  # when EC would be closing
    deadlines_notify(now=start + 120 * H)  # when EC would have passed
    assert events_sent() == [("case.pep_closing", "worker"), ("case.pep_passed", "supervisor")]
    assert not DeadlineNotice.objects.filter(kind=deadlines.EC).exists()


def test_a_case_recorded_after_its_window_closed_alarms_no_one(wc: Any) -> None:
    incident = rape_case(wc.worker, hours_ago=80)  # recorded now, 80 h after: PEP passed before it
    deadlines_notify()
    assert not Notification.objects.filter(event__startswith="case.pep").exists()
    # EC (120 h) is still open: it will close in 40 h, and is told then.
    deadlines_notify(now=start_of(incident) + 120 * H - 11 * H)
    assert events_sent() == [("case.ec_closing", "worker")]


def test_the_command_runs_the_same(wc: Any) -> None:
    rape_case(wc.worker, hours_ago=61)  # 11 h left
    out = StringIO()
    call_command("notify_deadlines", stdout=out)
    assert "1 closing and 0 passed" in out.getvalue()
    assert events_sent() == [("case.pep_closing", "worker")]


def test_celery_beat_runs_the_task_every_15_minutes(wc: Any, settings: Any) -> None:
    from amahoro.cases import schedule, tasks
    from amahoro.core.tasks import resolve

    entry = schedule.deadline_beat_schedule()["gbv-deadlines-notify"]
    assert (
        entry["args"]
        == [schedule.DEADLINES_TASK]
        == settings.CELERY_BEAT_SCHEDULE["gbv-deadlines-notify"]["args"]
    )
    rape_case(wc.worker, hours_ago=61)
    assert resolve(schedule.DEADLINES_TASK)() == {"closing": 1, "passed": 0}
    assert tasks.deadlines_notify() == {"closing": 0, "passed": 0}  # once


def test_a_notice_recorded_by_a_concurrent_run_is_not_sent_again(wc: Any) -> None:
    """Two runs at the same moment: the one that finds the (case, kind, stage) row already written (the
    unique constraint) sends nothing and says so."""
    from amahoro import policy
    from amahoro.cases.deadline_notices import _send

    incident = rape_case(wc.worker)
    now = start_of(incident) + 72 * H - 11 * H
    c = deadlines.countdown(
        kind=deadlines.PEP,
        incident_date=incident.incident_date,
        incident_time=incident.incident_time,
        hours=72,
        now=now,
    )
    notice = DeadlineNotice.objects.create(
        incident=incident, kind=deadlines.PEP, stage=DeadlineNotice.Stage.CLOSING, sent_at=now
    )
    assert str(notice) == f"{incident.pk}/{deadlines.PEP}/closing"
    assert _send(incident, c, DeadlineNotice.Stage.CLOSING, actor=policy.SYSTEM, now=now) is False
    assert not Notification.objects.exists()
    assert DeadlineNotice.objects.count() == 1
