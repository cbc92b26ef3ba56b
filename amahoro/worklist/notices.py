"""Role-request notifications. accounts sits below the notifications module, so it sends a signal
(accounts.signals.role_requested / role_decided) and this module, above both, tells the people concerned:
a request -> the organisation's administrators over that place; a decision -> the requester."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from amahoro.accounts.models import RoleRequest, RoleRequestStatus
from amahoro.accounts.selectors import users_holding
from amahoro.accounts.signals import role_decided, role_requested
from amahoro.notifications import events
from amahoro.notifications.services import notify
from amahoro.roles import ROLE_LABELS, Perm, Role

ROLE_REQUESTED = "role.requested"
ROLE_DECIDED = "role.decided"


def register_events() -> None:
    events.register(
        events.Event(
            ROLE_REQUESTED,
            _("Role request: %(username)s asks to be %(role)s in %(organisation)s"),
            _("Place: %(place)s. Open the role requests to approve or decline."),
        )
    )
    events.register(
        events.Event(
            ROLE_DECIDED,
            _("Your request to be %(role)s in %(organisation)s was %(decision)s"),
            _("Place: %(place)s."),
        )
    )


def _context(request: RoleRequest) -> dict[str, Any]:
    # Lazy labels: notify() renders them in each recipient's language.
    return {
        "username": request.user.username,
        "role": ROLE_LABELS[Role(request.role)],
        "organisation": request.organisation.name,
        "place": request.org_unit.name if request.org_unit else _("everywhere"),
    }


def on_role_requested(sender: Any, request: RoleRequest, actor: Any, **kwargs: Any) -> None:
    admins = users_holding(
        perm=Perm.ROLE_ASSIGN,
        organisation_id=request.organisation_id,
        path=request.org_unit.path if request.org_unit else None,
    ).exclude(pk=request.user_id)
    notify(
        admins,
        ROLE_REQUESTED,
        request,
        actor=actor,
        link=reverse("users:role-requests"),
        context=_context(request),
    )


def on_role_decided(sender: Any, request: RoleRequest, actor: Any, **kwargs: Any) -> None:
    decision = _("approved") if request.status == RoleRequestStatus.APPROVED else _("declined")
    notify(
        [request.user],
        ROLE_DECIDED,
        request,
        actor=actor,
        link=reverse("users:role-requests"),
        context={**_context(request), "decision": decision},
    )


def connect() -> None:
    role_requested.connect(on_role_requested, dispatch_uid="worklist_role_requested")
    role_decided.connect(on_role_decided, dispatch_uid="worklist_role_decided")
