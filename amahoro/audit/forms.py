"""Filters of the audit log page and its CSV export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    object_type = forms.RegexField(
        label=_("Object type"),
        required=False,
        max_length=100,
        regex=r"^[a-z0-9_]+\.[a-z0-9_]+$",
        help_text=_("e.g. accounts.user"),
        error_messages={"invalid": _("Use app.model, e.g. organisations.organisation.")},
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v}
