"""Reads of users and role assignments, narrowed by the policy module."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from amahoro import policy
from amahoro.geo.models import ancestor_paths
from amahoro.roles import ROLE_PERMISSIONS, Perm

from .models import RoleAssignment, RoleRequest, RoleRequestStatus, User


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


def users_holding(*, perm: Perm, organisation_id: int, path: str | None) -> QuerySet[User]:
    """Active users whose role in the organisation gives `perm` over the place `path` (a materialised path;
    None = only roles held everywhere): who is told when something there needs them."""
    roles = [role.value for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    where = Q(role_assignments__org_unit__isnull=True)
    if path:
        where |= Q(role_assignments__org_unit__path__in=ancestor_paths(path))
    return (
        User.objects.filter(
            Q(
                is_active=True,
                role_assignments__organisation_id=organisation_id,
                role_assignments__role__in=roles,
            )
            & where
        )
        .distinct()
        .order_by("username")
    )


def _role_requests() -> QuerySet[RoleRequest]:
    return RoleRequest.objects.select_related("user", "organisation", "org_unit", "decided_by")


def role_requests_to_decide(*, user: policy.Actor) -> QuerySet[RoleRequest]:
    """Pending requests the user may decide (role.assign in that organisation over that place), oldest first."""
    return (
        policy.visible(user, Perm.ROLE_ASSIGN, _role_requests())
        .filter(status=RoleRequestStatus.PENDING)
        .order_by("created_at", "id")
    )


def role_requests_visible_to(*, user: policy.Actor) -> QuerySet[RoleRequest]:
    """The requests the user may decide (any status) and their own."""
    decidable = policy.visible(user, Perm.ROLE_ASSIGN, RoleRequest.objects.all()).values("pk")
    own = Q(user_id=getattr(user, "pk", None)) if getattr(user, "pk", None) else Q(pk__in=[])
    return _role_requests().filter(Q(pk__in=decidable) | own).order_by("-created_at", "-id")


def role_request_get(*, user: policy.Actor, uuid: UUID | str) -> RoleRequest:
    """One request the user may see, or Http404 for both missing and forbidden."""
    try:
        return role_requests_visible_to(user=user).get(uuid=uuid)
    except (RoleRequest.DoesNotExist, ValueError, DjangoValidationError) as exc:
        raise Http404("not found") from exc
