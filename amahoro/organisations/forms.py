"""Forms of the organisation pages; writes go through organisations.services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import CODE_RE, orgunits_visible_to

from .models import OrganisationType
from .services import CODE_RE as ORG_CODE_RE


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *OrganisationType.choices],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )


class OrganisationForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=ORG_CODE_RE,
        max_length=50,
        help_text=_("Short unique code, letters, digits, - or _ (e.g. RWAMREC). Cannot be changed later."),
        error_messages={
            "invalid": _("Use 1-50 letters, digits, '-' or '_', starting with a letter or digit.")
        },
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=50, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=OrganisationType.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    areas = forms.CharField(
        label=_("Where it works"),
        required=False,
        max_length=2000,
        help_text=_("Place codes separated by commas or spaces (e.g. 11, 12 or RW for the whole country)."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if editing:
            del self.fields["code"]
        else:
            del self.fields["is_active"]

    def clean_areas(self) -> list[OrgUnit]:
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("areas") or "") if c]
        bad = [c for c in codes if not CODE_RE.match(c)]
        if bad:
            raise forms.ValidationError(
                _("Not valid place codes: %(codes)s"), params={"codes": ", ".join(bad[:10])}
            )
        units = list(orgunits_visible_to(user=self.actor).filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            raise forms.ValidationError(
                _("No place you can see has the code(s): %(codes)s"),
                params={"codes": ", ".join(missing[:10])},
            )
        return units
