"""The one door for telling people something: `notify()`; every module calls it, none sends mail itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils import translation

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.policy import Actor

from . import events
from .models import Notification


def _render(text: Any, context: Mapping[str, Any]) -> str:
    return str(text) % dict(context) if context else str(text)


@transaction.atomic
def notify(
    recipients: Iterable[User],
    event: str,
    obj: models.Model | None = None,
    *,
    actor: Actor,
    link: str = "",
    context: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """One in-app notification per (distinct, active) recipient, worded by the event in the recipient's
    language; e-mail and SMS deliveries follow the recipient's preferences (sent by a task)."""
    policy.check_actor(actor)
    kind = events.get(event)
    context = dict(context or {})
    label = obj._meta.label_lower if obj is not None else ""
    object_id = str(getattr(obj, "uuid", None) or getattr(obj, "pk", "")) if obj is not None else ""
    out: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or "en"):
            title = _render(kind.title, context)[:200]
            body = _render(kind.body, context) if kind.body else ""
        out.append(
            Notification.objects.create(
                recipient=user,
                event=event,
                title=title,
                body=body,
                link=link,
                object_type=label,
                object_id=object_id,
            )
        )
    return out
