"""The DHIS2-style metadata that data values are recorded against: category options, categories, category
combos (disaggregations), category option combos, and data elements.

These models were first part of the frameworks app: they keep its tables (`db_table`) and constraint
names, so moving them changed no row (see migrations/0001_initial.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.i18n import TranslatedDescriptionMixin, localized
from amahoro.core.models import BaseModel
from amahoro.organisations.models import Organisation

DEFAULT_COMBO_CODE = "default"


class TranslatedNameMixin(models.Model):
    name = models.CharField(max_length=300)
    name_fr = models.CharField(max_length=300, blank=True)
    name_rw = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        return localized(self, "name")


# ---------------------------------------------------------------------------------------------------------
# Disaggregation metadata (DHIS2 shape)


class CategoryOption(BaseModel, TranslatedNameMixin):
    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(
        max_length=11, unique=True, null=True, blank=True, help_text=_("DHIS2 UID if known")
    )
    short_name = models.CharField(max_length=50, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Owner; empty = shared metadata"),
    )

    class Meta:
        db_table = "frameworks_categoryoption"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Category(BaseModel, TranslatedNameMixin):
    """A disaggregation dimension, e.g. Sex (F, M) or Age band (15_24, ...)."""

    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    options: models.ManyToManyField[CategoryOption, CategoryOptionMembership] = models.ManyToManyField(
        CategoryOption, through="CategoryOptionMembership", related_name="categories"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Owner; empty = shared metadata"),
    )

    class Meta:
        db_table = "frameworks_category"
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code


class CategoryOptionMembership(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    option = models.ForeignKey(CategoryOption, on_delete=models.CASCADE)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "frameworks_categoryoptionmembership"
        ordering = ["category", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "option"], name="frameworks_unique_category_option")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.option_id}"


class CategoryCombo(BaseModel, TranslatedNameMixin):
    """A combination of categories (Sex x Age band). Its option combos are generated, not hand-made."""

    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    categories: models.ManyToManyField[Category, CategoryComboMembership] = models.ManyToManyField(
        Category, through="CategoryComboMembership", related_name="combos"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Owner; empty = shared metadata"),
    )

    class Meta:
        db_table = "frameworks_categorycombo"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CategoryComboMembership(models.Model):
    combo = models.ForeignKey(CategoryCombo, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "frameworks_categorycombomembership"
        ordering = ["combo", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["combo", "category"], name="frameworks_unique_combo_category")
        ]

    def __str__(self) -> str:
        return f"{self.combo_id}:{self.category_id}"


class CategoryOptionCombo(BaseModel):
    """One cell of a combo (F + 15_24). Code defaults to the options' codes joined with '_' in category order."""

    combo = models.ForeignKey(CategoryCombo, on_delete=models.CASCADE, related_name="option_combos")
    code = models.CharField(max_length=200)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    name = models.CharField(max_length=400)
    options = models.ManyToManyField(
        CategoryOption, related_name="option_combos", db_table="frameworks_categoryoptioncombo_options"
    )
    # "F|15_24": the option codes in category order, to find a combo from its options without joins.
    option_key = models.CharField(max_length=400)
    attribute_values = models.JSONField(
        default=dict, blank=True, help_text=_("DHIS2 attribute values, by attribute uid and code")
    )

    class Meta:
        db_table = "frameworks_categoryoptioncombo"
        ordering = ["combo", "code"]
        constraints = [
            models.UniqueConstraint(fields=["combo", "code"], name="frameworks_unique_coc_code"),
            models.UniqueConstraint(fields=["combo", "option_key"], name="frameworks_unique_coc_options"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        """The options' names in the active language, in category order ("Gore, 15-24"); its own name for the
        default combo or options without one. Uses `options` as prefetched."""
        by_code = {o.code: o for o in self.options.all()}
        codes = [c for c in self.option_key.split("|") if c]
        if not codes or any(c not in by_code for c in codes):
            return self.name
        return ", ".join(by_code[c].display_name for c in codes)


class ValueType(models.TextChoices):
    INTEGER = "INTEGER"
    INTEGER_ZERO_OR_POSITIVE = "INTEGER_ZERO_OR_POSITIVE"
    NUMBER = "NUMBER"
    PERCENTAGE = "PERCENTAGE"
    BOOLEAN = "BOOLEAN"
    TEXT = "TEXT"


class AggregationType(models.TextChoices):
    """DHIS2's aggregation types the analytics engine implements (see docs/analytics.md)."""

    SUM = "SUM"
    AVERAGE = "AVERAGE"
    AVERAGE_SUM_ORG_UNIT = "AVERAGE_SUM_ORG_UNIT"
    LAST = "LAST"
    COUNT = "COUNT"
    MIN = "MIN"
    MAX = "MAX"


class DataElement(BaseModel, TranslatedNameMixin, TranslatedDescriptionMixin):
    """What is counted or measured (DHIS2 data element), disaggregated by its category combo."""

    code = models.CharField(max_length=50, unique=True)
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    value_type = models.CharField(
        max_length=30, choices=ValueType.choices, default=ValueType.INTEGER_ZERO_OR_POSITIVE
    )
    aggregation_type = models.CharField(
        max_length=30, choices=AggregationType.choices, default=AggregationType.SUM
    )
    category_combo = models.ForeignKey(CategoryCombo, on_delete=models.PROTECT, related_name="data_elements")
    zero_is_significant = models.BooleanField(default=False)
    attribute_values = models.JSONField(
        default=dict, blank=True, help_text=_("DHIS2 attribute values, by attribute uid and code")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_elements",
        help_text=_("Owner; empty = shared metadata"),
    )

    class Meta:
        db_table = "frameworks_dataelement"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
