"""Forms of the early-warning pages: the list's filters and a transition (to, note, responder)."""

from __future__ import annotations

from typing import Any

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


class RoutingRuleForm(forms.Form):
    """A routing rule on the page (the service checks the codes and the hours, naming the field)."""

    signal_type = forms.ChoiceField(label=_("Signal type"), required=False, choices=())
    org_unit = forms.CharField(
        label=_("Place (code): the rule covers it and every place below"), max_length=50
    )
    responder = forms.CharField(label=_("Responder organisation (code)"), max_length=50)
    hours_immediate = forms.IntegerField(label=_("Deadline for immediate signals (hours)"), initial=4)
    hours_high = forms.IntegerField(label=_("Deadline for high-urgency signals (hours)"), initial=24)
    hours_routine = forms.IntegerField(label=_("Deadline for routine signals (hours)"), initial=72)

    def __init__(self, *args: Any, types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signal_type"].choices = [("", _("Any type")), *types]  # type: ignore[attr-defined]
