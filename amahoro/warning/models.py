"""Early warning and early response (EWER, NAP 1325 outcome P2.O3): community signals from the web, SMS, ODK
and the statistical detectors; their triage, routing to a responder organisation with a deadline, and
escalation. A signal's description and its reporter's contact are encrypted at rest and seen only by those
who act on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.crypto import EncryptedJSONField, EncryptedTextField
from amahoro.core.i18n import TranslatedDescriptionMixin
from amahoro.core.models import BaseModel
from amahoro.metadata.models import TranslatedNameMixin


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")


class SignalType(BaseModel, TranslatedNameMixin, TranslatedDescriptionMixin):
    """The taxonomy (`amahoro load_reference ewer-default` loads the default set)."""

    code = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    # A GBV signal may open a GBV case, only through a case worker (with consent recorded there).
    is_gbv = models.BooleanField(default=False)
    default_urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # SMS keywords in rw/fr/en that name this type ("GBV", "IHOHOTERWA", "VIOLENCE"...), upper case.
    keywords = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SignalStatus(models.TextChoices):
    NEW = "new", _("New")
    VERIFIED = "verified", _("Verified")
    DISCARDED = "discarded", _("Discarded")
    ASSIGNED = "assigned", _("Assigned")
    RESPONDING = "responding", _("Responding")
    RESOLVED = "resolved", _("Resolved")


class Source(models.TextChoices):
    API = "api", _("API")
    WEB = "web", _("Public report page")
    SMS = "sms", _("SMS")
    ODK = "odk", _("ODK / XLSForm")
    DETECTOR = "detector", _("Statistical alarm")


class Signal(BaseModel):
    type = models.ForeignKey(SignalType, on_delete=models.PROTECT, related_name="signals")
    org_unit = models.ForeignKey("geo.OrgUnit", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    description = EncryptedTextField(blank=True, default="")
    # {"name", "phone"}: seen only by the verifying focal point of the place.
    reporter = EncryptedJSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # The gateway's message id, the submission's instanceID, the detector's key: a signal is stored once.
    source_ref = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=SignalStatus.choices, default=SignalStatus.NEW)
    assigned_to = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # How many levels up the missed deadline has gone (0 = not escalated), and when last.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The GBV case opened from it by a case worker (the signal keeps only this link).
    case_uuid = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="warning_signal_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~Q(source_ref=""), name="warning_signal_once"
            )
        ]

    def __str__(self) -> str:
        return f"signal {str(self.uuid)[:8]}"


class Transition(models.Model):
    """Every status change, with who, when and an (encrypted) note."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=SignalStatus.choices)
    to_status = models.CharField(max_length=12, choices=SignalStatus.choices)
    note = EncryptedTextField(blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class RoutingRule(BaseModel):
    """Signals of this type (any type when empty) in this subtree go to this responder, with a deadline per
    urgency. The most specific rule wins (a type over any type, a deeper place over a higher one)."""

    signal_type = models.ForeignKey(
        SignalType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    org_unit = models.ForeignKey("geo.OrgUnit", on_delete=models.PROTECT, related_name="+")
    responder = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    hours_immediate = models.PositiveIntegerField(default=4)
    hours_high = models.PositiveIntegerField(default=24)
    hours_routine = models.PositiveIntegerField(default=72)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["org_unit__path", "id"]

    def __str__(self) -> str:
        return f"route {self.signal_type_id or '*'} @ {self.org_unit_id} -> {self.responder_id}"


class SmsChannel(BaseModel):
    """An inbound SMS number/short code: `POST /api/v1/ewer/inbound/sms/<code>`, authenticated by its secret."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    # Only the SHA-256 of the secret is kept (like API tokens).
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Method(models.TextChoices):
    EARS_C1 = "ears_c1", "EARS C1"
    EARS_C2 = "ears_c2", "EARS C2"
    EARS_C3 = "ears_c3", "EARS C3"
    FARRINGTON_FLEXIBLE = "farrington_flexible", "Farrington flexible"


class Detector(BaseModel):
    """Runs an alarm method weekly over signal counts (of a type, or all) or a data element, per place at a
    level; an alarm becomes a signal of type `statistical_alarm`, routed like the others."""

    name = models.CharField(max_length=200)
    method = models.CharField(max_length=30, choices=Method.choices)
    params = models.JSONField(default=dict, blank=True)
    signal_type = models.ForeignKey(
        SignalType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data_element_code = models.CharField(max_length=50, blank=True)
    level = models.PositiveSmallIntegerField(
        default=3, help_text=_("Org-unit level: 2 province, 3 district, 4 sector")
    )
    is_active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
