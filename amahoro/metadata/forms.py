"""Forms of the set-up pages for data elements, categories and category combos: they collect values and
show the choices in words; the services (services.py) check them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AggregationType, ValueType

# What each DHIS2 value type means, for people choosing one.
VALUE_TYPE_LABELS = {
    ValueType.INTEGER_ZERO_OR_POSITIVE: _("Whole number, 0 or more (counts)"),
    ValueType.INTEGER: _("Whole number (may be negative)"),
    ValueType.NUMBER: _("Number (decimals allowed)"),
    ValueType.PERCENTAGE: _("Percentage (0 to 100)"),
    ValueType.BOOLEAN: _("Yes / no"),
    ValueType.TEXT: _("Text"),
}
AGGREGATION_LABELS = {
    AggregationType.SUM: _("Sum (add up places and periods)"),
    AggregationType.AVERAGE: _("Average"),
    AggregationType.AVERAGE_SUM_ORG_UNIT: _("Average over time, sum over places"),
    AggregationType.LAST: _("Last value (e.g. a stock or a count of committees)"),
    AggregationType.COUNT: _("Count of values"),
    AggregationType.MIN: _("Smallest value"),
    AggregationType.MAX: _("Largest value"),
}
SHARED = ""


def owner_choices(organisations: list[tuple[str, str]], *, may_share: bool) -> list[tuple[str, str]]:
    shared = [(SHARED, str(_("Shared (all organisations)")))] if may_share else []
    return shared + organisations


class DataElementForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits, '_' or '-'; used in expressions as #{CODE}. Cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    value_type = forms.ChoiceField(label=_("Type of value"), choices=list(VALUE_TYPE_LABELS.items()))
    aggregation_type = forms.ChoiceField(
        label=_("How values add up"), choices=list(AGGREGATION_LABELS.items())
    )
    category_combo = forms.ChoiceField(
        label=_("Disaggregation"),
        help_text=_("The columns a value is entered in, e.g. Sex x Age group; 'None' for one total."),
    )
    zero_is_significant = forms.BooleanField(label=_("Store zeros (a 0 means something)"), required=False)
    organisation = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(
        self,
        *args: Any,
        combos: list[tuple[str, str]],
        owners: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_combo"].choices = combos  # type: ignore[attr-defined]
        if owners is None:  # editing: code and owner stay
            del self.fields["code"]
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = owners  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=50, help_text=_("e.g. AGE_GROUP. Cannot change later.")
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    options = forms.CharField(
        label=_("Options, one a line: code, then the name"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("e.g. 'F Female' then 'M Male'. An existing option is reused by its code."),
    )
    organisation = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["code"]
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = owners  # type: ignore[attr-defined]

    def clean_options(self) -> list[tuple[str, str]]:
        out = []
        for n, line in enumerate(str(self.cleaned_data["options"]).splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            code, _sep, name = line.partition(" ")
            if not code:
                raise forms.ValidationError(_("line %(n)s has no code") % {"n": n})
            out.append((code.strip(), name.strip()))
        if not out:
            raise forms.ValidationError(_("give at least one option"))
        return out


MAX_COMBO_CATEGORIES = 4


class CategoryComboForm(forms.Form):
    """Categories chosen in order (the first splits the columns first: Sex x Age group gives Female under
    18, Female 18-24, ...): one select per place, as on a phone a list of tick boxes has no order."""

    code = forms.CharField(label=_("Code"), max_length=50, help_text=_("e.g. SEX_AGE. Cannot change later."))
    name = forms.CharField(label=_("Name"), max_length=300)
    organisation = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        owners: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = [_("First category"), _("Second category"), _("Third category"), _("Fourth category")]
        none: list[tuple[str, Any]] = [("", _("(none)"))]
        for n, label in enumerate(labels[:MAX_COMBO_CATEGORIES], start=1):
            self.fields[f"category_{n}"] = forms.ChoiceField(
                label=label,
                required=n == 1,
                choices=(none if n > 1 else []) + list(categories),
                help_text=_("Each combination of the options becomes one column, e.g. Female 15-24.")
                if n == 1
                else "",
            )
        if owners is None:
            del self.fields["code"]
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = owners  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked: list[str] = []
        for n in range(1, MAX_COMBO_CATEGORIES + 1):
            code = data.get(f"category_{n}")
            if code and code in picked:
                self.add_error(f"category_{n}", _("this category is already chosen above"))
            elif code:
                picked.append(code)
        data["categories"] = picked
        return data

    @staticmethod
    def initial_for(categories: list[str]) -> dict[str, str]:
        return {f"category_{n}": code for n, code in enumerate(categories, start=1)}
