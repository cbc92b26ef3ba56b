"""Results frameworks (goal / pillar / outcome / output / activity trees), their indicators and targets.
The DHIS2-style metadata they measure (data elements, category combos...) is in amahoro.metadata."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.i18n import TranslatedDescriptionMixin, localized
from amahoro.core.models import BaseModel
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import TranslatedNameMixin
from amahoro.organisations.models import Organisation

# ---------------------------------------------------------------------------------------------------------
# Results frameworks


class Framework(BaseModel, TranslatedNameMixin, TranslatedDescriptionMixin):
    """A results framework: the national NAP, an organisation's strategic plan, a donor logframe."""

    code = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frameworks",
        help_text=_("Owner; empty = national/shared framework"),
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Geographic scope"),
    )
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    is_public = models.BooleanField(default=False, help_text=_("Visible to every signed-in user"))

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class NodeKind(models.TextChoices):
    GOAL = "goal", _("Goal")
    PILLAR = "pillar", _("Pillar / objective")
    OUTCOME = "outcome", _("Outcome")
    OUTPUT = "output", _("Output")
    ACTIVITY = "activity", _("Activity")


class Node(BaseModel, TranslatedNameMixin, TranslatedDescriptionMixin):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(max_length=20, choices=NodeKind.choices)
    code = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    responsible = models.ManyToManyField(Organisation, blank=True, related_name="responsible_for")
    supporting = models.ManyToManyField(Organisation, blank=True, related_name="supporting")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    contributes_to: models.ManyToManyField[Node, NodeLink] = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="contributions", through="NodeLink"
    )

    class Meta:
        ordering = ["framework", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="frameworks_unique_node_code")
        ]

    def __str__(self) -> str:
        return f"{self.framework.code}:{self.code}"


class NodeLink(BaseModel):
    """`source` (e.g. an NGO outcome) contributes to `target` (e.g. NAP outcome P2.O1) of another framework."""

    source = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="links_in")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="frameworks_unique_link"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="frameworks_link_not_self"),
        ]


# ---------------------------------------------------------------------------------------------------------
# Indicators and targets


class IndicatorType(models.TextChoices):
    COUNT = "count", _("Count")
    PERCENTAGE = "percentage", _("Percentage")
    RATIO = "ratio", _("Ratio")
    MEAN = "mean", _("Mean")
    YES_NO = "yes_no", _("Yes / no")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class TimeAggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    LAST = "last", _("Last value")


class PlaceAggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")


class MissingValueStrategy(models.TextChoices):
    NEVER_SKIP = "NEVER_SKIP"
    SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
    SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"


# Status thresholds: achievement (actual / target, or target / actual when lower is better) at or above
# ON_TRACK is on track, at or above AT_RISK is at risk, below is off track.
DEFAULT_ON_TRACK = 0.9
DEFAULT_AT_RISK = 0.7


class Indicator(BaseModel, TranslatedNameMixin):
    """What a framework measures: value = numerator / denominator x factor, each an expression over data
    elements in DHIS2 syntax (`#{DE}`, `#{DE.COC}`), aggregated over time and place as set here."""

    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    definition = models.TextField(blank=True)
    definition_fr = models.TextField(blank=True)
    definition_rw = models.TextField(blank=True)
    type = models.CharField(max_length=20, choices=IndicatorType.choices, default=IndicatorType.COUNT)
    unit = models.CharField(max_length=50, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    aggregation_time = models.CharField(
        max_length=10, choices=TimeAggregation.choices, default=TimeAggregation.SUM
    )
    aggregation_place = models.CharField(
        max_length=10, choices=PlaceAggregation.choices, default=PlaceAggregation.SUM
    )
    numerator = models.CharField(max_length=2000)
    numerator_description = models.CharField(max_length=300, blank=True)
    denominator = models.CharField(max_length=2000, default="1")
    denominator_description = models.CharField(max_length=300, blank=True)
    missing_value_strategy = models.CharField(
        max_length=30,
        choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING,
    )
    factor = models.FloatField(default=1, help_text=_("e.g. 100 for a percentage"))
    decimals = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_date = models.DateField(null=True, blank=True)
    means_of_verification = models.TextField(blank=True)
    data_source = models.CharField(max_length=300, blank=True)
    on_track_threshold = models.FloatField(default=DEFAULT_ON_TRACK)
    at_risk_threshold = models.FloatField(default=DEFAULT_AT_RISK)
    # Where it is defined (its scope for the policy) and who owns it when it stands alone.
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Owner when not part of a framework; empty = shared"),
    )
    nodes = models.ManyToManyField(Node, blank=True, related_name="indicators")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_threshold__lte=models.F("on_track_threshold")),
                name="frameworks_indicator_thresholds",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display_definition(self) -> str:
        return localized(self, "definition")


class Target(BaseModel):
    """The value an indicator should reach at an org unit for a period (a DHIS2 period code). `lower` and
    `upper`, when set, make an acceptable band: inside it is on track, whatever the ratio says."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=20)
    start = models.DateField(editable=False)
    end = models.DateField(editable=False)
    value = models.FloatField()
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "start", "org_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "period"], name="frameworks_unique_target"
            ),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lte=models.F("upper")),
                name="frameworks_target_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.org_unit_id}/{self.period}={self.value}"
