"""Forms of the early-warning pages: the list's filters and a transition (to, note, responder)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SignalStatus
from .services import MAX_NOTE


class SignalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *list(SignalStatus.choices)]
    )
    type = forms.CharField(label=_("Type (code)"), required=False, max_length=50)
    org_unit = forms.CharField(label=_("Place (code)"), required=False, max_length=50)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=SignalStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )
    assign_to = forms.CharField(
        label=_("Responder organisation (code; empty: the routing rule's)"), required=False, max_length=50
    )
