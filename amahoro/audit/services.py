"""audit_record(): the one way to write the audit log, called inside the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models

from amahoro import policy

from .context import current
from .models import AuditAction, AuditEvent

# Field names whose values never go into the audit log (personal or secret data).
SCRUBBED_FIELDS = frozenset({"password", "key", "key_hash", "name_enc", "phone", "secret", "token"})


def _scrub(changes: Mapping[str, object]) -> dict[str, object]:
    return {k: ("[scrubbed]" if k in SCRUBBED_FIELDS else v) for k, v in changes.items()}


def audit_record(
    *,
    actor: policy.Actor | None,  # None: nobody (an anonymous public action); SYSTEM: the platform
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    organisation_id: int | None = None,
    org_unit_path: str = "",
    sensitive: bool = False,
    changes: Mapping[str, object] | None = None,
    message: str = "",
) -> AuditEvent:
    ctx = current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_id, username = (
        (actor.pk, actor.username) if actor is not None and actor.is_authenticated else (None, "")
    )
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_username=username,
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        organisation_id=organisation_id,
        org_unit_path=org_unit_path,
        sensitive=sensitive,
        changes=_scrub(changes or {}),
        message=message[:500],
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
    )


def diff(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, object]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
