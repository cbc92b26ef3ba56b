"""signals_escalate: at the deadline nothing happens; a second later the district's focal points are told;
then the province and the country, each only after another deadline period; closed signals never."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from amahoro.notifications.models import Notification
from amahoro.warning.models import Signal
from amahoro.warning.services import signal_transition, signals_escalate

from .conftest import create

pytestmark = pytest.mark.django_db


def overdue_to(signal: Any) -> set[str]:
    return set(
        Notification.objects.filter(event="signal.overdue", object_id=str(signal.uuid)).values_list(
            "recipient__username", flat=True
        )
    )


def test_deadline_boundary(ec: Any) -> None:
    signal = create()  # high: 24 h by default
    due = signal.due_at
    assert signals_escalate(due) == 0
    signal.refresh_from_db()
    assert signal.escalation_level == 0 and signal.escalated_at is None
    assert signals_escalate(due + timedelta(seconds=1)) == 1
    signal.refresh_from_db()
    assert signal.escalation_level == 1 and signal.escalated_at == due + timedelta(seconds=1)
    assert overdue_to(signal) == {"focal"}  # the district's focal point


def test_each_level_up_only_after_another_period(ec: Any) -> None:
    signal = create()
    period = timedelta(hours=24)
    t1 = signal.due_at + timedelta(seconds=1)
    assert signals_escalate(t1) == 1
    assert signals_escalate(t1 + timedelta(hours=1)) == 0  # not again within the period
    assert signals_escalate(t1 + period) == 0  # exactly one period later: not yet
    Notification.objects.all().delete()
    assert signals_escalate(t1 + period + timedelta(seconds=1)) == 1
    signal.refresh_from_db()
    assert signal.escalation_level == 2 and overdue_to(signal) == {"focal_kigali"}
    Notification.objects.all().delete()
    t3 = t1 + 2 * period + timedelta(seconds=2)
    assert signals_escalate(t3) == 1
    signal.refresh_from_db()
    assert signal.escalation_level == 3 and overdue_to(signal) == {"focal_national"}
    assert signals_escalate(t3 + 10 * period) == 0  # the country is the top


def test_responding_resolved_discarded_never_escalate(ec: Any) -> None:
    discarded = signal_transition(actor=ec.focal, signal=create(), to="discarded")
    responding = signal_transition(actor=ec.focal, signal=create(), to="assigned", assign_to="RIB")
    responding = signal_transition(actor=ec.responder, signal=responding, to="responding")
    later = timezone.now() + timedelta(days=30)
    assert signals_escalate(later) == 0
    for s in (discarded, responding):
        s.refresh_from_db()
        assert s.escalation_level == 0


def test_overdue_notification_has_no_content(ec: Any) -> None:
    signal = create(urgency="immediate")
    signals_escalate(signal.due_at + timedelta(seconds=1))
    note = Notification.objects.get(event="signal.overdue")
    assert "Qwertyuiop" not in note.title + note.body and "Reportername" not in note.title + note.body
    assert "Nyarugenge" in note.body


def test_command_escalates(ec: Any) -> None:
    signal = create()
    Signal.objects.filter(pk=signal.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("ewer_escalate", stdout=out)
    assert "1 overdue signal(s) escalated" in out.getvalue()


def test_beat_runs_every_five_minutes(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["ewer-signals-escalate"]
    assert entry["args"] == ["amahoro.warning.tasks.signals_escalate"]
    assert entry["schedule"].minute == set(range(0, 60, 5))


def test_a_district_alarm_escalates_to_the_district_then_up(ec: Any) -> None:
    signal = create(org_unit="11", source="detector")
    t1 = signal.due_at + timedelta(seconds=1)
    signals_escalate(t1)
    assert overdue_to(signal) == {"focal"}
