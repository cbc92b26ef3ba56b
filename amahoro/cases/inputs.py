"""The service's input for an intake or an edit, made from a payload checked by the intake contract
(serializers.GbvIncidentInputSerializer): the API parses its body with it, the pages and the demo hand their
payload to `incident_parse`, so every way in refuses the same things, naming the field (`survivor.age`,
`perpetrators.1.relationship`), and no message ever repeats a submitted identifying value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from amahoro.core.errors import ValidationFailed

from . import classification as cl
from .serializers import GbvIncidentInputSerializer

IDENTITY = ("name", "phone", "address", "national_id")


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
    # When in the day (Kigali time), if known: the PEP/EC countdowns start there (deadlines.py).
    incident_time: time | None = None


def _first_error(detail: Any, path: str = "") -> tuple[str, str]:
    """The first message of a serializer's errors and the dotted name of its field (as the API answers)."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if value:
                name = path if key == "non_field_errors" else (f"{path}.{key}" if path else str(key))
                return _first_error(value, name)
    if isinstance(detail, list):
        for i, item in enumerate(detail):
            if item:
                return _first_error(item, f"{path}.{i}" if isinstance(item, Mapping) else path)
    return str(detail), path


def _or(value: Any, default: Any) -> Any:
    return default if value in (None, "") else value


def survivor_input(data: Mapping[str, Any], *, incident_date: date) -> SurvivorInput:
    born = data.get("date_of_birth")
    identity = {k: data[k] for k in IDENTITY if data.get(k)}
    if born is not None:
        identity["date_of_birth"] = born.isoformat()
    return SurvivorInput(
        sex=data["sex"],
        age=cl.age_at(born, incident_date) if born is not None else data.get("age"),
        age_estimated=bool(data.get("age_estimated")),
        marital_status=_or(data.get("marital_status"), "unknown"),
        disability=bool(data.get("disability")),
        displacement_status=_or(data.get("displacement_status"), "resident"),
        nationality=_or(data.get("nationality"), "RW"),
        identity=identity,
    )


def incident_input(data: Mapping[str, Any]) -> IncidentInput:
    """The service's input from the validated data of GbvIncidentInputSerializer (defaults filled in)."""
    consent = data.get("consent") or {}
    classification = data["classification"]
    return IncidentInput(
        survivor=survivor_input(data["survivor"], incident_date=data["incident_date"]),
        incident_date=data["incident_date"],
        report_date=data["report_date"],
        org_unit=data["org_unit"],
        organisation=data.get("organisation") or "",
        location_type=_or(data.get("location_type"), "unknown"),
        time_of_day=_or(data.get("time_of_day"), "unknown"),
        classification={q: bool(classification.get(q)) for q, _ in cl.QUESTIONS},
        perpetrators=[
            PerpetratorInput(
                relationship=_or(p.get("relationship"), "unknown"),
                sex=_or(p.get("sex"), "unknown"),
                age_group=_or(p.get("age_group"), "unknown"),
                occupation=p.get("occupation") or "",
            )
            for p in data.get("perpetrators") or []
        ],
        goods_exchanged=bool(data.get("goods_exchanged")),
        abduction=_or(data.get("abduction"), "none"),
        harmful_traditional_practice=data.get("harmful_traditional_practice") or "",
        reported_elsewhere=bool(data.get("reported_elsewhere")),
        account=data.get("account") or "",
        consent={k: bool(consent[k]) for k in ("services", "reporting") if k in consent},
        consent_method=_or(consent.get("method"), "verbal"),
        case_worker=data.get("case_worker") or "",
        incident_time=data.get("incident_time"),
    )


def incident_parse(payload: Any) -> IncidentInput:
    """A payload in the API's intake shape (a page form's, the demo's, an edit merged onto a case), checked by
    the intake contract; a problem is a ValidationFailed naming the field."""
    serializer = GbvIncidentInputSerializer(data=payload)
    if not serializer.is_valid():
        message, name = _first_error(serializer.errors)
        raise ValidationFailed(f"{name}: {message}" if name else message, field=name or None)
    return incident_input(serializer.validated_data)
