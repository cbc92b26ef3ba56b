"""Routing rules kept by the holders of signal.configure, within their places (list, create, edit,
deactivate), for the pages under /warning/routing/ and /api/v1/ewer/routing-rules. Each write audits. A rule
is deactivated, never deleted: the signals it routed keep their responder and the audit its history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import RoutingRule, SignalType, Urgency

HOURS_FIELDS = tuple(f"hours_{u}" for u in Urgency.values)
MAX_HOURS = 24 * 365
FIELDS = ("signal_type", "org_unit", "responder", *HOURS_FIELDS, "is_active")


# --- Reads -------------------------------------------------------------------------------------------------


def routing_rules_visible(*, user: Actor, active: bool | None = None) -> QuerySet[RoutingRule]:
    """The rules at places within the user's signal.configure subtrees (deepest places last)."""
    qs = policy.visible(
        user,
        Perm.SIGNAL_CONFIGURE,
        RoutingRule.objects.select_related("signal_type", "org_unit", "responder"),
    )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("org_unit__path", "signal_type__code", "id")


def routing_rule_get(*, user: Actor, ident: str | uuid.UUID) -> RoutingRule:
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound("routing rule not found") from None
    rule = routing_rules_visible(user=user).filter(uuid=key).first()
    if rule is None:
        raise NotFound("routing rule not found")
    return rule


# --- Validation --------------------------------------------------------------------------------------------


def _type(value: Any) -> SignalType | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # any type
    code = str(value).strip()[:50]
    kind = SignalType.objects.filter(code=code).first()
    if kind is None:
        raise ValidationFailed(f"unknown signal type '{code}' (empty: any type)", field="signal_type")
    if not kind.is_active:
        raise ValidationFailed(f"the signal type '{code}' is deactivated", field="signal_type")
    return kind


def _unit(actor: Actor, value: Any) -> OrgUnit:
    code = str(value or "").strip()[:50]
    if not code:
        raise ValidationFailed("org_unit is required (a place code)", field="org_unit")
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(f"unknown place '{code}'", field="org_unit")
    if not policy.can_in(actor, Perm.SIGNAL_CONFIGURE, org_unit=unit):
        raise PermissionDenied(
            f"you may not configure early warning at '{code}'", field="org_unit", code="permission_denied"
        )
    return unit


def _responder(value: Any) -> Organisation:
    code = str(value or "").strip()[:50]
    if not code:
        raise ValidationFailed("responder is required (an organisation code)", field="responder")
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise ValidationFailed(f"unknown organisation '{code}'", field="responder")
    if not org.is_active:
        raise ValidationFailed(f"the organisation '{code}' is deactivated", field="responder")
    return org


def _hours(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(f"{name} must be a whole number of hours", field=name)
    try:
        hours = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a whole number of hours, not '{str(value)[:20]}'", field=name
        ) from None
    if hours < 1:
        raise ValidationFailed(f"{name} must be at least 1 hour, not {hours}", field=name)
    if hours > MAX_HOURS:
        raise ValidationFailed(f"{name} must be at most {MAX_HOURS} hours (a year), not {hours}", field=name)
    return hours


# --- Writes ------------------------------------------------------------------------------------------------


def _summary(rule: RoutingRule) -> dict[str, object]:
    return {
        "signal_type": rule.signal_type.code if rule.signal_type else None,
        "org_unit": rule.org_unit.code,
        "responder": rule.responder.code,
        **{f: getattr(rule, f) for f in HOURS_FIELDS},
        "is_active": rule.is_active,
    }


def _audit(
    actor: Actor, action: AuditAction, rule: RoutingRule, changes: Mapping[str, object], message: str
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=rule,
        object_id=str(rule.uuid),
        org_unit_path=rule.org_unit.path,
        changes=dict(changes),
        message=message,
    )


@transaction.atomic
def routing_rule_save(
    *, actor: Actor, values: Mapping[str, Any], rule: RoutingRule | None = None
) -> RoutingRule:
    """Create a rule (rule=None; signal_type empty for any type, org_unit and responder codes required, hours
    default 4/24/72) or change the given fields of one. Needs signal.configure over the rule's place (the old
    one and the new one). A bad value is a ValidationFailed naming the field."""
    policy.check_actor(actor)
    policy.require(
        actor, Perm.SIGNAL_CONFIGURE, message="Only early-warning administrators configure routing"
    )
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationFailed(f"unknown field '{unknown[0]}'", field=unknown[0])
    creating = rule is None
    if rule is None:
        rule = RoutingRule()
        if "org_unit" not in values:
            raise ValidationFailed("org_unit is required (a place code)", field="org_unit")
        if "responder" not in values:
            raise ValidationFailed("responder is required (an organisation code)", field="responder")
    else:
        if not policy.can(actor, Perm.SIGNAL_CONFIGURE, rule):
            raise NotFound("routing rule not found")
        before = _summary(rule)
    if "signal_type" in values:
        rule.signal_type = _type(values["signal_type"])
    if "org_unit" in values:
        rule.org_unit = _unit(actor, values["org_unit"])
    if "responder" in values:
        rule.responder = _responder(values["responder"])
    for name in HOURS_FIELDS:
        if name in values:
            setattr(rule, name, _hours(name, values[name]))
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            raise ValidationFailed("is_active must be true or false", field="is_active")
        rule.is_active = values["is_active"]
    if creating:
        rule.created_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    rule.save()
    after = _summary(rule)
    if creating:
        _audit(actor, AuditAction.CREATE, rule, after, f"routing rule created: {after}")
    else:
        changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if changed:
            _audit(actor, AuditAction.UPDATE, rule, changed, "routing rule changed")
    return rule


def routing_rule_deactivate(*, actor: Actor, rule: RoutingRule) -> RoutingRule:
    """Stop a rule routing new signals (kept for the history). Deactivating an inactive rule changes nothing."""
    return routing_rule_save(actor=actor, values={"is_active": False}, rule=rule)
