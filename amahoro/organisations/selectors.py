"""Reads of organisations, narrowed by the policy module."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.roles import Perm

from .models import Organisation


def organisations_visible_to(*, user: Any, perm: Perm = Perm.ORGANISATION_VIEW) -> QuerySet[Organisation]:
    return policy.visible(user, perm, Organisation.objects.all())


def organisation_search(
    *, user: Any, type: str | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    qs = organisations_visible_to(user=user)
    if type:
        qs = qs.filter(type=type)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(short_name__icontains=q))
    return qs.order_by("name")


def organisation_get(*, user: Any, code: str, perm: Perm = Perm.ORGANISATION_VIEW) -> Organisation:
    return policy.get_visible_or_404(user, perm, Organisation.objects.all(), code=code)
