"""Forms of the set-up pages for data sets and validation rules: they collect values and show the choices
in words; the services check them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Importance, MissingValueStrategy, ValidationOperator

# DHIS2's period types (amahoro.metadata.periods.PERIOD_TYPES) in words.
PERIOD_TYPE_LABELS = {
    "Monthly": _("Monthly"),
    "Quarterly": _("Quarterly (January-March, ...)"),
    "Yearly": _("Yearly (January-December)"),
    "Weekly": _("Weekly (weeks start on Monday)"),
    "WeeklyWednesday": _("Weekly (weeks start on Wednesday)"),
    "WeeklyThursday": _("Weekly (weeks start on Thursday)"),
    "WeeklySaturday": _("Weekly (weeks start on Saturday)"),
    "WeeklySunday": _("Weekly (weeks start on Sunday)"),
    "BiWeekly": _("Every two weeks"),
    "Daily": _("Daily"),
    "BiMonthly": _("Every two months (January-February, ...)"),
    "SixMonthly": _("Six-monthly (January-June, July-December)"),
    "SixMonthlyApril": _("Six-monthly from April (April-September, October-March)"),
    "SixMonthlyNov": _("Six-monthly from November (November-April, May-October)"),
    "FinancialApril": _("Financial year from April"),
    "FinancialJuly": _("Financial year from July (Rwanda's fiscal year)"),
    "FinancialOct": _("Financial year from October"),
    "FinancialNov": _("Financial year from November"),
}
MISSING_VALUE_LABELS = {
    MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING: _("Check unless every value of a side is missing"),
    MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING: _("Check only when every value is there"),
    MissingValueStrategy.NEVER_SKIP: _("Always check (a missing value counts as 0)"),
}
MAX_DAYS = 3660


def _days(label: Any, *, required: bool = True, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_DAYS, required=required, help_text=help_text
    )


class DataSetForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits, '_' or '-', e.g. ISANGE_MONTHLY. Cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    period_type = forms.ChoiceField(label=_("Reported every"), choices=list(PERIOD_TYPE_LABELS.items()))
    data_elements = forms.MultipleChoiceField(
        label=_("Data elements"), widget=forms.CheckboxSelectMultiple, required=False
    )
    org_units = forms.MultipleChoiceField(
        label=_("Places that report it"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Find a place by its name below and tick it; untick to remove."),
    )
    organisations = forms.MultipleChoiceField(
        label=_("Organisations that report it"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Each reports it for every place; none ticked = the owner."),
    )
    timely_days = _days(
        _("On time until (days after the period ends)"),
        help_text=_("e.g. 15: a March report is on time until 15 April."),
    )
    expiry_days = _days(
        _("Entry open for (days after the period ends)"), help_text=_("0 = entry never closes.")
    )
    remind_days_before = _days(_("Reminder, days before it is due"), required=False)
    remind_days_after = _days(_("Reminder, days after it is late"), required=False)
    organisation = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(
        self,
        *args: Any,
        elements: list[tuple[str, str]],
        places: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        owners: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_elements"].choices = elements  # type: ignore[attr-defined]
        self.fields["org_units"].choices = places  # type: ignore[attr-defined]
        self.fields["organisations"].choices = organisations  # type: ignore[attr-defined]
        if owners is None:
            del self.fields["code"]
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = owners  # type: ignore[attr-defined]


class ValidationRuleForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=50, help_text=_("e.g. SURVIVORS_SEX_TOTAL. Cannot change later.")
    )
    name = forms.CharField(
        label=_("Name (shown when the rule is broken)"),
        max_length=300,
        help_text=_("Say what should hold, e.g. 'Survivors given PEP are not more than survivors received'."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    left = forms.CharField(
        label=_("Left side"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("An expression over data elements: #{CODE} is its total, #{CODE.F} one column."),
    )
    operator = forms.ChoiceField(label=_("Must be"), choices=ValidationOperator.choices)
    right = forms.CharField(label=_("Right side"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    importance = forms.ChoiceField(
        label=_("Importance"), choices=Importance.choices, initial=Importance.MEDIUM
    )
    missing_value_strategy = forms.ChoiceField(
        label=_("When values are missing"),
        choices=list(MISSING_VALUE_LABELS.items()),
        initial=MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    organisation = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["code"]
            del self.fields["organisation"]
        else:
            del self.fields["is_active"]
            self.fields["organisation"].choices = owners  # type: ignore[attr-defined]
