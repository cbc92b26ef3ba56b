"""Writes to the service directory: create, change, deactivate a provider. Each takes `actor=`, checks
directory.manage for the provider's organisation and audits in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import ServiceKind, ServiceProvider

LANGUAGES = ("rw", "en", "fr", "sw")
TEXT_FIELDS = {"name": 200, "phone": 40, "email": 254, "address": 300, "hours": 200, "accessibility": 2000}
FIELDS = (*TEXT_FIELDS, "services", "org_unit", "languages", "is_active")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            text = (value or "").strip()
            if len(text) > TEXT_FIELDS[name]:
                raise ValidationFailed(f"{name} is longer than {TEXT_FIELDS[name]} characters", field=name)
            out[name] = text
        elif name == "services":
            kinds = list(dict.fromkeys(value or []))
            unknown = [k for k in kinds if k not in ServiceKind.values]
            if unknown or not kinds:
                raise ValidationFailed(
                    f"services: give one or more of {', '.join(ServiceKind.values)}", field="services"
                )
            out[name] = kinds
        elif name == "languages":
            langs = list(dict.fromkeys(value or []))
            if any(lang not in LANGUAGES for lang in langs):
                raise ValidationFailed(f"languages: codes among {', '.join(LANGUAGES)}", field="languages")
            out[name] = langs
        else:
            out[name] = value
    if "name" in out and not out["name"]:
        raise ValidationFailed("name is required", field="name")
    return out


def _audit(actor: Actor, action: AuditAction, provider: ServiceProvider, changes: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=provider,
        object_id=str(provider.uuid),
        organisation_id=provider.organisation_id,
        org_unit_path=provider.org_unit.path if provider.org_unit else "",
        changes=changes,
    )


@transaction.atomic
def provider_create(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    services: list[str],
    org_unit: OrgUnit | None = None,
    areas: Iterable[OrgUnit] = (),
    phone: str = "",
    email: str = "",
    address: str = "",
    hours: str = "",
    languages: list[str] | None = None,
    accessibility: str = "",
) -> ServiceProvider:
    """A provider of `organisation` (directory.manage in that organisation, or a system administrator)."""
    policy.check_actor(actor)
    # The directory is kept per organisation, wherever its providers are (access.manage_rule).
    orgs = policy.organisations_with(actor, Perm.DIRECTORY_MANAGE)
    if orgs is not None and organisation.pk not in orgs:
        raise PermissionDenied("You may not add providers for this organisation", code="permission_denied")
    values = _clean(
        {
            "name": name,
            "services": services,
            "phone": phone,
            "email": email,
            "address": address,
            "hours": hours,
            "languages": languages or [],
            "accessibility": accessibility,
        }
    )
    provider = ServiceProvider.objects.create(
        organisation=organisation,
        org_unit=org_unit,
        created_by=actor if isinstance(actor, User) else None,
        **values,
    )
    area_list = list(areas)
    provider.areas.set(area_list)
    _audit(
        actor,
        AuditAction.CREATE,
        provider,
        {"name": provider.name, "services": provider.services, "areas": [a.code for a in area_list]},
    )
    return provider


@transaction.atomic
def provider_update(
    *, actor: Actor, provider: ServiceProvider, areas: Iterable[OrgUnit] | None = None, **fields: Any
) -> ServiceProvider:
    """Change the given fields (and the areas served, when given)."""
    policy.require(actor, Perm.DIRECTORY_MANAGE, provider, message="You may not change this provider")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationFailed(f"unknown field '{unknown[0]}'", field=unknown[0])
    values = _clean(fields)
    changed = sorted(k for k, v in values.items() if getattr(provider, k) != v)
    for key, value in values.items():
        setattr(provider, key, value)
    provider.save()
    if areas is not None:
        area_list = list(areas)
        if sorted(a.code for a in area_list) != sorted(provider.areas.values_list("code", flat=True)):
            provider.areas.set(area_list)
            changed.append("areas")
    _audit(actor, AuditAction.UPDATE, provider, {"fields": changed})
    return provider


def provider_deactivate(*, actor: Actor, provider: ServiceProvider) -> ServiceProvider:
    """No new referrals go to it; the referrals it already has keep naming it."""
    return provider_update(actor=actor, provider=provider, is_active=False)
