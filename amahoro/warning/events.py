"""The notifications the early-warning module sends (registered in WarningConfig.ready), and who gets them.
Their wording names the signal's type, place and urgency only: never the description or the reporter."""

from __future__ import annotations

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from amahoro.accounts.models import RoleAssignment, User
from amahoro.geo.models import ancestor_paths
from amahoro.notifications.events import Event, register
from amahoro.notifications.services import notify
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Role

from .models import Signal, Urgency

NEW = "signal.new"
ASSIGNED = "signal.assigned"
OVERDUE = "signal.overdue"
# Immediate signals also go by SMS (to those who allow SMS): the same wording, an urgent event.
URGENT_SUFFIX = ".immediate"


def register_events() -> None:
    for suffix, urgent in (("", False), (URGENT_SUFFIX, True)):
        register(
            Event(
                NEW + suffix,
                _("New early-warning signal: %(type)s in %(place)s (%(urgency)s)"),
                _("Open the signal to verify, discard or assign it before %(due)s."),
                urgent=urgent,
            )
        )
        register(
            Event(
                ASSIGNED + suffix,
                _("Signal assigned to %(organisation)s: %(type)s in %(place)s (%(urgency)s)"),
                _("Respond before %(due)s and record it on the signal."),
                urgent=urgent,
            )
        )
    register(
        Event(
            OVERDUE,
            _("Overdue early-warning signal: %(type)s in %(place)s (%(urgency)s)"),
            _("No response by %(due)s (%(status)s). Escalated to %(level_place)s: follow it up."),
            urgent=True,
        )
    )


def _link(signal: Signal) -> str:
    try:
        return reverse("warning:detail", args=[signal.uuid])
    except NoReverseMatch:
        return ""


def _context(signal: Signal) -> dict[str, str]:
    due = signal.due_at.strftime("%Y-%m-%d %H:%M UTC") if signal.due_at else "-"
    return {
        "type": signal.type.display_name,
        "place": signal.org_unit.display_name,
        "urgency": str(Urgency(signal.urgency).label),
        "due": due,
    }


def _code(event: str, signal: Signal) -> str:
    return event + URGENT_SUFFIX if signal.urgency == Urgency.IMMEDIATE else event


def focal_points(path: str, *, exact: bool = False) -> list[User]:
    """Active focal points whose subtree covers the place at `path` (exact: whose subtree is that place)."""
    rows = RoleAssignment.objects.filter(role=Role.EWER_FOCAL_POINT, user__is_active=True).select_related(
        "user", "org_unit"
    )
    if exact:
        rows = rows.filter(org_unit__path=path)
    else:
        rows = rows.filter(Q(org_unit__isnull=True) | Q(org_unit__path__in=ancestor_paths(path)))
    users = {ra.user.pk: ra.user for ra in rows}
    return [users[k] for k in sorted(users)]


def responders(organisation: Organisation, path: str) -> list[User]:
    """The organisation's early-warning users whose subtree covers the place."""
    rows = RoleAssignment.objects.filter(
        organisation=organisation,
        organisation__is_active=True,
        role__in=[Role.EWER_RESPONDER, Role.EWER_FOCAL_POINT],
        user__is_active=True,
    ).filter(Q(org_unit__isnull=True) | Q(org_unit__path__in=ancestor_paths(path)))
    users = {ra.user.pk: ra.user for ra in rows.select_related("user")}
    return [users[k] for k in sorted(users)]


def signal_new(signal: Signal, *, actor: Actor) -> None:
    notify(
        focal_points(signal.org_unit.path),
        _code(NEW, signal),
        signal,
        actor=actor,
        link=_link(signal),
        context=_context(signal),
    )


def signal_assigned(signal: Signal, *, actor: Actor) -> None:
    if signal.assigned_to is None:
        return
    notify(
        responders(signal.assigned_to, signal.org_unit.path),
        _code(ASSIGNED, signal),
        signal,
        actor=actor,
        link=_link(signal),
        context={**_context(signal), "organisation": signal.assigned_to.name},
    )


def signal_overdue(signal: Signal, recipients: list[User], *, actor: Actor, level_place: str) -> None:
    notify(
        recipients,
        OVERDUE,
        signal,
        actor=actor,
        link=_link(signal),
        context={**_context(signal), "status": str(signal.get_status_display()), "level_place": level_place},
    )
