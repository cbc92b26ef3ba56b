"""Field data collection: XLSForms (every version kept), their media, collector tokens for devices,
submissions received over OpenRosa (with history of edits and attachments) and the rules that turn
submissions into data values."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation


class XForm(BaseModel):
    """A form as field clients see it: its current version's XML, plus every version in `versions`."""

    # Fernet tokens (core.crypto.encrypt_bytes): rotated by `amahoro rotate_field_keys`.
    encrypted_blobs = ("private_key_enc",)

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="xforms")
    # The XForm's instance id: the one name clients, exports and other apps use for a form.
    form_id = models.CharField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    version = models.CharField(max_length=100, blank=True)
    md5 = models.CharField(max_length=32)
    xml = models.TextField()
    xlsform = models.BinaryField(editable=False)
    xlsform_name = models.CharField(max_length=255, blank=True)
    # Set from the XLSForm's settings sheet: clients encrypt submissions with it.
    public_key = models.TextField(blank=True)
    # The organisation's RSA private key (PEM), stored as a Fernet token (amahoro.core.crypto.encrypt_bytes).
    private_key_enc = models.BinaryField(null=True, blank=True, editable=False)
    # Name of the question holding the org unit code (village/sector); empty = the submitter's assignment.
    org_unit_field = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True, help_text=_("Inactive forms are not offered to clients"))

    class Meta:
        ordering = ["title", "form_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id})"

    @property
    def encrypted(self) -> bool:
        return bool(self.public_key)


class FormVersion(models.Model):
    form = models.ForeignKey(XForm, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=100, blank=True)
    md5 = models.CharField(max_length=32)
    xml = models.TextField()
    xlsform = models.BinaryField()
    xlsform_name = models.CharField(max_length=255, blank=True)
    # The media file names this version refers to (jr://images/..., jr://file-csv/..., itemsets.csv).
    media_expected = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["form", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "version"], name="collection_unique_form_version")
        ]

    def __str__(self) -> str:
        return f"{self.form.form_id} v{self.version}"


class FormMedia(models.Model):
    """A file the form refers to (images, CSVs for pulldata/select_one_from_file), served via the manifest."""

    form = models.ForeignKey(XForm, on_delete=models.CASCADE, related_name="media")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField()
    md5 = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form", "filename"]
        constraints = [
            models.UniqueConstraint(fields=["form", "filename"], name="collection_unique_media_name")
        ]

    def __str__(self) -> str:
        return self.filename


class CollectorToken(BaseModel):
    """A per-device secret in the URL (/openrosa/c/<token>/...): only its SHA-256 is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="collector_tokens")
    name = models.CharField(max_length=200, help_text=_("Who or which device holds it"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    # Empty = every active form of the organisation.
    forms = models.ManyToManyField(XForm, blank=True, related_name="collector_tokens")
    # Submissions without an org unit field are placed here.
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReviewState(models.TextChoices):
    RECEIVED = "received", _("Received")
    HAS_ISSUES = "has_issues", _("Has issues")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Submission(BaseModel):
    form = models.ForeignKey(XForm, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(
        FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    instance_id = models.CharField(max_length=200)
    deprecated_id = models.CharField(max_length=200, blank=True)
    # False once an edit (deprecatedID = this instance) replaced it; the old row is the history.
    is_current = models.BooleanField(default=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    # The instance XML as received (for encrypted forms: the envelope naming submission.xml.enc).
    xml = models.TextField()
    xml_md5 = models.CharField(max_length=32)
    # The answers by field name (groups flattened; a repeat is a list of dicts); {} while encrypted.
    data = models.JSONField(default=dict, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collector_token = models.ForeignKey(
        CollectorToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.RECEIVED, db_index=True
    )
    review_comment = models.TextField(blank=True)
    encrypted = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "instance_id"], name="collection_unique_instance")
        ]
        indexes = [models.Index(fields=["form", "is_current", "deleted"], name="collection_sub_current")]

    def __str__(self) -> str:
        return self.instance_id


class Attachment(models.Model):
    # Fernet tokens (core.crypto.encrypt_bytes): rotated by `amahoro rotate_field_keys`.
    encrypted_blobs = ("content_enc",)

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    # Stored as a Fernet token (amahoro.core.crypto.encrypt_bytes): photos and audio can identify people.
    content_enc = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    md5 = models.CharField(max_length=32)

    class Meta:
        ordering = ["submission", "filename"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "filename"], name="collection_unique_attachment")
        ]

    def __str__(self) -> str:
        return self.filename


class Aggregation(models.TextChoices):
    COUNT = "count", _("Count of matching submissions")
    SUM = "sum", _("Sum of a field")
    AVERAGE = "avg", _("Average of a field")


class MappingRule(BaseModel):
    """Per form: submissions -> data values of one data element (see services.mapping_run)."""

    form = models.ForeignKey(XForm, on_delete=models.CASCADE, related_name="mapping_rules")
    name = models.CharField(max_length=200)
    data_element = models.ForeignKey(
        "metadata.DataElement", on_delete=models.PROTECT, related_name="mapping_rules"
    )
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.COUNT)
    value_field = models.CharField(max_length=200, blank=True, help_text=_("For sum/average"))
    # Count/sum over the entries of this repeat (e.g. participants) instead of over submissions.
    repeat = models.CharField(max_length=200, blank=True)
    # "field = value" conditions, all of which must hold ({"consent": "yes"}); a list value = any of.
    condition = models.JSONField(default=dict, blank=True)
    # Field names whose answers pick the category option combo ("sex", "age_band"), in any order.
    disaggregate_by = models.JSONField(default=list, blank=True)
    # Optional {field: {answer: category option code}} when answers are not option codes.
    option_map = models.JSONField(default=dict, blank=True)
    org_unit_field = models.CharField(max_length=200, blank=True, help_text=_("Empty = the form's rule"))
    period_field = models.CharField(max_length=200, blank=True, help_text=_("Empty = submission date"))
    period_type = models.CharField(max_length=20, default="Monthly")
    # Only approved submissions count when set.
    approved_only = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["form", "name"]

    def __str__(self) -> str:
        return self.name


class MappedValue(models.Model):
    """One value a rule produced, and the submissions it came from (the trace back)."""

    rule = models.ForeignKey(MappingRule, on_delete=models.CASCADE, related_name="values")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    category_option_combo = models.ForeignKey(
        "metadata.CategoryOptionCombo", on_delete=models.CASCADE, related_name="+"
    )
    value = models.CharField(max_length=100)
    submissions = models.ManyToManyField(Submission, related_name="mapped_values")

    class Meta:
        ordering = ["rule", "period", "org_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "org_unit", "period", "category_option_combo"],
                name="collection_unique_mapped",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.value}"
