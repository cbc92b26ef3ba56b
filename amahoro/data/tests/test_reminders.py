"""Reporting reminders and the worklist's due reports: `report.due` N days before the due date and
`report.late` N days after it, to the clerk responsible for the place (not the clerk of another district or
organisation), each once however often the job runs; `due_for` lists what a user owes, oldest first."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from amahoro import policy
from amahoro.data import completeness, registrations
from amahoro.data.models import DataSet, ReportingReminder
from amahoro.data.reminder_schedule import beat_schedule
from amahoro.data.reminders import recipients_for, send_reporting_reminders
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification
from conftest import make_user

pytestmark = pytest.mark.django_db

DUE = dt.date(2024, 2, 15)  # January's reports: 31 January + 15 days


@pytest.fixture
def setup(cast) -> Any:
    ds = DataSet.objects.create(
        code="MONTHLY", name="Monthly report", period_type="Monthly", organisation=cast.ngo
    )
    ds.org_units.set(OrgUnit.objects.filter(code__in=("1101", "1201")))
    cast.clerk_gasabo = make_user("clerk_gasabo", ("data_clerk", cast.ngo, "1201"))
    cast.police_clerk = make_user("police_clerk", ("data_clerk", cast.police, "1101"))
    cast.ds = ds
    return cast


def sent(event: str, period_name: str = "January 2024") -> dict[str, list[str]]:
    """{username: [titles]} of the notifications of `event` about January."""
    out: dict[str, list[str]] = {}
    for n in Notification.objects.filter(event=event).select_related("recipient"):
        if period_name in n.title:
            out.setdefault(n.recipient.username, []).append(n.title)
    return out


def test_due_reminder_reaches_the_closest_clerk_of_the_place_only(setup) -> None:
    send_reporting_reminders(today=DUE - dt.timedelta(days=3))
    got = sent("report.due")
    assert set(got) == {
        "clerk_sector",
        "clerk_gasabo",
    }  # not the district M&E officer, nor the police's clerk
    [title] = got["clerk_sector"]
    assert title.startswith("Report due: Monthly report for ") and title.endswith(", January 2024")
    note = Notification.objects.get(recipient__username="clerk_sector", event="report.due")
    assert (
        note.link.startswith("/data/entry/?")
        and "org_unit=1101" in note.link
        and "period=202401" in note.link
    )
    assert "2024-02-15" in note.body


def test_nothing_before_the_reminder_window(setup) -> None:
    send_reporting_reminders(today=DUE - dt.timedelta(days=4))
    assert sent("report.due") == {}


def test_reminders_are_sent_once_however_often_the_job_runs(setup) -> None:
    day = DUE - dt.timedelta(days=3)
    first = send_reporting_reminders(today=day)
    again = send_reporting_reminders(today=day)
    later = send_reporting_reminders(today=DUE)
    assert first.due >= 2 and again.due == 0 and later.due == 0
    assert Notification.objects.filter(event="report.due", recipient__username="clerk_sector").count() == len(
        {n.title for n in Notification.objects.filter(event="report.due", recipient__username="clerk_sector")}
    )
    assert len(sent("report.due")["clerk_sector"]) == 1
    assert ReportingReminder.objects.filter(kind="due", period__code="202401").count() == 2


def test_late_reminder_n_days_after_the_due_date_unless_received(setup) -> None:
    target = registrations.target_resolve(
        actor=policy.SYSTEM,
        data_set=setup.ds,
        org_unit=OrgUnit.objects.get(code="1201"),
        period_code="202401",
    )
    registrations.registration_set(
        actor=policy.SYSTEM, target=target, date=timezone.make_aware(dt.datetime(2024, 2, 16, 9))
    )
    send_reporting_reminders(today=DUE + dt.timedelta(days=2))
    assert sent("report.late") == {}
    send_reporting_reminders(today=DUE + dt.timedelta(days=3))
    assert set(sent("report.late")) == {"clerk_sector"}  # Gasabo's came in (late, but in)
    send_reporting_reminders(today=DUE + dt.timedelta(days=4))
    assert len(sent("report.late")["clerk_sector"]) == 1


def test_days_before_and_after_are_per_data_set_with_installation_defaults(setup) -> None:
    setup.ds.remind_days_before = 7
    setup.ds.save()
    send_reporting_reminders(today=DUE - dt.timedelta(days=7))
    assert set(sent("report.due")) == {"clerk_sector", "clerk_gasabo"}
    with override_settings(AMAHORO_REPORT_REMIND_DAYS_AFTER=1):
        send_reporting_reminders(today=DUE + dt.timedelta(days=1))
    assert set(sent("report.late")) == {"clerk_sector", "clerk_gasabo"}


def test_recipients_fall_back_to_the_wider_subtree_when_no_clerk_is_closer(setup) -> None:
    place = OrgUnit.objects.get(code="1102")
    assert [u.username for u in recipients_for(org_unit=place, organisation_id=setup.ngo.pk)] == [
        "me_nyarugenge"
    ]
    assert [u.username for u in recipients_for(org_unit=place, organisation_id=setup.police.pk)] == [
        "police_me_nyarugenge"
    ]


def test_command_prints_counts_and_dry_run_sends_nothing(setup) -> None:
    out = StringIO()
    call_command("send_reporting_reminders", "--date", "2024-02-12", "--dry-run", stdout=out)
    assert json.loads(out.getvalue())["due"] >= 2
    assert not Notification.objects.exists() and not ReportingReminder.objects.exists()
    out = StringIO()
    call_command("send_reporting_reminders", "--date", "2024-02-12", stdout=out)
    assert json.loads(out.getvalue())["due"] >= 2 and Notification.objects.filter(event="report.due").exists()


def test_due_for_lists_the_users_reports_oldest_first(setup) -> None:
    items = completeness.due_for(user=setup.clerk_sector, today=DUE - dt.timedelta(days=1))
    january = [i for i in items if i.period == "202401"]
    assert [(i.org_unit_code, i.state, i.due_on) for i in january] == [("1101", "due", DUE)]
    assert "org_unit=1101" in january[0].link and "data_set=MONTHLY" in january[0].link
    assert [i.due_on for i in items] == sorted(i.due_on for i in items)
    late = completeness.due_for(user=setup.clerk_sector, today=DUE + dt.timedelta(days=1))
    assert [i.state for i in late if i.period == "202401"] == ["late"]
    gasabo = completeness.due_for(user=setup.clerk_gasabo, today=DUE - dt.timedelta(days=1))
    assert {i.org_unit_code for i in gasabo} == {"1201"}
    assert completeness.due_for(user=setup.police_clerk, today=DUE) == []
    assert completeness.due_for(user=setup.viewer_nyarugenge, today=DUE) == []


def test_beat_entry_runs_daily_at_the_configured_hour() -> None:
    entry = beat_schedule("7")["reporting-reminders-daily"]
    assert entry["args"] == ["amahoro.data.tasks.reporting_reminders"]
    assert beat_schedule("") == {}
    with pytest.raises(ValueError, match="0-23"):
        beat_schedule("25")
