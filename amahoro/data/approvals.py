"""Reads of data approval for the worklist and its notification: what is submitted and waits for the reader's
approval, who it waits for (the same people), and the page where they approve it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.geo.models import ancestor_paths
from amahoro.metadata import periods as period_lib
from amahoro.policy import Actor
from amahoro.roles import ROLE_PERMISSIONS, Perm, Role

from .completeness import entry_link
from .entry_words import period_label
from .models import ApprovalState, DataApproval, DataSet


def approvals_waiting(*, user: Actor) -> QuerySet[DataApproval]:
    """Data submitted at a place the user approves for (data.approve there, that organisation's or shared),
    oldest first: the next step of bottom-up approval is theirs."""
    return (
        policy.visible(user, Perm.DATA_APPROVE, DataApproval.objects.all())
        .filter(state=ApprovalState.SUBMITTED)
        .select_related("org_unit", "period", "organisation", "attribute_option_combo", "by")
        .order_by("at", "id")
    )


def period_words(code: str) -> str:
    """ "October 2026" rather than 202610 (the code when it does not parse)."""
    try:
        return period_label(period_lib.parse_period(code))
    except period_lib.InvalidPeriod:
        return code


def _approving_roles() -> list[str]:
    # System administrators configure the platform; they are nobody's approver (as for reporting reminders):
    # their worklist still lists every submission, but they are not told of each one.
    return [
        r.value
        for r, perms in ROLE_PERMISSIONS.items()
        if Perm.DATA_APPROVE in perms and r != Role.SYSTEM_ADMIN
    ]


def approvers_of(approval: DataApproval) -> list[User]:
    """Who a submission waits for: the active users holding data.approve over its place, in its
    organisation (any organisation for shared data), by a role of an active organisation. Each is checked
    with the policy rule that `approvals_waiting` reads, so the people told are the people whose worklist
    lists it (system administrators aside, see `_approving_roles`)."""
    rows = RoleAssignment.objects.filter(
        role__in=_approving_roles(), user__is_active=True, organisation__is_active=True
    ).filter(Q(org_unit__isnull=True) | Q(org_unit__path__in=ancestor_paths(approval.org_unit.path)))
    if approval.organisation_id is not None:
        rows = rows.filter(organisation_id=approval.organisation_id)
    users = User.objects.filter(pk__in=rows.values("user_id")).order_by("username")
    return [u for u in users if policy.can(u, Perm.DATA_APPROVE, approval)]


def approvals_link(approval: DataApproval | None = None) -> str:
    """The approvals page (the approval's row on it): each waiting submission, the data to review and the
    Approve button."""
    link = reverse("data:approvals")
    return f"{link}#approval-{approval.pk}" if approval is not None else link


def review_data_sets(*, user: Actor, approval: DataApproval, limit: int = 10) -> list[DataSet]:
    """The data sets to review before approving: visible to the user, of the submission's period type (or
    of any), assigned to its place (or to no place at all)."""
    return list(
        policy.visible(user, Perm.DATA_VIEW, DataSet.objects.all())
        .filter(Q(period_type=approval.period.type) | Q(period_type=""))
        .filter(Q(org_units=approval.org_unit) | Q(org_units__isnull=True))
        .distinct()
        .order_by("name")[:limit]
    )


@dataclass(frozen=True)
class Waiting:
    """One row of the approvals page: the submission, its period in words and the data to review."""

    approval: DataApproval
    period_label: str
    attribute_code: str  # "" for the default attribute option combo
    review: list[tuple[DataSet, str]]  # (data set, its data entry link for this place and period)


def waiting_rows(*, user: Actor, limit: int = 100) -> list[Waiting]:
    """The approvals page: each submission waiting for the user, oldest first, with the data sets to review."""
    rows = []
    for approval in approvals_waiting(user=user)[:limit]:
        aoc = approval.attribute_option_combo.code
        aoc = "" if aoc == "default" else aoc
        label = period_words(approval.period.code)
        review = [
            (ds, entry_link(ds, approval.org_unit, approval.period.code, aoc))
            for ds in review_data_sets(user=user, approval=approval)
        ]
        rows.append(Waiting(approval, label, aoc, review))
    return rows
