"""The closure notifications of the case module: their wording (registered from CasesConfig.ready) and who
receives them. Text names a case by its survivor code only and links to the case page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from amahoro.accounts.models import User
from amahoro.accounts.selectors import users_holding
from amahoro.notifications import events
from amahoro.notifications.services import notify
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import Incident

CLOSURE_REQUESTED = "case.closure_requested"
CLOSURE_RETURNED = "case.closure_returned"
CLOSURE_APPROVED = "case.closure_approved"


def register_events() -> None:
    events.register(
        events.Event(
            CLOSURE_REQUESTED,
            _("Closure to approve: case %(code)s"),
            _("A case worker asks to close case %(code)s. Open the case to approve or send it back."),
        )
    )
    events.register(
        events.Event(
            CLOSURE_RETURNED,
            _("Closure sent back: case %(code)s"),
            _("A supervisor sent the closure of case %(code)s back: the case is open again."),
        )
    )
    events.register(
        events.Event(
            CLOSURE_APPROVED,
            _("Case %(code)s closed"),
            _("A supervisor approved closing case %(code)s."),
        )
    )


def case_link(incident: Incident) -> str:
    return reverse("cases:detail", kwargs={"ident": incident.uuid})


def case_supervisors(incident: Incident) -> list[User]:
    """The case supervisors of the case's organisation whose place covers the case."""
    return list(
        users_holding(
            perm=Perm.CASE_SUPERVISE, organisation_id=incident.organisation_id, path=incident.org_unit.path
        )
    )


def case_workers(incident: Incident) -> list[User]:
    """Who asked for the closure, and the case's worker (once each)."""
    ids = {incident.closure_requested_by_id, incident.case_worker_id} - {None}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


def closure_notify(*, actor: Actor, incident: Incident, event: str) -> None:
    """requested -> the case's supervisors; returned or approved -> the worker (never the actor themself)."""
    recipients = case_supervisors(incident) if event == CLOSURE_REQUESTED else case_workers(incident)
    acting = getattr(actor, "pk", None)
    notify(
        [u for u in recipients if u.pk != acting],
        event,
        incident,
        actor=actor,
        link=case_link(incident),
        context={"code": incident.survivor.code},
    )
