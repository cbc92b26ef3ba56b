"""The notifications of data approval (registered in DataConfig.ready): a submission tells the people who
approve it (`data.approval_waiting`), an approval tells who submitted (`data.approval_approved`). Their
text names the place and the period in words and links to the approvals page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from amahoro.accounts.models import User
from amahoro.notifications import events
from amahoro.notifications.services import notify
from amahoro.policy import Actor

from .approvals import approvals_link, approvers_of, period_words
from .models import DataApproval

APPROVAL_WAITING = "data.approval_waiting"
APPROVAL_APPROVED = "data.approval_approved"


def register_events() -> None:
    events.register(
        events.Event(
            APPROVAL_WAITING,
            _("Data to approve: %(place)s, %(period)s"),
            _("%(place)s submitted its data for %(period)s. Review it and approve it on the approvals page."),
        )
    )
    events.register(
        events.Event(
            APPROVAL_APPROVED,
            _("Data approved: %(place)s, %(period)s"),
            _("The data you submitted for %(place)s, %(period)s was approved: it can no longer be changed."),
        )
    )


def _context(approval: DataApproval) -> dict[str, str]:
    return {"place": approval.org_unit.name, "period": period_words(approval.period.code)}


def approval_waiting_notify(*, actor: Actor, approval: DataApproval) -> None:
    """Tell the approvers of a submission (never the submitter themself)."""
    acting = getattr(actor, "pk", None)
    notify(
        [u for u in approvers_of(approval) if u.pk != acting],
        APPROVAL_WAITING,
        approval,
        actor=actor,
        link=approvals_link(approval),
        context=_context(approval),
    )


def approval_approved_notify(*, actor: Actor, approval: DataApproval, submitter: User | None) -> None:
    """Tell who submitted the data that it is approved (not when they approved it themselves); the link
    opens data entry, where the approved data now shows as such."""
    if submitter is None or submitter.pk == getattr(actor, "pk", None):
        return
    notify(
        [submitter],
        APPROVAL_APPROVED,
        approval,
        actor=actor,
        link=reverse("data:entry"),
        context=_context(approval),
    )
