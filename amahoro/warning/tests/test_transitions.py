"""signal_transition: each allowed move (and who may make it), each refused one (409 naming from/to), the
Transition row and audit, and assignment by name or by routing rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from amahoro.audit.models import AuditEvent
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification
from amahoro.warning.models import RoutingRule, SignalStatus, Transition
from amahoro.warning.services import allowed_moves, signal_transition

from .conftest import create

pytestmark = pytest.mark.django_db


def move(actor: Any, signal: Any, to: str, **kw: Any) -> Any:
    return signal_transition(actor=actor, signal=signal, to=to, **kw)


def test_full_path_new_verified_assigned_responding_resolved(ec: Any) -> None:
    signal = create()
    signal = move(ec.focal, signal, "verified", note="called the village chief")
    assert signal.verified_at is not None
    before = timezone.now()
    signal = move(ec.focal, signal, "assigned", assign_to="RIB")
    assert signal.assigned_to == ec.rib
    assert before + timedelta(hours=24) <= signal.due_at <= timezone.now() + timedelta(hours=24)
    signal = move(ec.responder, signal, "responding")
    assert signal.responded_at is not None
    signal = move(ec.responder, signal, "resolved", note="family mediated, girl in school")
    assert signal.status == SignalStatus.RESOLVED and signal.resolved_at is not None
    rows = list(
        Transition.objects.filter(signal=signal).values_list("from_status", "to_status", "by__username")
    )
    assert rows == [
        ("new", "verified", "focal"),
        ("verified", "assigned", "focal"),
        ("assigned", "responding", "responder"),
        ("responding", "resolved", "responder"),
    ]
    audits = AuditEvent.objects.filter(object_id=str(signal.uuid), action="update")
    assert audits.count() == 4
    assert all("mediated" not in str(a.changes) + a.message for a in audits)


def test_new_can_be_assigned_directly_and_counts_as_verified(ec: Any) -> None:
    signal = move(ec.focal, create(), "assigned", assign_to="MAJ")
    assert signal.verified_at is not None and signal.assigned_to == ec.maj


def test_assignment_without_a_name_uses_the_routing_rule(ec: Any) -> None:
    RoutingRule.objects.create(
        signal_type=ec.gbv, org_unit=OrgUnit.objects.get(code="11"), responder=ec.rib, hours_high=6
    )
    signal = move(ec.focal, create(), "verified")
    before = timezone.now()
    signal = move(ec.focal, signal, "assigned")
    assert signal.assigned_to == ec.rib
    assert before + timedelta(hours=6) <= signal.due_at <= timezone.now() + timedelta(hours=6)


def test_assignment_without_rule_or_name_names_the_field(ec: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(ec.focal, create(), "assigned")
    assert exc.value.field == "assign_to"
    with pytest.raises(ValidationFailed) as exc:
        move(ec.focal, create(), "assigned", assign_to="NOPE")
    assert exc.value.field == "assign_to"


def test_assignment_notifies_the_responder_organisation_without_content(ec: Any) -> None:
    move(ec.focal, create(), "assigned", assign_to="RIB")
    notes = Notification.objects.filter(event__startswith="signal.assigned")
    assert {n.recipient.username for n in notes} == {"responder"}
    assert all("Qwertyuiop" not in n.title + n.body for n in notes)


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], "responding"),
        ([], "resolved"),
        ([], "new"),
        (["discarded"], "verified"),
        (["discarded"], "assigned"),
        (["verified"], "verified"),
        (["verified"], "resolved"),
        (["assigned"], "resolved"),
        (["assigned"], "verified"),
    ],
)
def test_other_moves_are_conflicts_naming_from_and_to(ec: Any, path: list[str], to: str) -> None:
    signal = create()
    for step in path:
        signal = move(ec.focal, signal, step, assign_to="RIB" if step == "assigned" else None)
    with pytest.raises(Conflict) as exc:
        move(ec.focal, signal, to)
    assert signal.status in exc.value.message and to in exc.value.message


def test_unknown_status_names_the_field(ec: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(ec.focal, create(), "closed")
    assert exc.value.field == "to"


def test_responder_cannot_triage_and_other_organisation_cannot_respond(ec: Any) -> None:
    signal = create()
    with pytest.raises(PermissionDenied):
        move(ec.responder, signal, "verified")
    signal = move(ec.focal, signal, "assigned", assign_to="RIB")
    with pytest.raises(PermissionDenied):
        move(ec.maj_responder, signal, "responding")
    with pytest.raises(PermissionDenied):
        move(ec.me_officer, signal, "responding")


def test_focal_point_of_another_district_gets_not_found(ec: Any) -> None:
    with pytest.raises(NotFound):
        move(ec.focal_gasabo, create(), "verified")
    with pytest.raises(NotFound):
        move(ec.nobody, create(), "verified")


def test_system_admin_cannot_triage(ec: Any) -> None:
    with pytest.raises((PermissionDenied, NotFound)):
        move(ec.sysadmin, create(), "verified")


def test_allowed_moves_are_the_buttons(ec: Any) -> None:
    signal = create()
    assert allowed_moves(user=ec.focal, signal=signal) == ["verified", "discarded", "assigned"]
    assert allowed_moves(user=ec.responder, signal=signal) == []
    signal = move(ec.focal, signal, "assigned", assign_to="RIB")
    assert allowed_moves(user=ec.responder, signal=signal) == ["responding"]
    assert allowed_moves(user=ec.maj_responder, signal=signal) == []
