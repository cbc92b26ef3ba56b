"""Parsing of intake and edit payloads (API JSON and page forms alike) into checked values.

Every problem is a ValidationFailed naming the field (`survivor.age`, `perpetrators.1.relationship`), and no
message ever repeats a submitted identifying value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from amahoro.core.errors import ValidationFailed

from . import classification as cl
from .models import (
    ConsentMethod,
    Displacement,
    HarmfulPractice,
    LocationType,
    MaritalStatus,
    Sex,
    TimeOfDay,
)

MAX_AGE = 120
MAX_PERPETRATORS = 20
TEXT_LIMITS = {"name": 200, "phone": 30, "address": 500, "national_id": 30, "account": 20_000}
SURVIVOR_KEYS = frozenset(
    {
        "name",
        "phone",
        "address",
        "national_id",
        "sex",
        "age",
        "date_of_birth",
        "age_estimated",
        "marital_status",
        "disability",
        "displacement_status",
        "nationality",
    }
)
INCIDENT_KEYS = frozenset(
    {
        "survivor",
        "incident_date",
        "report_date",
        "org_unit",
        "organisation",
        "location_type",
        "time_of_day",
        "classification",
        "perpetrators",
        "goods_exchanged",
        "abduction",
        "harmful_traditional_practice",
        "reported_elsewhere",
        "account",
        "consent",
        "case_worker",
        "version",
    }
)


@dataclass
class SurvivorInput:
    sex: str
    age: int | None
    age_estimated: bool
    marital_status: str
    disability: bool
    displacement_status: str
    nationality: str
    identity: dict[str, str]  # name, phone, address, national_id, date_of_birth (ISO)


@dataclass
class PerpetratorInput:
    relationship: str
    sex: str
    age_group: str
    occupation: str


@dataclass
class IncidentInput:
    survivor: SurvivorInput
    incident_date: date
    report_date: date
    org_unit: str
    organisation: str
    location_type: str
    time_of_day: str
    classification: dict[str, bool]
    perpetrators: list[PerpetratorInput]
    goods_exchanged: bool
    abduction: str
    harmful_traditional_practice: str
    reported_elsewhere: bool
    account: str
    consent: dict[str, bool] = field(default_factory=dict)
    consent_method: str = "verbal"
    case_worker: str = ""


def _bool(data: Mapping[str, Any], key: str, name: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "on", "yes", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "off", "no", "0"):
        return False
    raise ValidationFailed(f"{name} must be true or false", field=name)


def _choice(data: Mapping[str, Any], key: str, name: str, choices: Any, default: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        return default
    allowed = list(choices)
    if not isinstance(value, str) or value not in allowed:
        raise ValidationFailed(
            f"{name} must be one of {', '.join(a or '(none)' for a in allowed)}", field=name
        )
    return value


def _date(data: Mapping[str, Any], key: str, name: str, *, required: bool) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"{name} is required", field=name)
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD)", field=name) from None
    if parsed > timezone.localdate():
        raise ValidationFailed(f"{name} cannot be in the future", field=name)
    return parsed


def _text(data: Mapping[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ValidationFailed(f"{name} must be text", field=name)
    text = str(value).strip()
    limit = TEXT_LIMITS.get(key, 200)
    if len(text) > limit:
        raise ValidationFailed(f"{name} is longer than {limit} characters", field=name)
    return text


def _unknown_keys(data: Mapping[str, Any], allowed: frozenset[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise ValidationFailed(f"unknown field {prefix}{key}", field=f"{prefix}{key}")


def _mapping(value: Any, name: str, *, required: bool = False) -> Mapping[str, Any]:
    if value is None:
        if required:
            raise ValidationFailed(f"{name} is required", field=name)
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(f"{name} must be an object", field=name)
    return value


def survivor_parse(data: Mapping[str, Any], *, incident_date: date) -> SurvivorInput:
    _unknown_keys(data, SURVIVOR_KEYS, "survivor.")
    sex = _choice(data, "sex", "survivor.sex", Sex.values, "")
    if not sex:
        raise ValidationFailed("survivor.sex is required", field="survivor.sex")
    age: int | None = None
    raw_age = data.get("age")
    if raw_age not in (None, ""):
        try:
            age = int(raw_age)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise ValidationFailed("survivor.age must be a whole number", field="survivor.age") from None
        if isinstance(raw_age, float | bool) or not 0 <= age <= MAX_AGE:
            raise ValidationFailed(f"survivor.age must be between 0 and {MAX_AGE}", field="survivor.age")
    dob = _date(data, "date_of_birth", "survivor.date_of_birth", required=False)
    if dob is not None:
        if dob > incident_date:
            raise ValidationFailed(
                "survivor.date_of_birth is after the incident date", field="survivor.date_of_birth"
            )
        from_dob = cl.age_at(dob, incident_date)
        if from_dob > MAX_AGE:
            raise ValidationFailed(
                f"survivor.date_of_birth gives an age over {MAX_AGE}", field="survivor.date_of_birth"
            )
        if age is not None and age != from_dob:
            raise ValidationFailed(
                "survivor.age contradicts survivor.date_of_birth (age at the incident date)",
                field="survivor.age",
            )
        age = from_dob
    nationality = _text(data, "nationality", "survivor.nationality").upper() or "RW"
    if len(nationality) != 2 or not nationality.isalpha():
        raise ValidationFailed(
            "survivor.nationality must be a two-letter country code", field="survivor.nationality"
        )
    identity = {k: _text(data, k, f"survivor.{k}") for k in ("name", "phone", "address", "national_id")}
    phone = identity["phone"]
    if phone and not all(ch.isdigit() or ch in "+ -()" for ch in phone):
        raise ValidationFailed(
            "survivor.phone may hold digits, spaces, +, - and brackets only", field="survivor.phone"
        )
    if dob is not None:
        identity["date_of_birth"] = dob.isoformat()
    return SurvivorInput(
        sex=sex,
        age=age,
        age_estimated=_bool(data, "age_estimated", "survivor.age_estimated"),
        marital_status=_choice(
            data, "marital_status", "survivor.marital_status", MaritalStatus.values, "unknown"
        ),
        disability=_bool(data, "disability", "survivor.disability"),
        displacement_status=_choice(
            data, "displacement_status", "survivor.displacement_status", Displacement.values, "resident"
        ),
        nationality=nationality,
        identity={k: v for k, v in identity.items() if v},
    )


def perpetrators_parse(value: Any) -> list[PerpetratorInput]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed("perpetrators must be a list", field="perpetrators")
    if len(value) > MAX_PERPETRATORS:
        raise ValidationFailed(f"perpetrators: at most {MAX_PERPETRATORS}", field="perpetrators")
    out = []
    for i, row in enumerate(value):
        name = f"perpetrators.{i}"
        data = _mapping(row, name)
        _unknown_keys(data, frozenset({"relationship", "sex", "age_group", "occupation"}), f"{name}.")
        out.append(
            PerpetratorInput(
                relationship=_choice(
                    data, "relationship", f"{name}.relationship", cl.RELATIONSHIPS, "unknown"
                ),
                sex=_choice(data, "sex", f"{name}.sex", Sex.values, "unknown"),
                age_group=_choice(
                    data, "age_group", f"{name}.age_group", (*cl.AGE_GROUPS, "unknown"), "unknown"
                ),
                occupation=_text(data, "occupation", f"{name}.occupation"),
            )
        )
    return out


def incident_parse(data: Any) -> IncidentInput:
    data = _mapping(data, "body", required=True)
    _unknown_keys(data, INCIDENT_KEYS)
    incident_date = _date(data, "incident_date", "incident_date", required=True)
    report_date = _date(data, "report_date", "report_date", required=True)
    assert incident_date is not None and report_date is not None
    if report_date < incident_date:
        raise ValidationFailed("report_date is before incident_date", field="report_date")
    org_unit = _text(data, "org_unit", "org_unit")
    if not org_unit:
        raise ValidationFailed("org_unit is required", field="org_unit")
    classification = _mapping(data.get("classification"), "classification", required=True)
    _unknown_keys(classification, frozenset(q for q, _ in cl.QUESTIONS), "classification.")
    answers = {q: _bool(classification, q, f"classification.{q}") for q, _ in cl.QUESTIONS}
    consent_data = _mapping(data.get("consent"), "consent")
    _unknown_keys(consent_data, frozenset({"services", "reporting", "method"}), "consent.")
    consent = {
        k: _bool(consent_data, k, f"consent.{k}") for k in ("services", "reporting") if k in consent_data
    }
    return IncidentInput(
        survivor=survivor_parse(
            _mapping(data.get("survivor"), "survivor", required=True), incident_date=incident_date
        ),
        incident_date=incident_date,
        report_date=report_date,
        org_unit=org_unit,
        organisation=_text(data, "organisation", "organisation"),
        location_type=_choice(data, "location_type", "location_type", LocationType.values, "unknown"),
        time_of_day=_choice(data, "time_of_day", "time_of_day", TimeOfDay.values, "unknown"),
        classification=answers,
        perpetrators=perpetrators_parse(data.get("perpetrators")),
        goods_exchanged=_bool(data, "goods_exchanged", "goods_exchanged"),
        abduction=_choice(data, "abduction", "abduction", cl.ABDUCTION, "none"),
        harmful_traditional_practice=_choice(
            data, "harmful_traditional_practice", "harmful_traditional_practice", HarmfulPractice.values, ""
        ),
        reported_elsewhere=_bool(data, "reported_elsewhere", "reported_elsewhere"),
        account=_text(data, "account", "account"),
        consent=consent,
        consent_method=_choice(consent_data, "method", "consent.method", ConsentMethod.values, "verbal"),
        case_worker=_text(data, "case_worker", "case_worker"),
    )
