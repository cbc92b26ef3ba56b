"""What a person reads for each code of the GBVIMS classification (case contexts, perpetrator relationships,
abduction status, age groups): one table, in the active language. Pages and forms print these labels, never
the codes (`child_sexual_abuse`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import classification as cl
from .models import Sex

LABELS: dict[str, dict[str, Promise]] = {
    "context": {
        "intimate_partner_violence": _("Intimate partner violence"),
        "child_sexual_abuse": _("Child sexual abuse"),
        "early_marriage": _("Early marriage"),
        "possible_sexual_exploitation": _("Possible sexual exploitation"),
        "possible_sexual_slavery": _("Possible sexual slavery"),
        "harmful_traditional_practice": _("Harmful traditional practice"),
    },
    "relationship": {
        "intimate_partner": _("Intimate partner"),
        "former_partner": _("Former partner"),
        "family": _("Family member"),
        "caregiver": _("Caregiver"),
        "employer": _("Employer"),
        "teacher": _("Teacher"),
        "service_provider": _("Service provider"),
        "neighbour": _("Neighbour"),
        "community_member": _("Community member"),
        "stranger": _("Stranger"),
        "other": _("Other"),
        "unknown": _("Unknown or not recorded"),
    },
    "abduction": {
        "none": _("None"),
        "forced_conscription": _("Forced conscription"),
        "trafficked": _("Trafficked"),
        "other": _("Other"),
    },
    "age_group": {
        "0-11": _("0-11 years"),
        "12-17": _("12-17 years"),
        "18-25": _("18-25 years"),
        "26-40": _("26-40 years"),
        "41-60": _("41-60 years"),
        "61+": _("61 years and over"),
        "unknown": _("Age unknown"),
    },
    "bucket": {
        "0_3_days": _("0-3 days"),
        "4_5_days": _("4-5 days"),
        "6_14_days": _("6-14 days"),
        "15_30_days": _("15-30 days"),
        "over_1_month": _("More than a month"),
    },
}
LABELS["sex"] = {str(value): label for value, label in Sex.choices}
assert set(LABELS["context"]) == set(cl.CONTEXTS)
assert set(LABELS["relationship"]) == set(cl.RELATIONSHIPS)
assert set(LABELS["abduction"]) == set(cl.ABDUCTION)
assert set(LABELS["bucket"]) == set(cl.BUCKETS)


def label(kind: str, code: str) -> str:
    """The label of `code` in the active language; the code itself when the table has none."""
    found = LABELS.get(kind, {}).get(code)
    return str(found) if found is not None else code


def choices(kind: str) -> list[tuple[str, Promise]]:
    return list(LABELS[kind].items())
