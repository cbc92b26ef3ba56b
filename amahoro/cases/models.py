"""GBV case management (GBVIMS): survivors, incidents, perpetrators, consent, services and referrals, case
notes. Identifying details live only in encrypted columns; exact-match lookups go through blind indexes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.crypto import EncryptedJSONField, EncryptedTextField
from amahoro.core.models import BaseModel

from . import classification as cl


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married or cohabiting")
    DIVORCED = "divorced", _("Divorced or separated")
    WIDOWED = "widowed", _("Widowed")
    UNKNOWN = "unknown", _("Unknown")


class Displacement(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    IDP = "idp", _("Internally displaced")
    REFUGEE = "refugee", _("Refugee")
    RETURNEE = "returnee", _("Returnee")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    UNKNOWN = "unknown", _("Unknown")


class LocationType(models.TextChoices):
    HOME_SURVIVOR = "survivor_home", _("Survivor's home")
    HOME_PERPETRATOR = "perpetrator_home", _("Perpetrator's home")
    SCHOOL = "school", _("School")
    WORKPLACE = "workplace", _("Workplace")
    ROAD = "road", _("Road or street")
    FIELD = "field", _("Field or bush")
    MARKET = "market", _("Market or shop")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class TimeOfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening or night")
    UNKNOWN = "unknown", _("Unknown")


class HarmfulPractice(models.TextChoices):
    NONE = "", _("None")
    FGM = "fgm", _("Female genital mutilation/cutting")
    CHILD_MARRIAGE = "child_marriage", _("Child marriage")
    WIDOW_INHERITANCE = "widow_inheritance", _("Widow inheritance")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")


class Survivor(BaseModel):
    """One survivor; the code is a random pseudonym, everything that identifies them is in `identity`."""

    code = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("geo.OrgUnit", on_delete=models.PROTECT, related_name="+")
    sex = models.CharField(max_length=10, choices=Sex.choices)
    age = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Age at the first incident"))
    age_estimated = models.BooleanField(default=False)
    marital_status = models.CharField(max_length=20, choices=MaritalStatus.choices, default="unknown")
    disability = models.BooleanField(default=False)
    displacement_status = models.CharField(max_length=20, choices=Displacement.choices, default="resident")
    nationality = models.CharField(max_length=2, default="RW", help_text=_("ISO 3166-1 alpha-2"))
    # {name, phone, address, national_id, date_of_birth}: one ciphertext, never searchable.
    identity = EncryptedJSONField(default=dict)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.code


class Incident(BaseModel):
    survivor = models.ForeignKey(Survivor, on_delete=models.PROTECT, related_name="incidents")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("geo.OrgUnit", on_delete=models.PROTECT, related_name="+")
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident_date = models.DateField()
    # When in the day, if known: the PEP (72 h) and emergency-contraception (120 h) countdowns run from
    # incident_date + incident_time (from the start of the day when the time is unknown: the earlier deadline).
    incident_time = models.TimeField(null=True, blank=True)
    report_date = models.DateField()
    location_type = models.CharField(max_length=20, choices=LocationType.choices, default="unknown")
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, default="unknown")
    # Classification Tool answers; gbv_type and contexts are derived from them (never chosen).
    penetration = models.BooleanField(default=False)
    unwanted_sexual_contact = models.BooleanField(default=False)
    physical_assault = models.BooleanField(default=False)
    forced_marriage = models.BooleanField(default=False)
    denial_of_resources = models.BooleanField(default=False)
    psychological_abuse = models.BooleanField(default=False)
    gbv_type = models.CharField(max_length=30, choices=_choices(cl.GBV_TYPES), editable=False)
    contexts = models.JSONField(default=list, editable=False)
    elapsed_days = models.PositiveIntegerField(editable=False)
    elapsed_reporting_bucket = models.CharField(max_length=20, choices=_choices(cl.BUCKETS), editable=False)
    survivor_age = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    goods_exchanged = models.BooleanField(default=False)
    abduction = models.CharField(max_length=30, choices=_choices(cl.ABDUCTION), default="none")
    harmful_traditional_practice = models.CharField(
        max_length=30, choices=HarmfulPractice.choices, blank=True, default=""
    )
    reported_elsewhere = models.BooleanField(default=False)
    account = EncryptedTextField(blank=True, default="", help_text=_("The survivor's account (encrypted)"))
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default="open")
    closure_reason = models.CharField(max_length=200, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A supervisor sent the closure request back (the case worker's worklist shows it until acted on).
    closure_returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every edit"))

    class Meta:
        ordering = ["-report_date", "-id"]
        indexes = [models.Index(fields=["organisation", "report_date"], name="cases_incident_org_report")]

    def __str__(self) -> str:
        # Never identifying: this goes into the audit log and error messages.
        return f"incident {str(self.uuid)[:8]}"

    def answers(self) -> dict[str, bool]:
        return {q: bool(getattr(self, q)) for q, _ in cl.QUESTIONS}


class Perpetrator(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="perpetrators")
    sex = models.CharField(max_length=10, choices=Sex.choices, default="unknown")
    age_group = models.CharField(
        max_length=10, choices=[*_choices(cl.AGE_GROUPS), ("unknown", "unknown")], default="unknown"
    )
    relationship = models.CharField(max_length=20, choices=_choices(cl.RELATIONSHIPS), default="unknown")
    occupation = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"perpetrator {self.pk}"


class ConsentPurpose(models.TextChoices):
    SERVICES = "services", _("Services and referral")
    REPORTING = "reporting", _("Non-identifiable reporting")
    RELEASE = "release", _("Release of information to a service")
    # Referral to one kind of provider (service = the kind): a referral of that kind needs it.
    REFERRAL = "referral", _("Referral to a kind of service")


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbal")
    WRITTEN = "written", _("Written / signed")
    THUMBPRINT = "thumbprint", _("Thumbprint")
    GUARDIAN = "guardian", _("Parent or guardian")


class ServiceType(models.TextChoices):
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    POLICE = "police", _("Police / RIB investigation")
    LEGAL = "legal", _("Legal aid")
    SAFE_HOUSE = "safe_house", _("Safe house")
    LIVELIHOODS = "livelihoods", _("Economic empowerment")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    MALE_ENGAGEMENT = "male_engagement", _("Male-engagement programme")


class Consent(BaseModel):
    """One consent given (or refused) for one purpose; withdrawing keeps the row and stamps it.

    A release of information names the service type *and* the recipient organisation: it lets that one
    organisation see who the survivor is for that service, and no other. Release consents recorded before
    recipients were named (recipient empty) release nothing (see docs/security.md)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    service = models.CharField(max_length=20, choices=ServiceType.choices, blank=True)
    recipient = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a release of information: the one organisation it may go to"),
    )
    given = models.BooleanField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    # For a referral consent: the ways the survivor agrees to be contacted by the receiving service
    # (ContactMethod codes). Empty: not asked (consents recorded before it was asked allow any).
    contact_methods = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"consent {self.purpose}"

    @property
    def active(self) -> bool:
        return self.given and self.withdrawn_at is None

    @property
    def contact_method_labels(self) -> list[str]:
        labels = dict(ContactMethod.choices)
        return [str(labels.get(m, m)) for m in self.contact_methods or []]


class ServiceStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    PROVIDED = "provided", _("Provided by us")
    ALREADY_RECEIVED = "already_received", _("Already received")
    DECLINED = "declined", _("Declined")
    UNAVAILABLE = "unavailable", _("Unavailable")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


class ReferralStatus(models.TextChoices):
    NONE = "", _("Not a referral")
    PENDING = "pending", _("Awaiting reply")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    # Consent withdrawn or case closed while the referral was open.
    CLOSED = "closed", _("Closed")


class ContactMethod(models.TextChoices):
    THROUGH_CASE_WORKER = "case_worker", _("Only through the referring case worker")
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    NONE = "none", _("Do not contact")


class Service(BaseModel):
    """A service for an incident: provided here, or a referral to a provider organisation."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="services")
    type = models.CharField(max_length=20, choices=ServiceType.choices)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices)
    provider = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField(null=True, blank=True)
    provided_on = models.DateField(null=True, blank=True)
    # Health: post-exposure prophylaxis and emergency contraception, dated to check the windows.
    pep_given_on = models.DateField(null=True, blank=True)
    ec_given_on = models.DateField(null=True, blank=True)
    # The referral pathway: the provider chosen from the directory, and the receiver's answer.
    provider_unit = models.ForeignKey(
        "directory.ServiceProvider", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    contact_method = models.CharField(
        max_length=20, choices=ContactMethod.choices, default=ContactMethod.THROUGH_CASE_WORKER
    )
    referral_status = models.CharField(max_length=10, choices=ReferralStatus.choices, blank=True, default="")
    reply_due_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A decline's reason or a completion's outcome, written by the receiver (encrypted: it may describe care).
    response_note = EncryptedTextField(blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    consent_override_reason = EncryptedTextField(blank=True, default="")
    consent_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"service {str(self.uuid)[:8]}"

    @property
    def is_referral(self) -> bool:
        return self.provider_id is not None and self.provider_id != self.incident.organisation_id


class NoteKind(models.TextChoices):
    PLAN = "plan", _("Case plan")
    FOLLOW_UP = "follow_up", _("Follow-up")


class CaseNote(BaseModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    text = EncryptedTextField()
    due_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {str(self.uuid)[:8]}"


class DeadlineNotice(models.Model):
    """That a PEP or emergency-contraception countdown's notification went out (deadline_notices.py): one row
    per case, kind (pep/ec) and stage (closing: to the worker; passed: to the supervisors), so each is sent
    once whatever the number of runs."""

    class Stage(models.TextChoices):
        CLOSING = "closing", _("Closing")
        PASSED = "passed", _("Passed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deadline_notices")
    kind = models.CharField(max_length=10)  # deadlines.PEP / deadlines.EC
    stage = models.CharField(max_length=10, choices=Stage.choices)
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "stage"], name="cases_deadline_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.kind}/{self.stage}"
