"""Subscriptions (contract R8 of issue 14): a report e-mailed to its owner each month or quarter.

The services below change subscriptions (each takes `actor=` and writes its audit row); `send_due()` is what
cron (`amahoro send_due_reports`) and Celery beat (schedule.py) run: every subscription due today is rendered
AS ITS OWNER at send time (services.render: figures the owner may see now, nothing more) and e-mailed to the
owner as an attachment. Each attempt is a Delivery row. A failed send is tried again with back-off; after
`MAX_ATTEMPTS` the send of that period is given up (recorded) and the subscription moves on to the next one.
An owner who lost the permission gets a failed delivery saying so, never a report.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import AmahoroError, NotFound, PermissionDenied, ValidationFailed
from amahoro.policy import Actor

from . import kinds, services
from .kinds import ReportKind
from .models import Delivery, DeliveryStatus, Format, Frequency, Subscription
from .runs import KEEP_DAYS as KEEP_RUN_DAYS
from .runs import purge_old

log = logging.getLogger(__name__)

DAY_MIN, DAY_MAX = 1, 28  # every month has these days
QUARTER_MONTHS = (1, 4, 7, 10)  # a quarterly report goes out in the month after each quarter
# Parameters a scheduled send fills in itself (the last complete month or quarter): never stored.
PERIOD_PARAMS = ("period", "start", "end")
PARAM_VALUE_MAX = 200
PARAMS_MAX = 20
# Waits before the 2nd, 3rd, 4th and 5th attempt of a failed send; after the 5th it is given up.
BACKOFF = (
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a send_due() run holds a subscription it is sending (a crashed run's claim lapses after this).
CLAIM = dt.timedelta(minutes=30)
RECENT_DELIVERIES = 20
ERROR_MAX = 1000


# ---------------------------------------------------------------------------------------------------------
# Reads


def subscriptions_of(*, user: Actor) -> QuerySet[Subscription]:
    """The user's own subscriptions (nobody sees another's)."""
    if not getattr(user, "is_authenticated", False):
        return Subscription.objects.none()
    return Subscription.objects.filter(owner_id=user.pk).order_by("kind", "created_at", "pk")


def subscription_get(*, user: Actor, uuid: Any) -> Subscription:
    """One of the user's subscriptions; NotFound for another's as for a missing one."""
    try:
        return subscriptions_of(user=user).get(uuid=uuid)
    except (Subscription.DoesNotExist, DjangoValidationError, ValueError, TypeError):
        raise NotFound("subscription not found") from None


def recent_deliveries(subscription: Subscription, limit: int = RECENT_DELIVERIES) -> list[Delivery]:
    return list(subscription.deliveries.order_by("-at", "-pk")[:limit])


def kinds_for(user: Actor) -> list[ReportKind]:
    """The report kinds `user` may subscribe to (they hold the kind's permission somewhere)."""
    return [kind for kind in kinds.all_kinds() if policy.has_perm(user, kind.perm)]


# ---------------------------------------------------------------------------------------------------------
# Dates


def next_due(*, frequency: str, day: int, start: dt.date) -> dt.date:
    """The first send date on or after `start`: `day` of every month (monthly), or of January, April, July
    and October (quarterly: the month after each quarter)."""
    months = QUARTER_MONTHS if frequency == Frequency.QUARTERLY else tuple(range(1, 13))
    year, month = start.year, start.month
    while True:
        if month in months and dt.date(year, month, day) >= start:
            return dt.date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def following_due(subscription: Subscription, *, today: dt.date) -> dt.date:
    """The send date after the current one (and after today: a late send does not queue the missed ones,
    which would all report the same last complete period)."""
    start = max(subscription.next_due, today) + dt.timedelta(days=1)
    return next_due(frequency=subscription.frequency, day=subscription.day, start=start)


# ---------------------------------------------------------------------------------------------------------
# Validation


def _kind(code: str) -> ReportKind:
    try:
        return kinds.get((code or "").strip())
    except NotFound as exc:
        raise ValidationFailed(exc.message, field="kind") from None


def _format(kind: ReportKind, fmt: str) -> str:
    if fmt not in kind.formats or fmt not in Format.values:
        raise ValidationFailed(
            f"format must be one of {', '.join(kind.formats)} for {kind.code}, not '{str(fmt)[:20]}'",
            field="format",
        )
    return fmt


def _frequency(kind: ReportKind, frequency: str) -> str:
    if frequency not in kind.frequencies or frequency not in Frequency.values:
        raise ValidationFailed(
            f"frequency must be one of {', '.join(kind.frequencies)} for {kind.code}, not '{str(frequency)[:20]}'",
            field="frequency",
        )
    return frequency


def _day(day: Any) -> int:
    try:
        value = int(day)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"day must be a whole number from {DAY_MIN} to {DAY_MAX}", field="day"
        ) from None
    if not DAY_MIN <= value <= DAY_MAX:
        raise ValidationFailed(f"day must be from {DAY_MIN} to {DAY_MAX}, not {value}", field="day")
    return value


def clean_params(
    kind: ReportKind, params: Mapping[str, Any], *, frequency: str, today: dt.date
) -> dict[str, str]:
    """The kind's normalised parameters without the period. They are checked by the kind's own parse()
    with the period a send today would report on (subscriptions never store one)."""
    if not isinstance(params, Mapping):
        raise ValidationFailed("params must be an object of parameter names and values", field="params")
    if len(params) > PARAMS_MAX:
        raise ValidationFailed(f"params has more than {PARAMS_MAX} entries", field="params")
    given: dict[str, str] = {}
    for name, value in params.items():
        if name in PERIOD_PARAMS:
            raise ValidationFailed(
                f"a subscription reports on the last complete month or quarter: leave out '{name}'",
                field=f"params.{name}",
            )
        if not isinstance(value, str) or len(value) > PARAM_VALUE_MAX:
            raise ValidationFailed(
                f"{name} must be text of at most {PARAM_VALUE_MAX} characters", field=f"params.{name}"
            )
        if value.strip():
            given[str(name)] = value.strip()
    scheduled = kind.scheduled_params(dict(given), today=today, frequency=frequency)
    clean = kind.parse(scheduled)
    added = set(scheduled) - set(given)
    return {name: value for name, value in clean.items() if name not in added and name not in PERIOD_PARAMS}


def _snapshot(subscription: Subscription) -> dict[str, object]:
    return {
        "kind": subscription.kind,
        "params": subscription.params,
        "format": subscription.format,
        "frequency": subscription.frequency,
        "day": subscription.day,
        "active": subscription.active,
    }


def _audit(actor: Actor, action: AuditAction, subscription: Subscription, changes: dict[str, object]) -> None:
    audit_record(actor=actor, action=action, obj=subscription, changes=changes)


# ---------------------------------------------------------------------------------------------------------
# Changes


@transaction.atomic
def subscription_create(
    *,
    actor: Actor,
    kind: str,
    params: Mapping[str, Any],
    fmt: str = Format.PDF,
    frequency: str = Frequency.MONTHLY,
    day: int = 5,
    active: bool = True,
    today: dt.date | None = None,
) -> Subscription:
    """A subscription of the actor's own (PermissionDenied without the kind's permission)."""
    policy.check_actor(actor)
    owner_id = getattr(actor, "pk", None)
    if not isinstance(owner_id, int):
        raise PermissionDenied("a subscription belongs to a signed-in user", code="permission_denied")
    report_kind = _kind(kind)
    policy.require(actor, report_kind.perm)
    today = today or timezone.localdate()
    chosen_frequency = _frequency(report_kind, frequency)
    chosen_day = _day(day)
    subscription = Subscription.objects.create(
        owner_id=owner_id,
        created_by_id=owner_id,
        kind=report_kind.code,
        params=clean_params(report_kind, params, frequency=chosen_frequency, today=today),
        format=_format(report_kind, fmt),
        frequency=chosen_frequency,
        day=chosen_day,
        active=bool(active),
        next_due=next_due(frequency=chosen_frequency, day=chosen_day, start=today),
    )
    _audit(actor, AuditAction.CREATE, subscription, _snapshot(subscription))
    return subscription


def _require_owner(actor: Actor, subscription: Subscription) -> None:
    policy.check_actor(actor)
    if subscription.owner_id != getattr(actor, "pk", None):
        raise NotFound("subscription not found")


@transaction.atomic
def subscription_update(
    *,
    actor: Actor,
    subscription: Subscription,
    kind: str | None = None,
    params: Mapping[str, Any] | None = None,
    fmt: str | None = None,
    frequency: str | None = None,
    day: int | None = None,
    active: bool | None = None,
    today: dt.date | None = None,
) -> Subscription:
    """Change the owner's subscription; a new schedule (frequency, day, re-activation) starts afresh."""
    _require_owner(actor, subscription)
    today = today or timezone.localdate()
    before = _snapshot(subscription)
    report_kind = _kind(kind if kind is not None else subscription.kind)
    policy.require(actor, report_kind.perm)
    chosen_frequency = _frequency(report_kind, frequency if frequency is not None else subscription.frequency)
    chosen_day = _day(day if day is not None else subscription.day)
    subscription.kind = report_kind.code
    subscription.params = clean_params(
        report_kind,
        params if params is not None else subscription.params,
        frequency=chosen_frequency,
        today=today,
    )
    subscription.format = _format(report_kind, fmt if fmt is not None else subscription.format)
    subscription.frequency = chosen_frequency
    subscription.day = chosen_day
    if active is not None:
        subscription.active = bool(active)
    after = _snapshot(subscription)
    rescheduled = any(before[key] != after[key] for key in ("frequency", "day", "active"))
    if rescheduled:
        subscription.next_due = next_due(frequency=chosen_frequency, day=chosen_day, start=today)
        subscription.attempts = 0
        subscription.retry_at = None
    subscription.save()
    changes = diff(before, after)
    if changes:
        _audit(actor, AuditAction.UPDATE, subscription, changes)
    return subscription


@transaction.atomic
def subscription_delete(*, actor: Actor, subscription: Subscription) -> None:
    _require_owner(actor, subscription)
    _audit(actor, AuditAction.DELETE, subscription, _snapshot(subscription))
    subscription.delete()


# ---------------------------------------------------------------------------------------------------------
# Sending


class Undeliverable(Exception):
    """A send that trying again will not fix (no permission, no e-mail address, invalid parameters)."""


@dataclass
class SendSummary:
    due: int = 0  # subscriptions due (and not waiting for a retry) when the run started
    sent: int = 0
    failed: int = 0  # failed attempts in this run (retried later or given up)
    given_up: int = 0  # of those, sends given up for their period
    skipped: int = 0  # claimed by another run meanwhile

    def __str__(self) -> str:
        return (
            f"{self.due} due, {self.sent} sent, {self.failed} failed "
            f"({self.given_up} given up, {self.failed - self.given_up} to retry)"
            + (f", {self.skipped} skipped (sent by another run)" if self.skipped else "")
        )


def _due(now: dt.datetime) -> QuerySet[Subscription]:
    today = timezone.localdate(now)
    return (
        Subscription.objects.filter(active=True, next_due__lte=today)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .select_related("owner")
        .order_by("next_due", "pk")
    )


def _claim(subscription: Subscription, now: dt.datetime) -> bool:
    """Take the subscription for this run unless another run (cron and beat, two workers) already did."""
    unchanged = Subscription.objects.filter(
        pk=subscription.pk, next_due=subscription.next_due, attempts=subscription.attempts
    )
    unchanged = (
        unchanged.filter(retry_at__isnull=True)
        if subscription.retry_at is None
        else unchanged.filter(retry_at=subscription.retry_at)
    )
    return unchanged.update(retry_at=now + CLAIM) == 1


def send_due(*, now: dt.datetime | None = None) -> SendSummary:
    """Send every subscription due at `now` (default: now) once; what cron and Celery beat run."""
    now = now or timezone.now()
    summary = SendSummary()
    for subscription in list(_due(now)):
        summary.due += 1
        if not _claim(subscription, now):
            summary.skipped += 1
            continue
        delivery = deliver(subscription, now=now)
        if delivery.status == DeliveryStatus.SENT:
            summary.sent += 1
        else:
            summary.failed += 1
            if subscription.attempts == 0:  # moved on to the next period
                summary.given_up += 1
    return summary


def _period_label(params: Mapping[str, str]) -> str:
    if params.get("period"):
        return params["period"]
    if params.get("start") and params.get("end"):
        return f"{params['start']}-{params['end']}"
    return ""


def _render(subscription: Subscription, kind: ReportKind, params: dict[str, str]) -> kinds.Rendered:
    owner = subscription.owner
    if not policy.has_perm(owner, kind.perm):
        raise Undeliverable(
            _(
                "%(user)s no longer has the '%(perm)s' permission this report needs, so nothing was sent. "
                "Ask an administrator for the role again, or delete this subscription."
            )
            % {"user": owner.get_username(), "perm": kind.perm.value}
        )
    if not owner.email:
        raise Undeliverable(_("Your account has no e-mail address to send the report to."))
    try:
        return services.render(user=owner, kind=kind.code, params=params, fmt=subscription.format)
    except AmahoroError as exc:  # out of scope now (NotFound / PermissionDenied), or parameters now invalid
        raise Undeliverable(
            _("The report could not be made with what you may see now: %(reason)s") % {"reason": exc.message}
        ) from None


def _email(subscription: Subscription, kind: ReportKind, rendered: kinds.Rendered, period: str) -> None:
    with translation.override(subscription.params.get("lang") or settings.LANGUAGE_CODE):
        subject = _("%(title)s, %(period)s") % {"title": kind.title, "period": period or "-"}
        body = _(
            "Attached: %(title)s for %(period)s (%(filename)s), with the figures your account may see today.\n\n"
            "You receive it because you subscribed to it in Amahoro (Reports, Subscriptions), where you can "
            "change or stop it."
        ) % {"title": kind.title, "period": period or "-", "filename": rendered.filename}
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[subscription.owner.email]
    )
    message.attach(rendered.filename, rendered.content, rendered.content_type.split(";")[0])
    message.send(fail_silently=False)


def deliver(subscription: Subscription, *, now: dt.datetime | None = None) -> Delivery:
    """One attempt to send the subscription's current due report; records it and reschedules."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due_on = subscription.next_due
    attempt = subscription.attempts + 1
    delivery = Delivery(
        subscription=subscription,
        due_on=due_on,
        attempt=attempt,
        recipient=subscription.owner.email,
    )
    retry = True
    try:
        try:
            kind = kinds.get(subscription.kind)
            params = kind.scheduled_params(
                dict(subscription.params), today=due_on, frequency=subscription.frequency
            )
        except AmahoroError as exc:
            raise Undeliverable(exc.message) from None
        delivery.period = _period_label(params)[:20]
        rendered = _render(subscription, kind, params)
        delivery.filename, delivery.size = rendered.filename[:200], len(rendered.content)
        _email(subscription, kind, rendered, delivery.period)
    except Undeliverable as exc:
        retry = False
        delivery.status, delivery.error = DeliveryStatus.FAILED, str(exc)
    except (smtplib.SMTPException, OSError) as exc:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = _("The e-mail could not be sent: %(reason)s") % {"reason": exc or type(exc).__name__}
    except Exception:  # a render that breaks must not stop the other subscriptions' sends
        log.exception("report subscription %s: render failed", subscription.uuid)
        delivery.status = DeliveryStatus.FAILED
        delivery.error = _("The report could not be rendered (the error is in the server's log).")
    else:
        delivery.status = DeliveryStatus.SENT
    delivery.error = delivery.error[:ERROR_MAX]
    _record(subscription, delivery, now=now, today=today, retry=retry)
    return delivery


@transaction.atomic
def _record(
    subscription: Subscription, delivery: Delivery, *, now: dt.datetime, today: dt.date, retry: bool
) -> None:
    delivery.save()
    if delivery.status == DeliveryStatus.SENT:
        subscription.last_sent_at = now
        subscription.last_error = ""
        _move_on(subscription, today)
    elif retry and delivery.attempt < MAX_ATTEMPTS:
        subscription.attempts = delivery.attempt
        subscription.retry_at = now + BACKOFF[delivery.attempt - 1]
        subscription.last_error = delivery.error
    else:
        if retry:
            delivery.error = (
                _("%(error)s Given up after %(n)d attempts; the next report is sent on schedule.")
                % {"error": delivery.error, "n": delivery.attempt}
            )[:ERROR_MAX]
            delivery.save(update_fields=["error"])
        subscription.last_error = delivery.error
        _move_on(subscription, today)
    subscription.save(
        update_fields=["last_sent_at", "last_error", "attempts", "retry_at", "next_due", "updated_at"]
    )


def _move_on(subscription: Subscription, today: dt.date) -> None:
    subscription.next_due = following_due(subscription, today=today)
    subscription.attempts = 0
    subscription.retry_at = None


def send_due_task() -> None:
    """Celery beat's entry (schedule.py): `send_due()` now, its summary logged; then the report runs older
    than a week are deleted (runs.purge_old)."""
    log.info("report subscriptions: %s", send_due())
    purged = purge_old()
    if purged:
        log.info("report runs: %s older than %s days deleted", purged, KEEP_RUN_DAYS)
