"""Civil-society shadow reporting: consultation rounds on a results framework, civil-society assessments of
progress per outcome (rating, evidence, comments, attachments), the responsible agencies' responses, and
moderation before a round's summary is published side by side with the official status."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.crypto import EncryptedTextField
from amahoro.core.models import BaseModel
from amahoro.frameworks.models import Framework, Node
from amahoro.organisations.models import Organisation


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Rating(models.IntegerChoices):
    """The civil-society scale (a five-point progress scale, as used in shadow reports)."""

    NONE = 1, _("No progress")
    LIMITED = 2, _("Limited progress")
    MODERATE = 3, _("Moderate progress")
    SUBSTANTIAL = 4, _("Substantial progress")
    ACHIEVED = 5, _("Achieved")


class Moderation(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ConsultationRound(BaseModel):
    """A consultation on one framework, convened (and moderated) by one organisation, e.g. MIGEPROF."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="consultation_rounds")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="convened_rounds",
        help_text=_("Convener: its managers moderate and publish"),
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    period = models.CharField(
        max_length=20, blank=True, help_text=_("DHIS2 period of the official status shown beside (e.g. 2024)")
    )
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Assessment(BaseModel):
    """One civil-society organisation's rating of one outcome in a round.

    An anonymous assessment stores no organisation and no creator: only `author_index`, a keyed digest of
    the author organisation (amahoro.core.crypto.blind_index) that lets that organisation's own members
    find and edit it, and that keeps one assessment per organisation and outcome. See docs/consultations.md
    for who can still learn the author.
    """

    round = models.ForeignKey(ConsultationRound, on_delete=models.CASCADE, related_name="assessments")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="cso_assessments")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cso_assessments",
        help_text=_("Empty when submitted anonymously"),
    )
    author_index = models.CharField(max_length=64, db_index=True)
    anonymous = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    evidence = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.PENDING)
    moderation_note = models.CharField(max_length=500, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "node__sort_order", "node__code", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "node", "author_index"], name="consultations_one_assessment_per_author"
            ),
            models.CheckConstraint(
                condition=Q(anonymous=True, organisation__isnull=True)
                | Q(anonymous=False, organisation__isnull=False),
                name="consultations_anonymous_has_no_organisation",
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="consultations_rating_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"assessment {self.uuid} of {self.node_id}"

    @property
    def author_label(self) -> str:
        if self.anonymous or self.organisation is None:
            return str(_("Anonymous civil-society organisation"))
        return self.organisation.short_name or self.organisation.name


class Attachment(BaseModel):
    """Evidence file of an assessment, stored encrypted in the database (it may name people)."""

    # Fernet tokens (core.crypto.encrypt_bytes): rotated by `amahoro rotate_field_keys`.
    encrypted_blobs = ("content",)

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = models.BinaryField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"attachment {self.uuid}"


class AgencyResponse(BaseModel):
    """The answer of an agency responsible for the outcome (a responsible organisation of the node)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cso_responses")
    text = models.TextField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "organisation"], name="consultations_one_response_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"response {self.uuid}"
