"""signal_create: validation naming the field, once per (source, source_ref), routing, audit, notification."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification
from amahoro.warning.models import RoutingRule, Signal, SignalStatus
from amahoro.warning.services import signal_create

from .conftest import DESCRIPTION, REPORTER, create, yesterday

pytestmark = pytest.mark.django_db


def test_created_signal_is_new_encrypted_and_defaults_to_type_urgency(ec: Any) -> None:
    signal = create()
    assert signal.status == SignalStatus.NEW
    assert signal.urgency == "high"  # the type's default
    assert signal.description == DESCRIPTION and signal.reporter == REPORTER
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT description, reporter FROM warning_signal WHERE id = %s", [signal.pk])
        raw = " ".join(str(v) for v in cur.fetchone())
    assert "Qwertyuiop" not in raw and "Reportername" not in raw


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "nope"}, "type"),
        ({"type": ""}, "type"),
        ({"org_unit": "99999"}, "org_unit"),
        ({"org_unit": "11"}, "org_unit"),  # a district
        ({"org_unit": "RW"}, "org_unit"),
        ({"occurred_on": date.today() + timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": date.today() - timedelta(days=400)}, "occurred_on"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"urgency": "extreme"}, "urgency"),
        ({"description": "x" * 2001}, "description"),
        ({"reporter": {"name": "x" * 201}}, "reporter.name"),
        ({"reporter": {"phone": "1" * 31}}, "reporter.phone"),
        ({"reporter": {"email": "a@b.c"}}, "reporter.email"),
        ({"source": "fax"}, "source"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_stored(
    ec: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(**overrides)
    assert exc.value.field == field
    assert not Signal.objects.exists()


def test_inactive_type_is_unknown(ec: Any) -> None:
    ec.land.is_active = False
    ec.land.save()
    with pytest.raises(ValidationFailed) as exc:
        create(type="land_dispute")
    assert exc.value.field == "type"


def test_a_district_is_allowed_for_detectors_only(ec: Any) -> None:
    assert create(org_unit="11", source="detector").org_unit.code == "11"


def test_same_source_ref_is_stored_once(ec: Any) -> None:
    first, created = signal_create(
        actor=policy.SYSTEM,
        type="gbv",
        org_unit="1101",
        occurred_on=yesterday(),
        source="sms",
        source_ref="AT-1",
    )
    assert created
    audits = AuditEvent.objects.count()
    notes = Notification.objects.count()
    again, created_again = signal_create(
        actor=policy.SYSTEM,
        type="land_dispute",
        org_unit="1102",
        occurred_on=yesterday(),
        source="sms",
        source_ref="AT-1",
    )
    assert (again.pk, created_again) == (first.pk, False)
    assert Signal.objects.count() == 1
    assert AuditEvent.objects.count() == audits and Notification.objects.count() == notes
    # the same reference from another source is another signal
    _other, created_other = signal_create(
        actor=policy.SYSTEM,
        type="gbv",
        org_unit="1101",
        occurred_on=yesterday(),
        source="odk",
        source_ref="AT-1",
    )
    assert created_other


def test_without_a_rule_no_responder_and_default_deadline(ec: Any, settings: Any) -> None:
    settings.EWER_DEADLINE_HOURS = {"immediate": 2, "high": 12, "routine": 48}
    before = timezone.now()
    signal = create(urgency="immediate")
    assert signal.assigned_to is None
    assert before + timedelta(hours=2) <= signal.due_at <= timezone.now() + timedelta(hours=2)


def test_most_specific_rule_wins(ec: Any) -> None:
    unit = {u.code: u for u in OrgUnit.objects.filter(code__in=["RW", "11", "1101"])}
    RoutingRule.objects.create(signal_type=None, org_unit=unit["1101"], responder=ec.ngo)  # any type, deep
    RoutingRule.objects.create(signal_type=ec.gbv, org_unit=unit["RW"], responder=ec.maj, hours_high=30)
    RoutingRule.objects.create(signal_type=ec.gbv, org_unit=unit["11"], responder=ec.rib, hours_high=10)
    RoutingRule.objects.create(signal_type=ec.gbv, org_unit=unit["1101"], responder=ec.ngo, is_active=False)
    before = timezone.now()
    gbv = create()
    assert gbv.assigned_to == ec.rib  # type-specific beats any type; district beats country; inactive ignored
    assert before + timedelta(hours=10) <= gbv.due_at <= timezone.now() + timedelta(hours=10)
    assert create(type="land_dispute").assigned_to == ec.ngo  # only the any-type rule matches
    assert create(org_unit="1201").assigned_to == ec.maj  # Gasabo: only the country rule


def test_audit_row_names_type_place_urgency_not_description_or_reporter(ec: Any) -> None:
    signal = create()
    row = AuditEvent.objects.get(object_type="warning.signal", object_id=str(signal.uuid))
    text = f"{row.changes} {row.message} {row.object_repr}"
    assert "gbv" in text and "1101" in text
    assert "Qwertyuiop" not in text and "Reportername" not in text and "788 555 444" not in text
    assert (
        "788555444" not in text
    )  # the phone in any spelling (a bare "555" can be a timestamp's microseconds)


def test_focal_points_of_the_place_are_notified_without_content(ec: Any) -> None:
    create()
    notes = Notification.objects.filter(event__startswith="signal.new")
    assert {n.recipient.username for n in notes} == {"focal", "focal_kigali", "focal_national"}
    for n in notes:
        assert "Qwertyuiop" not in n.title + n.body and "Reportername" not in n.title + n.body
        assert "GBV incident or threat" in n.title


def test_immediate_signal_is_an_urgent_event(ec: Any) -> None:
    create(urgency="immediate")
    assert Notification.objects.filter(event="signal.new.immediate").exists()


def test_person_outside_the_network_cannot_create_through_the_service(ec: Any) -> None:
    with pytest.raises(ValidationFailed):
        create(actor=ec.nobody)
    with pytest.raises(ValidationFailed):
        create(actor=ec.focal_gasabo)  # 1101 is in Nyarugenge
    assert create(actor=ec.focal).created_by == ec.focal
