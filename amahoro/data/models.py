"""Periods (DHIS2 codes) and data values: (data element, org unit, period, category option combo,
attribute option combo) -> value, with comment, who stored it, soft delete and change history; plus what
governs them: data sets, validation rules, min/max bounds, approvals and locks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.organisations.models import Organisation


class Period(models.Model):
    """A DHIS2 period, stored once per code (see amahoro.metadata.periods for parsing)."""

    code = models.CharField(max_length=20, unique=True)
    type = models.CharField(max_length=30, db_index=True)
    start = models.DateField(db_index=True)
    end = models.DateField(db_index=True)

    class Meta:
        ordering = ["start", "type"]

    def __str__(self) -> str:
        return self.code


class DataValue(models.Model):
    # Few indexes on purpose: every one slows bulk imports. Data element, period and org unit lookups use
    # the unique and composite indexes below; combos and users are only looked up when deleting them (rare).
    data_element = models.ForeignKey(
        DataElement, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="data_values", db_index=False
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="data_values", db_index=False)
    category_option_combo = models.ForeignKey(
        CategoryOptionCombo, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    attribute_option_combo = models.ForeignKey(
        CategoryOptionCombo, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Whose value this is, for the policy: the organisation the attribute option combo names (an option whose
    # code is an organisation's code), else the data element's owner, else none (any org may see it).
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="data_values"
    )
    value = models.CharField(max_length=50000)
    # The value as a number where it is one: what aggregation reads.
    numeric_value = models.FloatField(null=True, blank=True)
    comment = models.CharField(max_length=5000, blank=True)
    follow_up = models.BooleanField(default=False)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "data_element",
                    "period",
                    "org_unit",
                    "category_option_combo",
                    "attribute_option_combo",
                ],
                name="data_unique_value",
            )
        ]
        indexes = [
            models.Index(fields=["period", "data_element"], name="data_value_period_de"),
            models.Index(fields=["org_unit", "period"], name="data_value_ou_period"),
        ]

    def __str__(self) -> str:
        return f"{self.data_element_id}/{self.org_unit_id}/{self.period_id}={self.value}"


class DataValueAudit(models.Model):
    """Change history of a data value (DHIS2's datavalueaudit)."""

    class Kind(models.TextChoices):
        CREATE = "CREATE"
        UPDATE = "UPDATE"
        DELETE = "DELETE"

    data_value = models.ForeignKey(DataValue, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    previous_value = models.CharField(max_length=50000, blank=True)
    value = models.CharField(max_length=50000, blank=True)
    comment = models.CharField(max_length=5000, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.data_value_id}: {self.previous_value} -> {self.value}"


class DataSet(BaseModel):
    """A minimal DHIS2 data set: the data elements reported together, at one period type.

    It lets `dataSet=` work in dataValueSets (read: its data elements; write: values must belong to it and
    use its period type)."""

    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    name = models.CharField(max_length=300)
    period_type = models.CharField(max_length=30, blank=True, help_text=_("DHIS2 period type; empty = any"))
    data_elements = models.ManyToManyField(DataElement, blank=True, related_name="data_sets")
    org_units = models.ManyToManyField(
        OrgUnit, blank=True, related_name="data_sets", help_text=_("Places that report it; empty = any")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_sets",
        help_text=_("Owner; empty = shared"),
    )
    # Reporting completeness (amahoro.data.completeness, docs/completeness.md), as DHIS2's data set fields.
    organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="reporting_data_sets",
        help_text=_("Organisations that each report it for every assigned place; empty = the owner"),
    )
    timely_days = models.PositiveSmallIntegerField(
        default=15, help_text=_("Days after the period's end a report still counts as on time (DHIS2)")
    )
    expiry_days = models.PositiveSmallIntegerField(
        default=0, help_text=_("Days after the period's end data entry stays open (DHIS2); 0 = no limit")
    )
    remind_days_before = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Reminder this many days before the due date; empty = the default")
    )
    remind_days_after = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Reminder this many days after the due date; empty = the default")
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CompleteDataSetRegistration(models.Model):
    """A place's report of a data set for a period, said complete (DHIS2's completeDataSetRegistration):
    what reporting rates count. `date` is when it was marked complete (timeliness is judged on it);
    `completed=False` keeps the row of a report marked incomplete again. `organisation` is whose report it
    is: the organisation the attribute option combo names, else the one named, else the data set's owner."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="registrations")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    attribute_option_combo = models.ForeignKey(
        CategoryOptionCombo, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed = models.BooleanField(default=True)
    date = models.DateTimeField()
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["data_set", "period", "org_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "org_unit", "period", "attribute_option_combo", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="data_unique_registration_org",
            ),
            models.UniqueConstraint(
                fields=["data_set", "org_unit", "period", "attribute_option_combo"],
                condition=models.Q(organisation__isnull=True),
                name="data_unique_registration_shared",
            ),
        ]
        indexes = [models.Index(fields=["data_set", "period"], name="data_registration_ds_pe")]

    def __str__(self) -> str:
        return f"{self.data_set_id}/{self.org_unit_id}/{self.period_id}: {self.completed}"


class ReportingReminder(models.Model):
    """The log of reminders sent (`report.due`, `report.late`): one per data set, place, period,
    organisation and kind, so that a reminder never goes out twice (`key` is unique)."""

    class Kind(models.TextChoices):
        DUE = "due", _("Due")
        LATE = "late", _("Late")

    key = models.CharField(max_length=200, unique=True)
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key


class ApprovalState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ACCEPTED = "accepted", _("Accepted")


class DataApproval(models.Model):
    """Bottom-up approval of the data of one org unit (and everything below it) for one period and one
    attribute option combo. `level` is the org unit's depth (1 = country). Approved or accepted data can
    no longer be edited, at that org unit or below."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="approvals")
    attribute_option_combo = models.ForeignKey(
        CategoryOptionCombo, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=ApprovalState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period", "attribute_option_combo"], name="data_unique_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id}/{self.period_id}: {self.state}"


class DataLock(models.Model):
    """Closes data entry for a period, in an org-unit subtree (none = everywhere), optionally for one
    organisation's data only. Edits are refused with "Period is locked"."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="locks")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period"]

    def __str__(self) -> str:
        return f"lock {self.period_id}/{self.org_unit_id or '*'}"


class ValidationOperator(models.TextChoices):
    EQUAL = "==", _("equal to")
    NOT_EQUAL = "!=", _("not equal to")
    LESS = "<", _("less than")
    LESS_EQUAL = "<=", _("less than or equal to")
    GREATER = ">", _("greater than")
    GREATER_EQUAL = ">=", _("greater than or equal to")


class MissingValueStrategy(models.TextChoices):
    SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
    SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"
    NEVER_SKIP = "NEVER_SKIP"


class Importance(models.TextChoices):
    """DHIS2's validation rule importance: how loudly a violation is shown."""

    HIGH = "HIGH", _("High")
    MEDIUM = "MEDIUM", _("Medium")
    LOW = "LOW", _("Low")


class ValidationRule(BaseModel):
    """`left operator right`, both sides expressions over data values in DHIS2 syntax (`#{de}`, `#{de.coc}`),
    checked per org unit, period and attribute option combo; e.g. female + male == total."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    left = models.CharField(max_length=2000)
    operator = models.CharField(max_length=2, choices=ValidationOperator.choices)
    right = models.CharField(max_length=2000)
    missing_value_strategy = models.CharField(
        max_length=30,
        choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING,
    )
    importance = models.CharField(max_length=10, choices=Importance.choices, default=Importance.MEDIUM)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="validation_rules",
        help_text=_("Owner; empty = shared"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.left} {self.operator} {self.right}"


class MinMaxBound(models.Model):
    """Expected range of a data element's values at an org unit (DHIS2's min-max data element): values
    outside are flagged for follow-up. `generated` bounds come from mean ± k standard deviations."""

    data_element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    category_option_combo = models.ForeignKey(CategoryOptionCombo, on_delete=models.CASCADE, related_name="+")
    min_value = models.FloatField()
    max_value = models.FloatField()
    generated = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_element", "org_unit", "category_option_combo"], name="data_unique_minmax"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__lte=models.F("max_value")), name="data_minmax_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.data_element_id}/{self.org_unit_id}: [{self.min_value}, {self.max_value}]"


class RemoteDhis2(BaseModel):
    """A DHIS2 instance Amahoro pushes data values to and pulls them from (`amahoro dhis2_push|dhis2_pull`).

    What is pushed, and where pulled values may be written, is decided by `run_as`'s roles, as for any
    import. The personal access token is stored encrypted (amahoro.core.crypto)."""

    name = models.SlugField(max_length=50, unique=True)
    base_url = models.URLField(max_length=300, help_text=_("e.g. https://hmis.example.org (no /api)"))
    token_enc = models.TextField(help_text=_("Personal access token, encrypted"))
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text=_("Owner")
    )
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text=_("Acts as this user")
    )
    data_set_uid = models.CharField(max_length=11, blank=True, help_text=_("Remote data set named on push"))
    enabled = models.BooleanField(default=True, help_text=_("Included in the scheduled sync"))
    pull_enabled = models.BooleanField(default=False, help_text=_("The scheduled sync also pulls"))
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RemoteMapping(models.Model):
    """Which remote uid a local data element, place or option combo has in a remote DHIS2. Places and option
    combos with a DHIS2 uid of their own (imported from that DHIS2's metadata) need no mapping."""

    class Kind(models.TextChoices):
        DATA_ELEMENT = "dataElement", _("Data element")
        ORG_UNIT = "orgUnit", _("Place")
        OPTION_COMBO = "categoryOptionCombo", _("Category option combo")

    remote = models.ForeignKey(RemoteDhis2, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    local_code = models.CharField(max_length=200)
    remote_uid = models.CharField(max_length=11)

    class Meta:
        ordering = ["remote", "kind", "local_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["remote", "kind", "local_code"], name="data_remote_mapping_local"
            ),
            models.UniqueConstraint(
                fields=["remote", "kind", "remote_uid"], name="data_remote_mapping_remote"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_code} -> {self.remote_uid}"
