"""Reads of notifications: each user sees their own only (another's answers "not found", as a missing one
does); organisation and system administrators see the failed deliveries of their organisation's users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.core.errors import NotFound
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import Delivery, DeliveryStatus, Notification


def notifications_of(*, user: Actor, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its deliveries (the delivery log)."""
    if not isinstance(user, User):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("id")))


def unread_count(*, user: Actor) -> int:
    """One indexed COUNT (recipient, read_at): what the bell shows on every page."""
    if not isinstance(user, User):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def access_notification(*, user: Actor, id: Any) -> Notification:
    """One of the user's notifications by uuid; another's or a missing one is NotFound."""
    try:
        return notifications_of(user=user).get(uuid=id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound("notification not found") from None


def access_delivery(*, user: Actor, id: Any) -> Delivery:
    """One delivery of one of the user's notifications; another's or a missing one is NotFound."""
    if not isinstance(user, User):
        raise NotFound("delivery not found")
    try:
        return Delivery.objects.select_related("notification").get(pk=int(id), notification__recipient=user)
    except (Delivery.DoesNotExist, ValueError, TypeError):
        raise NotFound("delivery not found") from None


# A pending delivery that failed this many attempts is listed as "retrying" (one failure is usually a blip).
RETRYING_AFTER = 2
# /health/ready and /metrics count the deliveries given up on that were created this recently.
FAILED_WINDOW = dt.timedelta(hours=24)


def _retrying() -> Q:
    return Q(status=DeliveryStatus.PENDING, attempts__gte=RETRYING_AFTER) & ~Q(last_error="")


def delivery_failures_visible_to(*, user: Actor, limit: int = 200) -> list[Delivery]:
    """Deliveries given up on, and those still being retried after failing at least twice ("retrying"),
    for those who manage users: all for system administrators, their organisations' users' for organisation
    administrators (user.manage), none for anyone else. Shows who and which event, never the address or
    number."""
    if not policy.has_perm(user, Perm.USER_MANAGE):
        return []
    qs = Delivery.objects.filter(Q(status=DeliveryStatus.FAILED) | _retrying()).select_related(
        "notification__recipient"
    )
    orgs = policy.organisations_with(user, Perm.USER_MANAGE)
    if orgs is not None:
        members = RoleAssignment.objects.filter(organisation_id__in=orgs).values("user_id")
        qs = qs.filter(notification__recipient_id__in=members)
    return list(qs.order_by("-id")[:limit])


def delivery_problem_counts() -> dict[str, int]:
    """For /health/ready and /metrics: deliveries given up on in the last 24 hours (by creation), and those
    being retried after failing at least twice."""
    since = timezone.now() - FAILED_WINDOW
    return {
        "failed": Delivery.objects.filter(status=DeliveryStatus.FAILED, created_at__gte=since).count(),
        "retrying": Delivery.objects.filter(_retrying()).count(),
    }
