"""Changes to favourites and dashboards. Each takes `actor=`, asks the policy (the owner changes their own;
platform objects need the `dashboards.manage` check) and writes its audit row in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm, Role

from . import selectors
from .access import MANAGE_CHECK
from .models import Dashboard, DashboardItem, Favourite, ItemKind, Sharing
from .queries import query_clean

NAME_MAX = 200
TEXT_MAX = 5000


def _user_id(actor: Actor) -> int | None:
    """The signed-in user's id; None for the platform (SYSTEM)."""
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) else None


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a name is required", field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"the name is longer than {NAME_MAX} characters", field="name")
    return name


def _sharing(sharing: str) -> Sharing:
    try:
        return Sharing(sharing)
    except ValueError:
        choices = ", ".join(s.value for s in Sharing)
        raise ValidationFailed(f"sharing '{sharing[:30]}' is not one of {choices}", field="sharing") from None


def _home_organisation(actor: Actor) -> int | None:
    """The organisation an actor's favourites are shared with: the first in which they may read data."""
    if policy.is_system(actor):
        return None
    for g in policy.grants_with(actor, Perm.DATA_VIEW):
        if g.organisation_id != policy.NO_ORGANISATION:
            return g.organisation_id
    return None


def _organisation_for(actor: Actor, organisation: Organisation | None) -> int | None:
    if organisation is None:
        return _home_organisation(actor)
    if not policy.is_system(actor) and not policy.allows(
        actor, Perm.DATA_VIEW, organisation=organisation.pk, check=MANAGE_CHECK
    ):
        raise PermissionDenied(
            f"you are not a member of {organisation.code}: share with your own organisation",
            code="permission_denied",
        )
    return organisation.pk


def _require_reader(actor: Actor) -> None:
    policy.require(
        actor, Perm.DATA_VIEW, message=_("Saving views of the data needs the data.view permission.")
    )


def _require_publish(actor: Actor, sharing: Sharing) -> None:
    # Public objects appear on the portal under their name: publishing is for those who manage results.
    if sharing == Sharing.PUBLIC:
        policy.require(
            actor,
            Perm.FRAMEWORK_MANAGE,
            message=_("Making a view public needs the framework.manage permission."),
        )


def _require_change(actor: Actor, obj: Favourite | Dashboard) -> None:
    policy.check_actor(actor)
    if not selectors.may_change(user=actor, obj=obj):
        kind = "favourite" if isinstance(obj, Favourite) else "dashboard"
        # Someone who cannot even see it is told it does not exist.
        visible = (
            selectors.favourites_visible_to(user=actor)
            if isinstance(obj, Favourite)
            else selectors.dashboards_visible_to(user=actor)
        )
        if not visible.filter(pk=obj.pk).exists():
            raise NotFound(f"{kind} not found")
        raise PermissionDenied(f"only the owner may change this {kind}", code="permission_denied")


def _snapshot(obj: Favourite | Dashboard) -> dict[str, object]:
    out: dict[str, object] = {"name": obj.name, "sharing": obj.sharing, "description": obj.description}
    if isinstance(obj, Favourite):
        out["query"] = obj.query
    else:
        out["landing_role"] = obj.landing_role
    return out


def _audit(actor: Actor, action: AuditAction, obj: Any, changes: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organisation_id=getattr(obj, "organisation_id", None),
        changes=changes,
    )


@transaction.atomic
def favourite_create(
    *,
    actor: Actor,
    name: str,
    query: str,
    sharing: str = Sharing.PRIVATE,
    description: str = "",
    organisation: Organisation | None = None,
) -> Favourite:
    _require_reader(actor)
    level = _sharing(sharing)
    _require_publish(actor, level)
    favourite = Favourite.objects.create(
        name=_name(name),
        query=query_clean(query),
        sharing=level,
        description=(description or "").strip()[:TEXT_MAX],
        owner_id=_user_id(actor),
        created_by_id=_user_id(actor),
        organisation_id=_organisation_for(actor, organisation),
    )
    _audit(actor, AuditAction.CREATE, favourite, _snapshot(favourite))
    return favourite


@transaction.atomic
def favourite_update(
    *,
    actor: Actor,
    favourite: Favourite,
    name: str | None = None,
    query: str | None = None,
    sharing: str | None = None,
    description: str | None = None,
) -> Favourite:
    _require_change(actor, favourite)
    before = _snapshot(favourite)
    if name is not None:
        favourite.name = _name(name)
    if query is not None:
        favourite.query = query_clean(query)
    if sharing is not None:
        level = _sharing(sharing)
        if level != favourite.sharing:
            _require_publish(actor, level)
        favourite.sharing = level
    if description is not None:
        favourite.description = description.strip()[:TEXT_MAX]
    favourite.save()
    changes = diff(before, _snapshot(favourite))
    if changes:
        _audit(actor, AuditAction.UPDATE, favourite, changes)
    return favourite


@transaction.atomic
def favourite_delete(*, actor: Actor, favourite: Favourite) -> None:
    _require_change(actor, favourite)
    _audit(actor, AuditAction.DELETE, favourite, _snapshot(favourite))
    favourite.delete()


@transaction.atomic
def dashboard_create(
    *,
    actor: Actor,
    name: str,
    sharing: str = Sharing.PRIVATE,
    description: str = "",
    organisation: Organisation | None = None,
    landing_role: str = "",
    platform: bool = False,
) -> Dashboard:
    """A dashboard of the actor's, or (`platform=True`: no owner, e.g. a landing dashboard) of the
    platform's, which only the `dashboards.manage` check may make."""
    _require_reader(actor)
    level = _sharing(sharing)
    _require_publish(actor, level)
    org_id = _organisation_for(actor, organisation)
    if landing_role:
        try:
            Role(landing_role)
        except ValueError:
            raise ValidationFailed(
                f"landing_role '{landing_role[:30]}' is not a role", field="landing_role"
            ) from None
        platform = True
    if platform and not policy.is_system(actor):
        policy.require(
            actor,
            Perm.FRAMEWORK_MANAGE,
            organisation=org_id,
            check=MANAGE_CHECK,
            message=_("Platform and landing dashboards are made by those who manage results."),
        )
    owner = None if platform else _user_id(actor)
    dashboard = Dashboard.objects.create(
        name=_name(name),
        description=(description or "").strip()[:TEXT_MAX],
        sharing=level,
        owner_id=owner,
        created_by_id=_user_id(actor),
        organisation_id=org_id,
        landing_role=landing_role,
    )
    _audit(actor, AuditAction.CREATE, dashboard, _snapshot(dashboard))
    return dashboard


@transaction.atomic
def dashboard_delete(*, actor: Actor, dashboard: Dashboard) -> None:
    _require_change(actor, dashboard)
    _audit(actor, AuditAction.DELETE, dashboard, _snapshot(dashboard))
    dashboard.delete()


@transaction.atomic
def dashboard_item_add(
    *,
    actor: Actor,
    dashboard: Dashboard,
    kind: str = ItemKind.FAVOURITE,
    favourite: Favourite | None = None,
    text: str = "",
) -> DashboardItem:
    _require_change(actor, dashboard)
    try:
        item_kind = ItemKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in ItemKind)
        raise ValidationFailed(f"kind '{kind[:30]}' is not one of {choices}", field="kind") from None
    text = (text or "").strip()
    if item_kind == ItemKind.FAVOURITE:
        if favourite is None:
            raise ValidationFailed("a favourite item needs a favourite", field="favourite")
        if not selectors.favourites_visible_to(user=actor).filter(pk=favourite.pk).exists():
            raise NotFound("favourite not found", field="favourite")
        text = ""
    elif item_kind == ItemKind.TEXT:
        if favourite is not None:
            raise ValidationFailed("a text item takes no favourite", field="favourite")
        if not text:
            raise ValidationFailed("a text item needs text", field="text")
        if len(text) > TEXT_MAX:
            raise ValidationFailed(f"the text is longer than {TEXT_MAX} characters", field="text")
    elif favourite is not None:
        raise ValidationFailed(f"a {item_kind.value} item takes no favourite", field="favourite")
    last = dashboard.items.aggregate(m=Max("order"))["m"]
    item = DashboardItem.objects.create(
        dashboard=dashboard,
        order=0 if last is None else last + 1,
        kind=item_kind,
        favourite=favourite if item_kind == ItemKind.FAVOURITE else None,
        text=text,
        created_by_id=_user_id(actor),
    )
    _audit(
        actor,
        AuditAction.UPDATE,
        dashboard,
        {"item_added": {"kind": item.kind, "favourite": str(favourite.uuid) if favourite else None}},
    )
    return item


@transaction.atomic
def dashboard_item_remove(*, actor: Actor, item: DashboardItem) -> None:
    dashboard = item.dashboard
    _require_change(actor, dashboard)
    _audit(actor, AuditAction.UPDATE, dashboard, {"item_removed": str(item.uuid)})
    item.delete()


@transaction.atomic
def dashboard_items_reorder(
    *, actor: Actor, dashboard: Dashboard, items: Sequence[str]
) -> list[DashboardItem]:
    """Put the items in the order of `items` (their uuids, each once: every item of the dashboard)."""
    _require_change(actor, dashboard)
    current = {str(i.uuid): i for i in dashboard.items.all()}
    wanted = [str(u) for u in items]
    if sorted(wanted) != sorted(current):
        raise ValidationFailed("give every item of the dashboard once, in the new order", field="items")
    for position, key in enumerate(wanted):
        item = current[key]
        if item.order != position:
            item.order = position
            item.save(update_fields=["order", "updated_at"])
    _audit(actor, AuditAction.UPDATE, dashboard, {"items_order": wanted})
    return [current[k] for k in wanted]


def dashboard_item_move(*, actor: Actor, item: DashboardItem, offset: int) -> list[DashboardItem]:
    """Move an item up (-1) or down (+1) one place."""
    keys = [str(i.uuid) for i in item.dashboard.items.all()]
    at = keys.index(str(item.uuid))
    to = max(0, min(len(keys) - 1, at + offset))
    keys.insert(to, keys.pop(at))
    return dashboard_items_reorder(actor=actor, dashboard=item.dashboard, items=keys)
