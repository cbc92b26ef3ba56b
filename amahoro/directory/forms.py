"""Page forms of the service directory: they collect values; the services check them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ServiceKind
from .services import LANGUAGES


class DirectorySearchForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), required=False)
    org_unit = forms.CharField(label=_("Place (code)"), required=False, max_length=50)
    q = forms.CharField(label=_("Name"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—"), *ServiceKind.choices]  # type: ignore[attr-defined]


class ProviderForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    name = forms.CharField(label=_("Name"), max_length=200)
    services = forms.MultipleChoiceField(
        label=_("Services"), choices=ServiceKind.choices, widget=forms.CheckboxSelectMultiple
    )
    org_unit = forms.CharField(label=_("Where it is (org unit code)"), required=False, max_length=50)
    areas = forms.CharField(
        label=_("Places served (org unit codes, separated by spaces)"), required=False, max_length=2000
    )
    phone = forms.CharField(label=_("Phone (the desk or hotline)"), required=False, max_length=40)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    hours = forms.CharField(label=_("Opening hours"), required=False, max_length=200)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        choices=[(code, code) for code in LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
    )
    accessibility = forms.CharField(label=_("Accessibility"), required=False, widget=forms.Textarea)
    is_active = forms.BooleanField(label=_("Active (takes referrals)"), required=False, initial=True)

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
