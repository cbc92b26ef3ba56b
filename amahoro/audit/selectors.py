"""Reads of the audit log, narrowed by the policy module."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from amahoro import policy
from amahoro.roles import Perm

from .models import AuditEvent


def events_visible_to(
    *,
    user: Any,
    perm: Perm = Perm.AUDIT_VIEW,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    sensitive: bool | None = None,
) -> QuerySet[AuditEvent]:
    qs = policy.visible(user, perm, AuditEvent.objects.select_related("organisation"))
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_username=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    if sensitive is not None:
        qs = qs.filter(sensitive=sensitive)
    return qs.order_by("-at", "-id")
