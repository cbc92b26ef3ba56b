"""Report runs (a render asked for on a page, done by a task, with its progress) and subscriptions (a report
e-mailed on a schedule), with the log of each delivery attempt. A run's file is encrypted at rest: a GBV
report holds only suppressed counts, but no report file is left readable in a database dump."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core import crypto
from amahoro.core.models import BaseModel

KIND_MAX = 40


class Format(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportRun(BaseModel):
    """One render of a report for its owner: `params` are the kind's normalised parameters (with `lang`)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_runs")
    kind = models.CharField(max_length=KIND_MAX)
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=8, choices=Format.choices)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done (0-100)"))
    stage = models.CharField(max_length=200, blank=True, help_text=_("What the render is doing now"))
    error = models.TextField(blank=True)
    content_enc = models.BinaryField(null=True, blank=True, editable=False)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    encrypted_blobs = ("content_enc",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.format} ({self.status})"

    @property
    def content(self) -> bytes | None:
        return None if not self.content_enc else crypto.decrypt_bytes(bytes(self.content_enc))


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Subscription(BaseModel):
    """A report e-mailed to its owner on `day` of each month (or of the month after each quarter), with
    the figures the owner may see at send time. `params` are the kind's parameters without the period (the
    period is the last complete month or quarter on the send date)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    kind = models.CharField(max_length=KIND_MAX)
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.PDF)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    day = models.PositiveSmallIntegerField(default=5, help_text=_("Day of the month to send (1-28)"))
    active = models.BooleanField(default=True)
    next_due = models.DateField(help_text=_("The next day the report is sent"))
    # Consecutive failed attempts of the current due send, and when it is tried again (back-off).
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "pk"]
        indexes = [models.Index(fields=["active", "next_due"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.frequency} for {self.owner_id}"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One attempt to send a subscription's report (the log shown on the subscription page)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField()
    period = models.CharField(max_length=20, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    recipient = models.CharField(max_length=254, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.due_on} {self.status}"
