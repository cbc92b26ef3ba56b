"""Notifications: one row per recipient and event (the in-app list), and one delivery per outside channel
(e-mail, SMS) with its attempts, so a worker that dies mid-send loses nothing. Text never carries a
survivor's name, phone or incident details: it names a case by its survivor code and links to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.crypto import EncryptedTextField
from amahoro.core.models import BaseModel


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Notification(BaseModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # e.g. "referral.received"; the registry in events.py gives its wording
    event = models.CharField(max_length=60)
    # Rendered once, in the recipient's language, when created; never identifying.
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A path inside the product ("/cases/referrals/<uuid>/"), where the recipient acts.
    link = models.CharField(max_length=300, blank=True)
    # What it is about, for de-duplication and tests: "cases.service" + uuid.
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_read")]

    def __str__(self) -> str:
        return f"{self.event} -> {self.recipient_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class Delivery(models.Model):
    """One notification on one outside channel: pending until a sender claims it, retried with back-off."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which sender run holds the claim (host:pid:random), renewed with claimed_at just before each send.
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class Preference(models.Model):
    """A user's channels. In-app is always on; e-mail goes to the account's address, SMS to `phone`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    phone = EncryptedTextField(blank=True, default="")
    # Events the user does not want on e-mail or SMS (they still appear in the app).
    muted_events = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
