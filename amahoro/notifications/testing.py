"""For the tests of the modules that notify: who got an event, on which channels (in-app always, plus the
e-mail and SMS deliveries), so a test can say "the police provider's staff, and nobody else"."""

from __future__ import annotations

from django.db import models

from .models import Channel, Notification


def recipients_of(event: str, obj: models.Model | None = None) -> dict[str, set[str]]:
    """{username: {"in_app", "email", "sms"...}} of the notifications of `event` (about `obj`, if given)."""
    qs = Notification.objects.filter(event=event).select_related("recipient").prefetch_related("deliveries")
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(getattr(obj, "uuid", None) or obj.pk))
    out: dict[str, set[str]] = {}
    for n in qs:
        channels = out.setdefault(n.recipient.get_username(), set())
        channels.add(Channel.IN_APP.value)
        channels.update(d.channel for d in n.deliveries.all())
    return out
