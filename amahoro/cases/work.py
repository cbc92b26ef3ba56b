"""What case roles have to do next, for the worklist ("My work"): PEP/EC countdowns of a worker's open
cases, referrals awaiting a reply, closures sent back or waiting for approval, incoming referrals. Every read
starts from the policy (`policy.visible`), so no one is shown a case they may not open; each is a bounded
number of queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import deadlines
from .models import CaseStatus, Incident, ReferralStatus, Service, ServiceType
from .services import windows

# A passed window stays on the list this long (so the worker sees it was missed), then leaves it.
PASSED_KEPT = dt.timedelta(hours=24)
LIMIT = 100  # items per list (the page says "and more" beyond)


def countdowns_of_worker(
    *, user: Actor, now: dt.datetime | None = None
) -> list[tuple[Incident, deadlines.Countdown]]:
    """(case, countdown) of the user's own open rape cases still in a window or passed less than a day ago,
    nothing given yet; soonest deadline first. Two queries."""
    now = now or timezone.now()
    if getattr(user, "pk", None) is None:
        return []
    longest = max(windows().values())
    # Cases whose latest window could still be on the list: started at most `longest` + a day ago.
    since = (now.astimezone(deadlines.KIGALI) - dt.timedelta(hours=longest) - PASSED_KEPT).date()
    health = Service.objects.filter(type=ServiceType.HEALTH).only(
        "id", "incident_id", "type", "pep_given_on", "ec_given_on"
    )
    incidents = (
        policy.visible(user, Perm.CASE_MANAGE, Incident.objects.all())
        .filter(
            case_worker_id=user.pk,
            status=CaseStatus.OPEN,
            gbv_type__in=deadlines.APPLIES_TO,
            incident_date__gte=since,
        )
        .select_related("survivor")
        .prefetch_related(Prefetch("services", queryset=health))
        .order_by("incident_date", "id")[:LIMIT]
    )
    out = []
    for incident in incidents:
        for c in deadlines.for_incident(incident, now=now):
            if c.state == deadlines.State.DONE:
                continue
            if c.state == deadlines.State.PASSED and now - c.deadline > PASSED_KEPT:
                continue
            out.append((incident, c))
    out.sort(key=lambda pair: pair[1].deadline)
    return out


def _referrals() -> QuerySet[Service]:
    return Service.objects.select_related("incident__survivor", "provider").order_by("reply_due_at", "id")


def referrals_awaiting_reply(*, user: Actor) -> list[Service]:
    """Referrals made from the user's own cases that the receiver has not answered yet."""
    if getattr(user, "pk", None) is None:
        return []
    mine = policy.visible(user, Perm.CASE_MANAGE, Incident.objects.all()).filter(case_worker_id=user.pk)
    return list(_referrals().filter(incident__in=mine, referral_status=ReferralStatus.PENDING)[:LIMIT])


def closures_returned(*, user: Actor) -> list[Incident]:
    """The user's cases whose closure a supervisor sent back and that were not sent for closure again."""
    if getattr(user, "pk", None) is None:
        return []
    return list(
        policy.visible(user, Perm.CASE_MANAGE, Incident.objects.all())
        .filter(case_worker_id=user.pk, status=CaseStatus.OPEN, closure_returned_at__isnull=False)
        .select_related("survivor")
        .order_by("closure_returned_at", "id")[:LIMIT]
    )


def closures_to_approve(*, user: Actor) -> list[Incident]:
    """Closure requests the user may decide (case.supervise over the case)."""
    return list(
        policy.visible(user, Perm.CASE_SUPERVISE, Incident.objects.all())
        .filter(status=CaseStatus.CLOSURE_REQUESTED)
        .select_related("survivor", "closure_requested_by")
        .order_by("updated_at", "id")[:LIMIT]
    )


def referrals_overdue(*, user: Actor, now: dt.datetime | None = None) -> list[Service]:
    """Referrals from cases the user supervises whose reply is overdue (pending past reply_due_at)."""
    now = now or timezone.now()
    supervised = policy.visible(user, Perm.CASE_SUPERVISE, Incident.objects.all())
    return list(
        _referrals().filter(
            incident__in=supervised, referral_status=ReferralStatus.PENDING, reply_due_at__lt=now
        )[:LIMIT]
    )


def referrals_incoming_pending(*, user: Actor) -> list[Service]:
    """Referrals sent to the user's organisations (referral.respond) that await their answer."""
    orgs = policy.organisations_with(user, Perm.REFERRAL_RESPOND)
    qs = policy.visible(user, Perm.REFERRAL_RESPOND, _referrals()).filter(
        referral_status=ReferralStatus.PENDING
    )
    if orgs is not None:
        qs = qs.filter(provider_id__in=orgs)
    return list(qs[:LIMIT])
