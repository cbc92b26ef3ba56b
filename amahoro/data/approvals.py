"""Reads of data approval for the worklist: what is submitted and waits for the reader's approval."""

from __future__ import annotations

from django.db.models import QuerySet

from amahoro import policy
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import ApprovalState, DataApproval


def approvals_waiting(*, user: Actor) -> QuerySet[DataApproval]:
    """Data submitted at a place the user approves for (data.approve there, that organisation's or shared),
    oldest first: the next step of bottom-up approval is theirs."""
    return (
        policy.visible(user, Perm.DATA_APPROVE, DataApproval.objects.all())
        .filter(state=ApprovalState.SUBMITTED)
        .select_related("org_unit", "period", "organisation")
        .order_by("at", "id")
    )
