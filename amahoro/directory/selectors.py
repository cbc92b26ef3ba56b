"""Reads of the service directory. Lists start from `providers_visible_to`; one provider comes from
`access_provider` (404 for both missing and forbidden). A provider serves a place when one of its areas is
that place or an ancestor of it (a provider serving Gasabo serves every sector of Gasabo)."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import ServiceKind, ServiceProvider


def providers_visible_to(*, user: Actor, perm: Perm = Perm.ORGANISATION_VIEW) -> QuerySet[ServiceProvider]:
    return policy.visible(user, perm, ServiceProvider.objects.all()).select_related(
        "organisation", "org_unit"
    )


def serving(qs: QuerySet[ServiceProvider], unit: OrgUnit) -> QuerySet[ServiceProvider]:
    """The providers of `qs` one of whose areas is `unit` or an ancestor of it."""
    return qs.filter(
        pk__in=ServiceProvider.objects.filter(areas__path__in=ancestor_paths(unit.path)).values("pk")
    )


def offering(qs: QuerySet[ServiceProvider], kind: str) -> QuerySet[ServiceProvider]:
    """The providers of `qs` that offer service `kind` (a JSON list: matched in Python-free SQL on every
    database by the quoted code, which no other code contains)."""
    return qs.filter(services__icontains=f'"{kind}"')


def org_unit_lookup(value: object, *, field: str = "org_unit") -> OrgUnit:
    """An org unit by its code, else by its numeric id. Rwanda's codes are numeric, so a code always wins:
    `?org_unit=12` is the unit whose code is 12 (Gasabo) even when another unit has id 12; a number that is
    no code is taken as an id. `org_unit_by_id` takes an id only."""
    text = "" if value is None else str(value).strip()
    unit = OrgUnit.objects.filter(code=text).first()
    if unit is None and text.isascii() and text.isdigit() and len(text) < 10:
        unit = OrgUnit.objects.filter(pk=int(text)).first()
    if unit is None:
        raise ValidationFailed(f"unknown org unit '{text[:50]}' (a code or an id)", field=field)
    return unit


def org_unit_by_id(value: int, *, field: str = "org_unit_id") -> OrgUnit:
    """An org unit by its numeric id only (never a code)."""
    unit = OrgUnit.objects.filter(pk=value).first()
    if unit is None:
        raise ValidationFailed(f"unknown org unit id {value}", field=field)
    return unit


def providers_search(
    *,
    user: Actor,
    service: str = "",
    org_unit: OrgUnit | None = None,
    q: str = "",
    organisation_id: int | None = None,
    include_inactive: bool = False,
) -> QuerySet[ServiceProvider]:
    """The directory filtered by service kind, place served, name (or organisation name) and organisation."""
    qs = providers_visible_to(user=user)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if service:
        if service not in ServiceKind.values:
            raise ValidationFailed(f"service must be one of {', '.join(ServiceKind.values)}", field="service")
        qs = offering(qs, service)
    if org_unit is not None:
        qs = serving(qs, org_unit)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organisation__name__icontains=q))
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    return qs.order_by("name", "id")


def access_provider(*, user: Actor, ident: object, perm: Perm = Perm.ORGANISATION_VIEW) -> ServiceProvider:
    """One provider the user may read (or, with perm=DIRECTORY_MANAGE, change); NotFound otherwise."""
    try:
        key = uuid.UUID(str(ident))
    except ValueError:
        raise NotFound("not found") from None
    provider = providers_visible_to(user=user, perm=perm).prefetch_related("areas").filter(uuid=key).first()
    if provider is None:
        raise NotFound("not found")
    return provider


def provider_by_id(ident: object, *, field: str = "provider_unit") -> ServiceProvider:
    """An active provider by its id, for a referral (the directory is readable by everyone who refers)."""
    try:
        key = uuid.UUID(str(ident))
    except ValueError:
        raise ValidationFailed(f"{field} must be a service provider id", field=field) from None
    provider = ServiceProvider.objects.select_related("organisation", "org_unit").filter(uuid=key).first()
    if provider is None or not provider.is_active or not provider.organisation.is_active:
        raise ValidationFailed(f"{field}: unknown or inactive service provider", field=field)
    return provider
