"""Programmes and the people they reach: programmes, cohorts with a curriculum of N sessions, sessions,
pseudonymous participants (identifying details encrypted at rest), enrolments, attendance, merges of
duplicate participants; and attitude scales (GEM and any other) with survey rounds and scored responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.crypto import EncryptedTextField
from amahoro.core.models import BaseModel
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation


class ActivityType(models.TextChoices):
    CURRICULUM = "curriculum", _("Curriculum sessions")
    DIALOGUE = "dialogue", _("Community dialogue")
    TRAINING = "training", _("Training")
    CLUB = "club", _("Club meeting")
    EVENT = "event", _("Event")


class Arm(models.TextChoices):
    INTERVENTION = "intervention", _("Intervention")
    COMPARISON = "comparison", _("Comparison")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Programme(BaseModel):
    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    districts = models.ManyToManyField(OrgUnit, related_name="programmes")
    framework_nodes = models.ManyToManyField(Node, blank=True, related_name="programmes")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    # Data elements that unique reach and completion are pushed to (by district, and by sex when the
    # element's category combo is Sex); see services.programmes.programme_indicators_push.
    reach_data_element = models.ForeignKey(
        DataElement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completion_data_element = models.ForeignKey(
        DataElement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "% in a band" as numerator and denominator data elements (an indicator divides them): people whose
    # latest scale response in the period falls in `band_name`, and people who responded.
    band_name = models.CharField(max_length=100, blank=True, help_text=_("e.g. high"))
    band_data_element = models.ForeignKey(
        DataElement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    respondents_data_element = models.ForeignKey(
        DataElement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Cohort(BaseModel):
    """A group following a curriculum (or an activity series) together, meeting in one place."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cohorts")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=300)
    activity_type = models.CharField(
        max_length=20, choices=ActivityType.choices, default=ActivityType.CURRICULUM
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    start = models.DateField()
    end = models.DateField()
    planned_sessions = models.PositiveSmallIntegerField(default=1)
    completion_min = models.PositiveSmallIntegerField(
        default=1, help_text=_("Sessions attended to complete, e.g. 12 of 17")
    )
    arm = models.CharField(max_length=20, choices=Arm.choices, default=Arm.INTERVENTION)

    class Meta:
        ordering = ["programme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="programmes_unique_cohort_code"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="programmes_cohort_dates"),
            models.CheckConstraint(
                condition=Q(completion_min__lte=models.F("planned_sessions")),
                name="programmes_cohort_completion_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}/{self.code}"


class Session(BaseModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    date = models.DateField()
    place = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    facilitators = models.CharField(max_length=300, blank=True)
    topics = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["cohort", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="programmes_unique_session_number")
        ]

    def __str__(self) -> str:
        return f"{self.cohort} #{self.number}"


class Participant(BaseModel):
    """A person reached, known by a pseudonymous code. Name and phone are encrypted at rest; `name_key` is
    a blind index of the name's phonetic key (to find possible duplicates without decrypting)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="participants")
    code = models.CharField(max_length=30)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    village = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    disability = models.BooleanField(default=False)
    role = models.CharField(max_length=100, blank=True, help_text=_("e.g. husband, wife, local leader"))
    name_enc = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    name_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="programmes_unique_participant_code"
            )
        ]

    def __str__(self) -> str:
        return self.code


class ParticipantLink(BaseModel):
    """Two participants linked, e.g. the two members of a couple."""

    a = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="links_a")
    b = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="links_b")
    kind = models.CharField(max_length=30, default="couple")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["a", "b", "kind"], name="programmes_unique_link"),
            models.CheckConstraint(condition=~Q(a=models.F("b")), name="programmes_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.a_id}<->{self.b_id} ({self.kind})"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class Enrolment(BaseModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    dropped_out_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["cohort", "participant__code"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "participant"], name="programmes_unique_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}:{self.participant_id}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=True)
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="programmes_unique_attendance")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.participant_id}={'present' if self.present else 'absent'}"


class ParticipantMerge(BaseModel):
    """History of a merge: `merged` was found to be the same person as `kept`; its enrolments, attendance
    and responses moved to `kept` (counts in `moved`) and it now points to `kept`."""

    kept = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges_merged")
    moved = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.kept_id}"


# ---------------------------------------------------------------------------------------------------------
# Scales


class Scale(BaseModel):
    """An attitude scale as configuration: items with their response options and scores, subscales, bands,
    and how many missing answers are tolerated (prorated) before a response cannot be scored."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=300)
    name_fr = models.CharField(max_length=300, blank=True)
    name_rw = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scales",
        help_text=_("Owner; empty = shared (built-in)"),
    )
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text=_("Published source of the items and cut-offs"))
    max_missing = models.PositiveSmallIntegerField(
        default=0, help_text=_("Missing answers tolerated; the total is then prorated")
    )
    builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ScaleItem(models.Model):
    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=50)
    text = models.CharField(max_length=500)
    text_fr = models.CharField(max_length=500, blank=True)
    text_rw = models.CharField(max_length=500, blank=True)
    subscale = models.CharField(max_length=100, blank=True)
    scores = models.JSONField(help_text=_("Response option -> score"))
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scale", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["scale", "code"], name="programmes_unique_item_code")]

    def __str__(self) -> str:
        return self.code


class ScaleBand(models.Model):
    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="bands")
    name = models.CharField(max_length=100)
    min = models.FloatField()
    max = models.FloatField()
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scale", "sort_order"]

    def __str__(self) -> str:
        return f"{self.name} {self.min}-{self.max}"


class RoundKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    ENDLINE = "endline", _("Endline")
    FOLLOW_UP = "follow_up", _("Follow-up")


class SurveyRound(BaseModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="rounds")
    scale = models.ForeignKey(Scale, on_delete=models.PROTECT, related_name="rounds")
    kind = models.CharField(max_length=20, choices=RoundKind.choices)
    date = models.DateField()

    class Meta:
        ordering = ["cohort", "date"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "scale", "kind"], name="programmes_unique_round")
        ]

    def __str__(self) -> str:
        return f"{self.cohort} {self.scale.code} {self.kind}"


class ScaleResponse(BaseModel):
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    answers = models.JSONField()
    total = models.FloatField()
    subscales = models.JSONField(default=dict)
    band = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "participant"], name="programmes_unique_response")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.participant_id}={self.total}"
