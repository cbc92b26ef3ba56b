"""Sending the e-mail and SMS deliveries: claimed one by one, sent, then marked sent or rescheduled.

A delivery is due when it is pending and its next attempt has come, or when it has been "sending" for
longer than the lease (NOTIFICATIONS_LEASE_SECONDS): the sender that claimed it died, so another takes it.
That makes delivery at-least-once: a sender killed after the gateway took the message but before it
recorded so sends it again. A claim is one conditional UPDATE (status and claimed_at unchanged since read),
which works on SQLite and PostgreSQL alike; on PostgreSQL the candidates are first locked with
SELECT ... FOR UPDATE SKIP LOCKED so concurrent senders take different rows instead of racing.

A batch is claimed at once, but each row's claim is renewed (claimed_at = now, still ours) just before it
is sent: rows late in a slow batch may have outlived the lease and been taken by another sender meanwhile,
and then the renewal finds the claim changed and this sender skips the row instead of sending it twice.
Failures are retried after 1 min, 5 min, 30 min, 2 h and 6 h, then the delivery is failed with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import sms
from .models import Channel, Delivery, DeliveryStatus, Notification, Preference

log = logging.getLogger(__name__)

# Wait after the 1st, 2nd, ... failed attempt; after the last one the delivery is failed for good.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50  # deliveries claimed per query; a run goes on until none is due
ERROR_MAX = 500
SMS_MAX = 306  # two SMS segments


class Undeliverable(Exception):
    """Trying again will not help (no address any more, the user switched the channel off, number refused)."""


@dataclass
class SendSummary:
    claimed: int = 0
    sent: int = 0
    retry: int = 0  # failed attempts to be tried again
    failed: int = 0  # given up
    skipped: int = 0  # claimed, but taken over by another sender before this one sent it

    def __str__(self) -> str:
        text = f"{self.claimed} claimed, {self.sent} sent, {self.retry} to retry, {self.failed} failed"
        return text + (f", {self.skipped} taken over by another sender" if self.skipped else "")


def sender_id() -> str:
    """Names one sender run in the claims it holds: host, process and a random part (threads differ)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def _due(now: dt.datetime) -> Q:
    pending = Q(status=DeliveryStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - _lease())
    return pending | abandoned


def _take(row: Mapping[str, Any], now: dt.datetime, sender: str = "") -> bool:
    """Claim one delivery if nobody changed it since it was read (the same claim on any database)."""
    return (
        Delivery.objects.filter(id=row["id"], status=row["status"], claimed_at=row["claimed_at"]).update(
            status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=sender, attempts=F("attempts") + 1
        )
        == 1
    )


def claim_due(*, now: dt.datetime | None = None, limit: int = BATCH, sender: str = "") -> list[Delivery]:
    """Claim up to `limit` due deliveries for this sender; they are "sending" with claimed_at = now."""
    now = now or timezone.now()
    sender = sender or sender_id()
    rows = Delivery.objects.filter(_due(now)).order_by("next_attempt_at", "id")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        candidates = list(rows.values("id", "status", "claimed_at")[:limit])
        taken = [row["id"] for row in candidates if _take(row, now, sender)]
    return list(
        Delivery.objects.filter(id__in=taken)
        .select_related("notification__recipient")
        .order_by("next_attempt_at", "id")
    )


def _absolute(link: str) -> str:
    if not link or "://" in link:
        return link
    return settings.AMAHORO_SITE_URL + link


def email_text(notification: Notification) -> tuple[str, str]:
    """Subject and body of the e-mail: the notification's own words and its link, nothing else."""
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines = [notification.title]
        if notification.body:
            lines += ["", notification.body]
        if notification.link:
            lines += ["", _("Open it in Amahoro: %(link)s") % {"link": _absolute(notification.link)}]
        lines += [
            "",
            "-- ",
            _(
                "You receive this because of your role in Amahoro. Choose your channels on the page "
                "Notifications, Settings."
            ),
        ]
        subject = "Amahoro: " + notification.title
    return subject[:200], "\n".join(lines)


def sms_text(notification: Notification) -> str:
    text = "Amahoro: " + notification.title
    link = _absolute(notification.link)
    if link and "://" in link:
        text += " " + link
    return text[:SMS_MAX]


def _send_email(notification: Notification) -> None:
    user = notification.recipient
    preference = Preference.objects.filter(user=user).first()
    if not user.email:
        raise Undeliverable(_("The account has no e-mail address."))
    if preference is not None and not preference.email:
        raise Undeliverable(_("E-mail was switched off before it was sent."))
    subject, body = email_text(notification)
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]).send(
        fail_silently=False
    )


def _send_sms(notification: Notification) -> None:
    preference = Preference.objects.filter(user=notification.recipient).first()
    if preference is None or not preference.sms:
        raise Undeliverable(_("SMS was switched off before it was sent."))
    if not preference.phone:
        raise Undeliverable(_("The account has no phone number for SMS."))
    try:
        sms.backend().send(preference.phone, sms_text(notification))
    except sms.SmsRejected as exc:
        raise Undeliverable(str(exc)) from None


# What a recorded outcome sets besides the status: the claim is released.
_RELEASE: dict[str, Any] = {"claimed_at": None, "claimed_by": ""}


def _ours(delivery: Delivery) -> Q:
    return Q(
        id=delivery.id,
        status=DeliveryStatus.SENDING,
        claimed_at=delivery.claimed_at,
        claimed_by=delivery.claimed_by,
    )


def renew(delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """Renew this sender's claim (claimed_at = now) if it still holds it; False: another sender took the
    delivery over after our lease ran out, and it is theirs to send. Called just before each send, so a
    sender never sends a row it no longer holds (and its lease starts again for this one send)."""
    renewed_at = now or timezone.now()
    if Delivery.objects.filter(_ours(delivery)).update(claimed_at=renewed_at) != 1:
        return False
    delivery.claimed_at = renewed_at
    return True


def _finish(delivery: Delivery, **values: object) -> bool:
    """Record the outcome unless another sender took the delivery over meanwhile (our lease ran out)."""
    return Delivery.objects.filter(_ours(delivery)).update(**values) == 1


def deliver(delivery: Delivery, *, summary: SendSummary, now: dt.datetime | None = None) -> None:
    """One attempt of a claimed delivery; a retry is scheduled from `now` (default: the end of the attempt).
    Nothing is sent if the claim is no longer ours; the summary counts only outcomes actually recorded."""
    if not renew(delivery, now=now):
        summary.skipped += 1
        log.info("notification delivery %s: taken over by another sender, not sent here", delivery.id)
        return
    error, retry = "", True
    try:
        if delivery.attempts > MAX_ATTEMPTS:  # claimed again and again by senders that died
            raise Undeliverable(_("Abandoned by the sender %(n)d times.") % {"n": delivery.attempts - 1})
        if delivery.channel == Channel.EMAIL:
            _send_email(delivery.notification)
        elif delivery.channel == Channel.SMS:
            _send_sms(delivery.notification)
        else:
            raise Undeliverable(f"unknown channel {delivery.channel}")
    except Undeliverable as exc:
        error, retry = str(exc), False
    except sms.SmsError as exc:
        error = str(exc)
    except (smtplib.SMTPException, OSError) as exc:
        error = _("The e-mail could not be sent: %(reason)s") % {"reason": exc or type(exc).__name__}
    except ImproperlyConfigured as exc:  # fix the settings, then the retry goes through
        error = str(exc)
    except Exception:  # one broken delivery must not stop the others
        log.exception("notification delivery %s failed", delivery.id)
        error = _("Sending failed (the error is in the server's log).")
    now = now or timezone.now()
    if not error:
        if _finish(delivery, status=DeliveryStatus.SENT, sent_at=now, last_error="", **_RELEASE):
            summary.sent += 1
        else:
            _lost(delivery, summary)
        return
    error = error[:ERROR_MAX]
    if retry and delivery.attempts < MAX_ATTEMPTS:
        if _finish(
            delivery,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now + BACKOFF[delivery.attempts - 1],
            last_error=error,
            **_RELEASE,
        ):
            summary.retry += 1
        else:
            _lost(delivery, summary)
    else:
        if retry:
            error = (
                _("%(error)s Given up after %(n)d attempts.") % {"error": error, "n": delivery.attempts}
            )[:ERROR_MAX]
        if _finish(delivery, status=DeliveryStatus.FAILED, last_error=error, **_RELEASE):
            summary.failed += 1
        else:
            _lost(delivery, summary)
    log.warning(
        "notification delivery %s (%s) attempt %s: %s",
        delivery.id,
        delivery.channel,
        delivery.attempts,
        error,
    )


def _lost(delivery: Delivery, summary: SendSummary) -> None:
    """The attempt ran longer than the lease and another sender took the delivery over: its outcome is
    theirs to record (the message may go out twice: delivery is at least once)."""
    summary.skipped += 1
    log.warning(
        "notification delivery %s: the claim ran out during the attempt; another sender holds it", delivery.id
    )


def send_pending(*, now: dt.datetime | None = None, limit: int | None = None) -> SendSummary:
    """Send every delivery due now (new ones, retries whose back-off passed, abandoned claims), batch by
    batch until none is due or `limit` were claimed. What the task, beat and the command run."""
    summary = SendSummary()
    sender = sender_id()
    while limit is None or summary.claimed < limit:
        batch = claim_due(
            now=now, limit=min(BATCH, limit - summary.claimed) if limit else BATCH, sender=sender
        )
        if not batch:
            break
        summary.claimed += len(batch)
        for delivery in batch:
            # Retries are scheduled after `now`, so the next batch never takes them again in this run.
            deliver(delivery, summary=summary, now=now)
    return summary
