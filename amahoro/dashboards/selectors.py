"""Reads of favourites and dashboards: lists start from `*_visible_to`, single objects from `*_get`
(NotFound for both missing and not shared with the reader)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from amahoro import policy
from amahoro.core.errors import NotFound
from amahoro.policy import Reader
from amahoro.roles import Perm, Role

from .access import MANAGE_CHECK
from .models import Dashboard, DashboardItem, Favourite, Sharing

# A user holding several roles lands on the dashboard of the first of these they hold.
LANDING_ORDER = (
    Role.ME_OFFICER,
    Role.DATA_CLERK,
    Role.VIEWER,
    Role.ORG_ADMIN,
    Role.SYSTEM_ADMIN,
)


def _reader(user: Any) -> Any:
    """Anonymous visitors read as the public reader (public objects only)."""
    if user is None or (not getattr(user, "is_authenticated", False) and not policy.is_system(user)):
        return policy.public_reader()
    return user


def _own(user: Any) -> Q | None:
    if getattr(user, "pk", None) is None or not policy.has_perm(user, Perm.DATA_VIEW):
        return None
    return Q(owner_id=user.pk)


def _visible(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    if policy.is_system(user):
        return queryset.all()
    reader = _reader(user)
    shared = policy.visible(reader, Perm.DATA_VIEW, queryset)
    own = _own(reader)
    if own is None:
        return shared
    return queryset.filter(Q(pk__in=shared.values("pk")) | own)


def favourites_visible_to(*, user: Reader | None) -> QuerySet[Favourite]:
    return _visible(user, Favourite.objects.select_related("owner", "organisation"))


def favourite_get(*, user: Reader | None, uuid: UUID | str) -> Favourite:
    favourite = favourites_visible_to(user=user).filter(uuid=uuid).first()
    if favourite is None:
        raise NotFound("favourite not found")
    return favourite


def public_favourites() -> QuerySet[Favourite]:
    """What the portal lists: public favourites, as the public reader sees them."""
    return favourites_visible_to(user=policy.public_reader()).filter(sharing=Sharing.PUBLIC)


def dashboards_visible_to(*, user: Reader | None) -> QuerySet[Dashboard]:
    return _visible(user, Dashboard.objects.select_related("owner", "organisation"))


def dashboard_get(*, user: Reader | None, uuid: UUID | str) -> Dashboard:
    dashboard = dashboards_visible_to(user=user).filter(uuid=uuid).first()
    if dashboard is None:
        raise NotFound("dashboard not found")
    return dashboard


def dashboard_items(*, dashboard: Dashboard) -> list[DashboardItem]:
    return list(dashboard.items.select_related("favourite"))


def item_get(*, dashboard: Dashboard, uuid: UUID | str) -> DashboardItem:
    """An item of a dashboard the reader sees (`dashboard` comes from `dashboard_get`)."""
    item = dashboard.items.select_related("favourite").filter(uuid=uuid).first()
    if item is None:
        raise NotFound("dashboard item not found")
    return item


def item_favourite_visible(*, user: Reader | None, item: DashboardItem) -> bool:
    """A shared dashboard may hold a favourite its reader does not see: the item then says so."""
    if item.favourite_id is None:
        return True
    return favourites_visible_to(user=user).filter(pk=item.favourite_id).exists()


def may_change(*, user: Any, obj: Favourite | Dashboard) -> bool:
    """The owner changes their own; a platform object (no owner) is for the `dashboards.manage` check."""
    if policy.is_system(user):
        return True
    if not getattr(user, "is_authenticated", False) or not policy.has_perm(user, Perm.DATA_VIEW):
        return False
    if obj.owner_id is not None:
        return bool(obj.owner_id == user.pk)
    return policy.allows(user, Perm.FRAMEWORK_MANAGE, organisation=obj.organisation_id, check=MANAGE_CHECK)


def landing_dashboard(*, user: Any) -> Dashboard | None:
    """The dashboard the user lands on: for the first of their roles (LANDING_ORDER) that has a landing
    dashboard they see, the one of their organisation, else the one of every organisation."""
    grants = policy.grants(user)
    if not grants:
        return None
    mine = {g.organisation_id for g in grants}
    roles = {g.role for g in grants}
    candidates = list(
        dashboards_visible_to(user=user)
        .filter(landing_role__in=[r.value for r in roles])
        .order_by("created_at", "pk")
    )
    for role in LANDING_ORDER:
        for_role = [d for d in candidates if d.landing_role == role.value]
        own = [d for d in for_role if d.organisation_id in mine]
        if own or for_role:
            return (own or for_role)[0]
    # Other roles that read data (administrators) land on the national overview.
    if not policy.has_perm(user, Perm.DATA_VIEW):
        return None
    return (
        dashboards_visible_to(user=user)
        .filter(landing_role=Role.VIEWER.value)
        .order_by("created_at", "pk")
        .first()
    )
