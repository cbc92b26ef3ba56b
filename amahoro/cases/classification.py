"""The GBVIMS Classification Tool, the derived case-context flags and the time-to-report buckets.

Pure functions, no database: the same rules serve the API, the pages, the statistics and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

# The Classification Tool's questions, in the order they are asked; the first "yes" decides the type.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("penetration", "rape"),
    ("unwanted_sexual_contact", "sexual_assault"),
    ("physical_assault", "physical_assault"),
    ("forced_marriage", "forced_marriage"),
    ("denial_of_resources", "denial_of_resources"),
    ("psychological_abuse", "psychological_abuse"),
)
NON_GBV = "non_gbv"
GBV_TYPES: tuple[str, ...] = (*(t for _, t in QUESTIONS), NON_GBV)
SEXUAL_TYPES = frozenset({"rape", "sexual_assault"})

INTIMATE_RELATIONSHIPS = frozenset({"intimate_partner", "former_partner"})
RELATIONSHIPS: tuple[str, ...] = (
    "intimate_partner",
    "former_partner",
    "family",
    "caregiver",
    "employer",
    "teacher",
    "service_provider",
    "neighbour",
    "community_member",
    "stranger",
    "other",
    "unknown",
)
CONTEXTS: tuple[str, ...] = (
    "intimate_partner_violence",
    "child_sexual_abuse",
    "early_marriage",
    "possible_sexual_exploitation",
    "possible_sexual_slavery",
    "harmful_traditional_practice",
)
AGE_GROUPS: tuple[str, ...] = ("0-11", "12-17", "18-25", "26-40", "41-60", "61+")
ABDUCTION: tuple[str, ...] = ("none", "forced_conscription", "trafficked", "other")
BUCKETS: tuple[str, ...] = ("0_3_days", "4_5_days", "6_14_days", "15_30_days", "over_1_month")
ADULT_AGE = 18


def classify(answers: Mapping[str, bool]) -> str:
    """The GBV type: the first question answered yes, in the tool's order; `non_gbv` when none is."""
    for question, gbv_type in QUESTIONS:
        if answers.get(question):
            return gbv_type
    return NON_GBV


@dataclass(frozen=True)
class ContextFacts:
    gbv_type: str
    survivor_age: int | None  # age at the incident; None = unknown (no age-based flag is derived)
    relationships: tuple[str, ...]
    goods_exchanged: bool
    abduction: str  # one of ABDUCTION
    harmful_traditional_practice: str  # "" = none


def contexts(facts: ContextFacts) -> list[str]:
    """The case-context flags, derived (never chosen), in CONTEXTS order."""
    sexual = facts.gbv_type in SEXUAL_TYPES
    child = facts.survivor_age is not None and facts.survivor_age < ADULT_AGE
    flags = {
        "intimate_partner_violence": facts.gbv_type != NON_GBV
        and any(r in INTIMATE_RELATIONSHIPS for r in facts.relationships),
        "child_sexual_abuse": sexual and child,
        "early_marriage": facts.gbv_type == "forced_marriage" and child,
        "possible_sexual_exploitation": sexual and facts.goods_exchanged,
        "possible_sexual_slavery": sexual and facts.abduction not in ("", "none"),
        "harmful_traditional_practice": bool(facts.harmful_traditional_practice)
        and facts.harmful_traditional_practice != "none",
    }
    return [c for c in CONTEXTS if flags[c]]


def elapsed_days(incident_date: date, report_date: date) -> int:
    """Whole calendar days from the incident to the report (same day = 0). An incident on Monday reported
    on Thursday is 3 days, i.e. within 72 hours; Friday is day 4 and is not (Primero counts one day off)."""
    return (report_date - incident_date).days


def bucket(days: int) -> str:
    """0-3 -> 0_3_days, 4-5, 6-14, 15-30, 31 and more -> over_1_month."""
    if days < 0:
        raise ValueError("the report cannot come before the incident")
    if days <= 3:
        return "0_3_days"
    if days <= 5:
        return "4_5_days"
    if days <= 14:
        return "6_14_days"
    if days <= 30:
        return "15_30_days"
    return "over_1_month"


def within_hours(start: date, end: date, hours: int) -> bool:
    """Was `end` within `hours` of `start`, counted in calendar days (72 h = day 3 at the latest)?"""
    return 0 <= (end - start).days <= hours // 24


def age_group(age: int | None) -> str:
    """0-11/12-17/18-25/26-40/41-60/61+, or 'unknown'."""
    if age is None:
        return "unknown"
    for upper, group in ((11, "0-11"), (17, "12-17"), (25, "18-25"), (40, "26-40"), (60, "41-60")):
        if age <= upper:
            return group
    return "61+"


def age_at(date_of_birth: date, on: date) -> int:
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def relationships_of(perpetrators: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
    return tuple(p.get("relationship", "unknown") for p in perpetrators)
