"""Page forms of the case module. They only collect values: checking is done once, by the API's contracts
(serializers.py, through inputs.incident_parse) and the services, so a page and the API refuse the same
things with the same messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import classification as cl
from . import labels
from .models import (
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Displacement,
    HarmfulPractice,
    LocationType,
    MaritalStatus,
    NoteKind,
    ServiceStatus,
    ServiceType,
    Sex,
    TimeOfDay,
    Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
PERPETRATOR_SLOTS = 3


def _opt(choices: Any) -> list[tuple[str, Any]]:
    # The labels stay lazy: a form built while a French page renders shows French labels.
    return [("", "—"), *[(str(k), v) for k, v in choices if k != ""]]


class IncidentForm(forms.Form):
    survivor_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    survivor_phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    survivor_address = forms.CharField(label=_("Address"), required=False, max_length=500)
    survivor_national_id = forms.CharField(label=_("National ID"), required=False, max_length=30)
    survivor_sex = forms.ChoiceField(label=_("Sex"), choices=_opt(Sex.choices), required=False)
    survivor_age = forms.IntegerField(label=_("Age at the incident"), required=False)
    survivor_date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    survivor_age_estimated = forms.BooleanField(label=_("Age or date of birth estimated"), required=False)
    survivor_marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=MaritalStatus.choices, initial="unknown"
    )
    survivor_disability = forms.BooleanField(label=_("Lives with a disability"), required=False)
    survivor_displacement_status = forms.ChoiceField(
        label=_("Displacement status"), choices=Displacement.choices, initial="resident"
    )
    survivor_nationality = forms.CharField(label=_("Nationality (2 letters)"), initial="RW", max_length=2)
    incident_date = forms.DateField(label=_("Incident date"), widget=DATE)
    incident_time = forms.TimeField(
        label=_("Incident time (if known)"),
        required=False,
        widget=TIME,
        input_formats=["%H:%M"],
        help_text=_("Kigali time, HH:MM. The PEP and emergency-contraception countdowns start here."),
    )
    report_date = forms.DateField(label=_("Report date"), widget=DATE)
    org_unit = forms.ChoiceField(label=_("Place (district or sector)"), choices=())
    location_type = forms.ChoiceField(
        label=_("Type of place"), choices=LocationType.choices, initial="unknown"
    )
    time_of_day = forms.ChoiceField(label=_("Time of day"), choices=TimeOfDay.choices, initial="unknown")
    penetration = forms.BooleanField(label=_("1. Was there penetration?"), required=False)
    unwanted_sexual_contact = forms.BooleanField(
        label=_("2. Was there unwanted sexual contact?"), required=False
    )
    physical_assault = forms.BooleanField(label=_("3. Was there physical assault?"), required=False)
    forced_marriage = forms.BooleanField(label=_("4. Was it a forced marriage?"), required=False)
    denial_of_resources = forms.BooleanField(
        label=_("5. Were resources, opportunities or services denied?"), required=False
    )
    psychological_abuse = forms.BooleanField(
        label=_("6. Was there psychological or emotional abuse?"), required=False
    )
    goods_exchanged = forms.BooleanField(label=_("Goods or money exchanged"), required=False)
    abduction = forms.ChoiceField(label=_("Abduction"), choices=labels.choices("abduction"), initial="none")
    harmful_traditional_practice = forms.ChoiceField(
        label=_("Harmful traditional practice"), choices=HarmfulPractice.choices, required=False
    )
    reported_elsewhere = forms.BooleanField(label=_("Reported elsewhere before"), required=False)
    account = forms.CharField(
        label=_("The survivor's account"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    consent_services = forms.BooleanField(label=_("Consents to services and referral"), required=False)
    consent_reporting = forms.BooleanField(label=_("Consents to non-identifiable reporting"), required=False)
    consent_method = forms.ChoiceField(label=_("How consent was given"), choices=ConsentMethod.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, places: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].choices = places  # type: ignore[attr-defined]
        for i in range(1, PERPETRATOR_SLOTS + 1):
            self.fields[f"p{i}_relationship"] = forms.ChoiceField(
                label=_("Perpetrator %(n)s: relationship") % {"n": i},
                choices=_opt(labels.choices("relationship")),
                required=False,
            )
            self.fields[f"p{i}_sex"] = forms.ChoiceField(
                label=_("sex"), choices=Sex.choices, initial="unknown"
            )
            self.fields[f"p{i}_age_group"] = forms.ChoiceField(
                label=_("age group"), choices=labels.choices("age_group"), initial="unknown"
            )
            self.fields[f"p{i}_occupation"] = forms.CharField(
                label=_("occupation"), required=False, max_length=100
            )
        if editing:
            for name in ("consent_services", "consent_reporting", "consent_method"):
                del self.fields[name]
            self.fields["org_unit"].disabled = True

    def payload(self) -> dict[str, Any]:
        """The API's intake shape, so the page goes through the same parser."""
        d = self.cleaned_data
        survivor = {
            k.removeprefix("survivor_"): d[k]
            for k in self.fields
            if k.startswith("survivor_") and d.get(k) not in (None, "")
        }
        for key in ("date_of_birth",):
            if key in survivor:
                survivor[key] = survivor[key].isoformat()
        perpetrators = [
            {f: d[f"p{i}_{f}"] for f in ("relationship", "sex", "age_group", "occupation")}
            for i in range(1, PERPETRATOR_SLOTS + 1)
            if d.get(f"p{i}_relationship")
        ]
        out: dict[str, Any] = {
            "survivor": survivor,
            "incident_date": d["incident_date"].isoformat(),
            "incident_time": d["incident_time"].strftime("%H:%M") if d.get("incident_time") else None,
            "report_date": d["report_date"].isoformat(),
            "org_unit": d["org_unit"],
            "classification": {q: d[q] for q, _ in cl.QUESTIONS},
            "perpetrators": perpetrators,
            **{
                k: d[k]
                for k in (
                    "location_type",
                    "time_of_day",
                    "goods_exchanged",
                    "abduction",
                    "harmful_traditional_practice",
                    "reported_elsewhere",
                    "account",
                )
            },
        }
        if "consent_method" in self.fields:
            out["consent"] = {
                "services": d["consent_services"],
                "reporting": d["consent_reporting"],
                "method": d["consent_method"],
            }
        return out

    @staticmethod
    def initial_from(record: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {f"survivor_{k}": v for k, v in record["survivor"].items()}
        initial.update(record["classification"])
        for k in (
            "incident_date",
            "incident_time",
            "report_date",
            "org_unit",
            "location_type",
            "time_of_day",
            "goods_exchanged",
            "abduction",
            "harmful_traditional_practice",
            "reported_elsewhere",
            "account",
            "version",
        ):
            initial[k] = record[k]
        for i, p in enumerate(record["perpetrators"][:PERPETRATOR_SLOTS], start=1):
            for f, v in p.items():
                initial[f"p{i}_{f}"] = v
        return initial

    def error_field(self, api_field: str | None) -> str | None:
        """The form field behind an API field name (survivor.age -> survivor_age)."""
        if not api_field:
            return None
        parts = api_field.split(".")
        if parts[0] == "survivor" and len(parts) == 2:
            name = f"survivor_{parts[1]}"
        elif parts[0] == "classification" and len(parts) == 2:
            name = parts[1]
        elif parts[0] == "consent" and len(parts) == 2:
            name = f"consent_{parts[1]}"
        elif parts[0] == "perpetrators" and len(parts) == 3 and parts[1].isdigit():
            name = f"p{int(parts[1]) + 1}_{parts[2]}"
        else:
            name = api_field
        return name if name in self.fields else None


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    service = forms.ChoiceField(
        label=_("Service (referral, release of information)"),
        choices=_opt(ServiceType.choices),
        required=False,
    )
    recipient = forms.ChoiceField(
        label=_("Recipient organisation (release of information)"), choices=(), required=False
    )
    given = forms.TypedChoiceField(
        label=_("Answer"), choices=[("yes", _("Given")), ("no", _("Refused"))], coerce=lambda v: v == "yes"
    )
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)
    contact_methods = forms.MultipleChoiceField(
        label=_("Contact methods agreed (referral)"),
        help_text=_("How the survivor agrees to be contacted by that service; none ticked: not asked"),
        choices=ContactMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", "—"), *providers]  # type: ignore[attr-defined]


class ServiceForm(forms.Form):
    type = forms.ChoiceField(label=_("Service"), choices=ServiceType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    provider_unit = forms.ChoiceField(
        label=_("Provider from the directory (for a referral)"), choices=(), required=False
    )
    provider = forms.ChoiceField(
        label=_("Or a provider organisation (for a referral)"), choices=(), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency (for a referral)"), choices=Urgency.choices, initial="normal", required=False
    )
    contact_method = forms.ChoiceField(
        label=_("How the survivor agreed to be contacted"), choices=ContactMethod.choices, required=False
    )
    provided_on = forms.DateField(label=_("Provided on"), required=False, widget=DATE)
    pep_given_on = forms.DateField(label=_("PEP given on"), required=False, widget=DATE)
    ec_given_on = forms.DateField(label=_("Emergency contraception given on"), required=False, widget=DATE)
    override_reason = forms.CharField(
        label=_("Reason to refer without consent (case supervisors)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[str, str]],
        units: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—"), *providers]  # type: ignore[attr-defined]
        self.fields["provider_unit"].choices = [("", "—"), *(units or [])]  # type: ignore[attr-defined]


class ReferralRespondForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline")), ("complete", _("Completed"))],
    )
    note = forms.CharField(
        label=_("Reason (to decline) or outcome (to complete)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    provided_on = forms.DateField(label=_("Provided on"), required=False, widget=DATE)
    pep_given_on = forms.DateField(label=_("PEP given on"), required=False, widget=DATE)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)


class ClosureForm(forms.Form):
    reason = forms.CharField(label=_("Why close the case"), max_length=200)


class SearchForm(forms.Form):
    survivor_code = forms.CharField(label=_("Survivor code"), required=False, max_length=20)
    phone = forms.CharField(label=_("Phone (exact)"), required=False, max_length=30)


class StatisticsForm(forms.Form):
    period = forms.CharField(label=_("Period (2026, 202601, 2026Q1)"), max_length=20)
    org_unit = forms.CharField(label=_("Org unit code (optional)"), required=False, max_length=20)
