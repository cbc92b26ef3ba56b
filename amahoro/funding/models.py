"""Money against a results framework: budget lines (planned), transactions (commitments, disbursements,
expenditures), dated exchange rates, and IATI activities with the rules that map them to framework nodes.

Every budget line and transaction belongs to one organisation, the *responsible agency* (its owner for the
policy), and may name an implementing partner and a funder (an Amahoro organisation, or just a name when the
funder is not registered, as in IATI files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.frameworks.models import Framework, Node
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation

from .currencies import CURRENCY_CHOICES


class ExchangeRate(BaseModel):
    """1 `currency` = `rate` `quote`, valid from `valid_from` until the next rate of the same pair."""

    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    quote = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="RWF")
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    valid_from = models.DateField()
    source = models.CharField(max_length=200, blank=True, help_text=_("e.g. National Bank of Rwanda"))

    class Meta:
        ordering = ["currency", "quote", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "quote", "valid_from"], name="funding_unique_rate"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="funding_rate_positive"),
            models.CheckConstraint(
                condition=~Q(currency=models.F("quote")), name="funding_rate_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.quote} from {self.valid_from}"


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    XLSX = "xlsx", _("Spreadsheet import")
    IATI = "iati", _("IATI import")


class MappingMethod(models.TextChoices):
    NONE = "", _("Not mapped")
    RULE = "rule", _("By rule")
    MANUAL = "manual", _("By hand")


class IatiActivity(BaseModel):
    """An IATI activity as last imported; re-importing the same iati-identifier updates it."""

    iati_identifier = models.CharField(max_length=200, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="iati_activities", help_text=_("Imported for")
    )
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    reporting_org_ref = models.CharField(max_length=200, blank=True)
    reporting_org_name = models.CharField(max_length=300, blank=True)
    iati_version = models.CharField(max_length=10, blank=True)
    activity_status = models.CharField(max_length=5, blank=True)
    default_currency = models.CharField(max_length=3, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    participating_orgs = models.JSONField(default=list, blank=True)  # [{ref, role, type, name}]
    sectors = models.JSONField(default=list, blank=True)  # [{code, vocabulary, percentage}]
    tags = models.JSONField(default=list, blank=True)  # [{code, vocabulary, name}]
    recipient_countries = models.JSONField(default=list, blank=True)  # [{code, percentage}]
    recipient_regions = models.JSONField(default=list, blank=True)  # [{code, vocabulary, percentage}]
    node = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="iati_activities"
    )
    mapping_method = models.CharField(max_length=10, choices=MappingMethod.choices, blank=True, default="")
    mapping_note = models.CharField(max_length=300, blank=True)
    is_published = models.BooleanField(default=True, help_text=_("IATI data is published by its publisher"))
    last_imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["iati_identifier"]
        verbose_name_plural = "IATI activities"

    def __str__(self) -> str:
        return self.iati_identifier


class FundingRecord(BaseModel):
    """What budget lines and transactions share: where the money goes, whose it is, how much, in what."""

    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text=_("Responsible agency (owner)")
    )
    implementing_partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    implementer_name = models.CharField(max_length=300, blank=True)
    funder = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    funder_name = models.CharField(max_length=300, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where, if local"),
    )
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    description = models.CharField(max_length=500, blank=True)
    is_published = models.BooleanField(default=False, help_text=_("May appear on the public portal"))
    is_sensitive = models.BooleanField(default=False, help_text=_("Never public, even when published"))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    iati_activity = models.ForeignKey(
        IatiActivity, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    iati_key = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def funder_display(self) -> str:
        return self.funder.name if self.funder_id and self.funder else self.funder_name


class BudgetLine(FundingRecord):
    """Planned money for a node in a fiscal year (a DHIS2 period code such as `2024July`)."""

    fiscal_year = models.CharField(max_length=20)
    period_start = models.DateField()
    period_end = models.DateField()

    class Meta:
        ordering = ["period_start", "node", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=Decimal("0")), name="funding_budget_not_negative"),
            models.UniqueConstraint(
                fields=["iati_activity", "iati_key"],
                condition=Q(iati_activity__isnull=False),
                name="funding_unique_iati_budget",
            ),
        ]

    def __str__(self) -> str:
        return f"budget {self.fiscal_year} {self.amount} {self.currency}"

    @property
    def value_date(self) -> dt.date:
        """The date its amount is converted at: the first day of its period."""
        return self.period_start


class TransactionKind(models.TextChoices):
    COMMITMENT = "commitment", _("Commitment")
    DISBURSEMENT = "disbursement", _("Disbursement")
    EXPENDITURE = "expenditure", _("Expenditure")


class Transaction(FundingRecord):
    """A commitment, disbursement or expenditure on a date (IATI's transaction-date), converted to other
    currencies at `rate_date` (IATI's value-date) when that differs."""

    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    date = models.DateField()
    rate_date = models.DateField(
        null=True, blank=True, help_text=_("The date its amount is converted at, when not its date")
    )
    reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["iati_activity", "iati_key"],
                condition=Q(iati_activity__isnull=False),
                name="funding_unique_iati_transaction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.date} {self.amount} {self.currency}"

    @property
    def value_date(self) -> dt.date:
        return self.rate_date or self.date


class RuleKind(models.TextChoices):
    SECTOR = "sector", _("Sector code")
    TAG = "tag", _("Tag code")
    KEYWORD = "keyword", _("Keyword in title or description")


class MappingRule(BaseModel):
    """Maps IATI activities to a node: first matching rule (lowest priority number) wins."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=RuleKind.choices)
    value = models.CharField(max_length=200)
    priority = models.PositiveIntegerField(default=100)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Owner; empty = shared rule"),
    )  # fmt: skip

    class Meta:
        ordering = ["priority", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "kind", "value", "organisation"], name="funding_unique_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}={self.value} -> {self.node_id}"
