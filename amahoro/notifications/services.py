"""The one door for telling people something: `notify()`; every module calls it, none sends mail itself.
Also the recipient's own changes: marking notifications read and setting their channels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.core.tasks import run_task
from amahoro.policy import Actor

from . import events
from .models import Channel, Delivery, DeliveryStatus, Notification, Preference

SEND_TASK = "amahoro.notifications.tasks.send_pending"

# Context keys that can only mean a survivor's identity or story (a caller's mistake, refused loudly). Plain
# "name" stays allowed: callers name data sets, places and organisations with it.
FORBIDDEN_KEYS = frozenset(
    {
        "survivor",
        "survivor_name",
        "survivor_phone",
        "phone",
        "phone_number",
        "address",
        "narrative",
        "incident_narrative",
    }
)
# A value that is a phone number and nothing else ("+250 788 123 456", "0788123456").
PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{9,}$", re.ASCII)
# Rwanda's mobile numbers as people write them: 07XXXXXXXX or 2507XXXXXXXX; stored in E.164 (+2507...).
_E164 = re.compile(r"^\+[1-9]\d{7,14}$", re.ASCII)


def _render(text: Any, context: Mapping[str, Any]) -> str:
    return str(text) % dict(context) if context else str(text)


def _check_context(event: str, context: Mapping[str, Any]) -> None:
    """Callers pass survivor codes, service labels, place names, periods and counts; a key or value that
    looks like a name, phone or narrative is a bug in the caller, so it fails before anything is stored."""
    for key, value in context.items():
        if key.lower() in FORBIDDEN_KEYS:
            raise ValueError(f"notification '{event}': context key '{key}' may identify a person")
        if isinstance(value, str) and PHONE_LIKE.match(value) and sum(c.isdigit() for c in value) >= 9:
            raise ValueError(f"notification '{event}': context '{key}' looks like a phone number")


def _outside_channels(
    user: User, preference: Preference | None, kind: events.Event, urgent: bool
) -> list[Channel]:
    """E-mail when the user has an address and e-mail on; SMS only for an urgent notification, with SMS on
    and a phone; none for muted events (they still appear in the app)."""
    email_on = preference.email if preference is not None else True
    sms_on = preference.sms if preference is not None else False
    if preference is not None and kind.code in (preference.muted_events or []):
        return []
    channels: list[Channel] = []
    if email_on and user.email:
        channels.append(Channel.EMAIL)
    if urgent and sms_on and preference is not None and preference.phone:
        channels.append(Channel.SMS)
    return channels


@transaction.atomic
def notify(
    recipients: Iterable[User],
    event: str,
    obj: models.Model | None = None,
    *,
    actor: Actor,
    link: str = "",
    context: Mapping[str, Any] | None = None,
    urgent: bool | None = None,
) -> list[Notification]:
    """One in-app notification per (distinct, active) recipient, worded by the event in the recipient's
    language; e-mail and SMS deliveries follow the recipient's preferences and are sent by a task queued
    when the transaction commits (so a rolled-back change tells nobody). `urgent` decides for this
    notification whether it may also go by SMS (None: the event's default, `Event.urgent`); a caller
    whose event is urgent only sometimes (a referral: by its urgency) says so per notification."""
    policy.check_actor(actor)
    kind = events.get(event)
    if urgent is None:
        urgent = kind.urgent
    context = dict(context or {})
    _check_context(event, context)
    label = obj._meta.label_lower if obj is not None else ""
    object_id = str(getattr(obj, "uuid", None) or getattr(obj, "pk", "")) if obj is not None else ""
    users = {user.pk: user for user in recipients if user.is_active}
    preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=users)}
    out: list[Notification] = []
    deliveries: list[Delivery] = []
    now = timezone.now()
    for user in users.values():
        with translation.override(user.language or "en"):
            title = _render(kind.title, context)[:200]
            body = _render(kind.body, context) if kind.body else ""
        notification = Notification.objects.create(
            recipient=user,
            event=event,
            title=title,
            body=body,
            link=link,
            object_type=label,
            object_id=object_id,
        )
        out.append(notification)
        for channel in _outside_channels(user, preferences.get(user.pk), kind, urgent):
            deliveries.append(Delivery(notification=notification, channel=channel, next_attempt_at=now))
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        run_task(SEND_TASK)
    return out


# --- The recipient's own changes -------------------------------------------------------------------------


def _signed_in(actor: Actor) -> User:
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise PermissionDenied("only a signed-in user has notifications", code="not_authenticated")
    return actor


def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (again: no change). Not audited: it records nothing
    about anyone but the reader, and would flood the log."""
    if notification.recipient_id != _signed_in(actor).pk:
        raise ValueError("only the recipient marks a notification read")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, actor: Actor) -> int:
    """Mark all the actor's unread notifications read; how many were unread."""
    return Notification.objects.filter(recipient=_signed_in(actor), read_at__isnull=True).update(
        read_at=timezone.now()
    )


def phone_normalise(raw: str) -> str:
    """A phone number in E.164 (+250788123456) from what people type (0788 123 456, 250788123456, +250...);
    empty stays empty. Anything else is a 400 naming `phone`."""
    value = re.sub(r"[\s().-]", "", raw or "")
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    elif value.startswith("07") and len(value) == 10:
        value = "+250" + value[1:]
    elif value.startswith("250") and len(value) == 12:
        value = "+" + value
    if not _E164.match(value):
        raise ValidationFailed(
            _("Give a mobile number such as 0788123456 or +250788123456."), field="phone", code="invalid"
        )
    return value


def preference_of(user: Actor) -> Preference:
    """The user's channels (the defaults, unsaved, when they never changed them: e-mail on, SMS off)."""
    user = _signed_in(user)
    try:
        return Preference.objects.get(user=user)
    except Preference.DoesNotExist:
        return Preference(user=user)


@transaction.atomic
def preference_update(
    *,
    actor: Actor,
    email: bool | None = None,
    sms: bool | None = None,
    phone: str | None = None,
    muted_events: list[str] | None = None,
) -> Preference:
    """Change the actor's own channels; what is not given stays. SMS needs a phone number; muted events
    must be known ones. Audited without the number (the audit log scrubs `phone`)."""
    actor = _signed_in(actor)
    preference = Preference.objects.select_for_update().filter(user=actor).first() or Preference(user=actor)
    before = {"email": preference.email, "sms": preference.sms, "muted_events": list(preference.muted_events)}
    had_phone = bool(preference.phone)
    if email is not None:
        preference.email = email
    if sms is not None:
        preference.sms = sms
    if phone is not None:
        preference.phone = phone_normalise(phone)
    if muted_events is not None:
        unknown = sorted(set(muted_events) - set(events.EVENTS))
        if unknown:
            raise ValidationFailed(
                _("Unknown event: %(code)s") % {"code": unknown[0]}, field="muted_events", code="invalid"
            )
        preference.muted_events = sorted(set(muted_events))
    if preference.sms and not preference.phone:
        raise ValidationFailed(_("Give a phone number to receive SMS."), field="phone", code="required")
    preference.save()
    after = {"email": preference.email, "sms": preference.sms, "muted_events": list(preference.muted_events)}
    changes: dict[str, object] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if phone is not None and (had_phone or preference.phone):
        changes["phone"] = "changed"
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=preference,
            object_repr=f"notification preferences of {actor.get_username()}",
            changes=changes,
        )
    return preference


def delivery_retry(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Try a failed delivery of one of the actor's notifications again now."""
    if delivery.notification.recipient_id != _signed_in(actor).pk:
        raise ValueError("only the recipient retries a delivery")
    if delivery.status == DeliveryStatus.FAILED:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            claimed_by="",
        )
        run_task(SEND_TASK)
        delivery.refresh_from_db()
    return delivery
