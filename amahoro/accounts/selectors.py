"""Reads of users and role assignments, narrowed by the policy module."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from amahoro import policy
from amahoro.roles import Perm

from .models import RoleAssignment, User


def users_visible_to(*, user: policy.Actor, q: str | None = None) -> QuerySet[User]:
    qs = policy.visible(user, Perm.USER_VIEW, User.objects.all())
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    visible_assignments = policy.visible(
        user, Perm.USER_VIEW, RoleAssignment.objects.select_related("organisation", "org_unit")
    )
    return qs.prefetch_related(
        Prefetch("role_assignments", queryset=visible_assignments, to_attr="visible_assignments")
    ).order_by("username")


def user_get(*, user: policy.Actor, username: str) -> User:
    return policy.get_visible_or_404(user, Perm.USER_VIEW, User.objects.all(), username=username)


def assignments_visible_to(*, user: policy.Actor) -> QuerySet[RoleAssignment]:
    return policy.visible(
        user, Perm.USER_VIEW, RoleAssignment.objects.select_related("user", "organisation", "org_unit")
    )
