"""Reads of the early-warning module, always narrowed by the policy module (access.py says who sees what):
lists start from `signals_visible_to`, one signal comes from `access_signal` (missing and forbidden are
both "not found"), and `disclosure` says whether the description and the reporter may be shown."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

from .models import Signal, SignalStatus, SignalType

OPEN = (SignalStatus.NEW, SignalStatus.VERIFIED, SignalStatus.ASSIGNED)


def signal_types(*, include_inactive: bool = False) -> QuerySet[SignalType]:
    qs = SignalType.objects.all()
    return qs if include_inactive else qs.filter(is_active=True)


def signals_visible_to(*, user: policy.Actor) -> QuerySet[Signal]:
    return policy.visible(
        user, Perm.SIGNAL_VIEW, Signal.objects.select_related("type", "org_unit", "assigned_to")
    )


def signals_search(
    *,
    user: policy.Actor,
    status: str = "",
    type: str = "",
    org_unit: str = "",
    overdue: bool | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Signal]:
    """The signals the user sees, filtered; a bad filter raises ValidationFailed naming it."""
    qs = signals_visible_to(user=user)
    if status:
        if status not in SignalStatus.values:
            raise ValidationFailed(f"unknown status '{status[:20]}'", field="status")
        qs = qs.filter(status=status)
    if type:
        if not SignalType.objects.filter(code=type[:50]).exists():
            raise ValidationFailed(f"unknown signal type '{type[:50]}'", field="type")
        qs = qs.filter(type__code=type)
    if org_unit:
        unit = OrgUnit.objects.filter(code=org_unit[:50]).first()
        if unit is None:
            raise ValidationFailed(f"unknown place '{org_unit[:50]}'", field="org_unit")
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if overdue is not None:
        moment = now or timezone.now()
        late = qs.filter(status__in=OPEN, due_at__lt=moment)
        qs = late if overdue else qs.exclude(pk__in=late.values("pk"))
    return qs.order_by("-created_at", "-id")


def access_signal(*, user: policy.Actor, ident: str | uuid.UUID) -> Signal:
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound("signal not found") from None
    signal = signals_visible_to(user=user).filter(uuid=key).first()
    if signal is None:
        raise NotFound("signal not found")
    return signal


@dataclass(frozen=True)
class Disclosure:
    """What of a signal this user may read: the description (and transition notes) and the reporter."""

    content: bool
    reporter: bool


def disclosure(*, user: policy.Actor, signal: Signal) -> Disclosure:
    triage = policy.can(user, Perm.SIGNAL_TRIAGE, signal) and not policy.is_system(user)
    respond = policy.can(user, Perm.SIGNAL_RESPOND, signal) and signal.assigned_to_id is not None
    return Disclosure(content=triage or respond, reporter=triage)


def is_overdue(signal: Signal, now: dt.datetime | None = None) -> bool:
    return bool(signal.status in OPEN and signal.due_at and signal.due_at < (now or timezone.now()))
