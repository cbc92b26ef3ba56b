"""Reads of organisations, narrowed by the policy module."""

from __future__ import annotations

from typing import Literal, overload

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.roles import Perm

from .models import Organisation


def organisations_visible_to(
    *, user: policy.Actor, perm: Perm = Perm.ORGANISATION_VIEW
) -> QuerySet[Organisation]:
    return policy.visible(user, perm, Organisation.objects.all())


def organisation_search(
    *, user: policy.Actor, type: str | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    qs = organisations_visible_to(user=user)
    if type:
        qs = qs.filter(type=type)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(short_name__icontains=q))
    return qs.order_by("name")


def organisation_get(*, user: policy.Actor, code: str, perm: Perm = Perm.ORGANISATION_VIEW) -> Organisation:
    return policy.get_visible_or_404(user, perm, Organisation.objects.all(), code=code)


@overload
def organisation_by_code(
    code: object, *, field: str = ..., active: bool = ..., required: Literal[True] = ...
) -> Organisation: ...


@overload
def organisation_by_code(
    code: object, *, field: str = ..., active: bool = ..., required: bool
) -> Organisation | None: ...


def organisation_by_code(
    code: object, *, field: str = "organisation", active: bool = True, required: bool = True
) -> Organisation | None:
    """The organisation with this code, or a 400 naming `field` ("unknown organisation 'X'"). With `active`,
    a deactivated organisation is unknown too. Blank is an error when `required`, else None.

    Not a visibility check: callers still ask the policy whether the user may act for it."""
    text = "" if code is None else str(code).strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field} is required (an organisation code)", field=field)
        return None
    queryset = Organisation.objects.filter(code=text)
    if active:
        queryset = queryset.filter(is_active=True)
    org = queryset.first()
    if org is None:
        raise ValidationFailed(f"unknown organisation '{text[:64]}'", field=field)
    return org
