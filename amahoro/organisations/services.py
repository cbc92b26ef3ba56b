"""Writes to organisations: create, update, operating areas, contacts. Every write takes `actor=` (the user,
or `policy.SYSTEM` for the command line and the demo); `actor=None` is refused."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit

from .models import Contact, Organisation, OrganisationType

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")


def _validate(code: str, name: str, type: str) -> None:
    if not CODE_RE.match(code or ""):
        raise ValidationFailed(
            f"invalid organisation code '{code}': use 1-50 letters, digits, '-' or '_'", field="code"
        )
    if not (name or "").strip():
        raise ValidationFailed("organisation name is required", field="name")
    if type not in OrganisationType.values:
        raise ValidationFailed(
            f"unknown organisation type '{type}' (one of: {', '.join(OrganisationType.values)})", field="type"
        )


@transaction.atomic
def organisation_create(
    *,
    actor: policy.Actor,
    code: str,
    name: str,
    type: str,
    short_name: str = "",
    areas: Iterable[OrgUnit] = (),
    **extra: str,
) -> Organisation:
    policy.check_actor(actor)
    _validate(code, name, type)
    if Organisation.objects.filter(code__iexact=code).exists():
        raise ValidationFailed(f"an organisation with code '{code}' already exists", field="code")
    org = Organisation.objects.create(
        code=code, name=name.strip(), type=type, short_name=short_name, created_by_id=_user_id(actor), **extra
    )
    area_list = list(areas)
    if area_list:
        org.areas.set(area_list)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=org,
        organisation_id=org.pk,
        changes={"code": code, "name": name, "type": type, "areas": [a.code for a in area_list]},
    )
    return org


@transaction.atomic
def organisation_update(
    *,
    actor: policy.Actor,
    organisation: Organisation,
    areas: Iterable[OrgUnit] | None = None,
    **fields: str | bool,
) -> Organisation:
    policy.check_actor(actor)
    allowed = {
        "name",
        "short_name",
        "type",
        "description",
        "email",
        "phone",
        "website",
        "address",
        "is_active",
        "iati_identifier",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    before = {k: getattr(organisation, k) for k in fields}
    _validate(
        organisation.code,
        str(fields.get("name", organisation.name)),
        str(fields.get("type", organisation.type)),
    )
    for k, v in fields.items():
        setattr(organisation, k, v)
    organisation.save()
    changes = diff(before, fields)
    if areas is not None:
        area_list = list(areas)
        old = sorted(organisation.areas.values_list("code", flat=True))
        organisation.areas.set(area_list)
        new = sorted(a.code for a in area_list)
        if old != new:
            changes["areas"] = [old, new]
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=organisation,
            organisation_id=organisation.pk,
            changes=changes,
        )
    return organisation


@transaction.atomic
def contact_add(
    *,
    actor: policy.Actor,
    organisation: Organisation,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    policy.check_actor(actor)
    if not name.strip():
        raise ValidationFailed("contact name is required", field="name")
    contact = Contact.objects.create(
        organisation=organisation,
        name=name,
        role=role,
        email=email,
        phone=phone,
        created_by_id=_user_id(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=contact,
        organisation_id=organisation.pk,
        changes={"name": name, "role": role},
    )
    return contact


def _user_id(actor: policy.Actor) -> int | None:
    """The user to name as `created_by` (none for the platform itself)."""
    return int(actor.pk) if actor.is_authenticated and actor.pk is not None else None
