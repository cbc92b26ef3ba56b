"""Writes about programmes and cohorts, and pushing a programme's reach and completion to the framework's
data elements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, ValidationFailed
from amahoro.data.services import datavalues_import
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .. import selectors
from ..models import ActivityType, Arm, Cohort, Programme
from .attendance import session_create


def _in_subtree(unit: OrgUnit, roots: Iterable[OrgUnit]) -> bool:
    return any(unit.path.startswith(r.path) for r in roots)


@transaction.atomic
def programme_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    organisation: Organisation,
    districts: Iterable[OrgUnit],
    framework_nodes: Iterable[Node] = (),
    description: str = "",
    start: date | None = None,
    end: date | None = None,
    reach_data_element: DataElement | None = None,
    completion_data_element: DataElement | None = None,
    band_name: str = "",
    band_data_element: DataElement | None = None,
    respondents_data_element: DataElement | None = None,
) -> Programme:
    policy.check_actor(actor)
    districts = list(districts)
    if not code.strip():
        raise ValidationFailed("code is required", field="code")
    if not districts:
        raise ValidationFailed("a programme runs in at least one district", field="districts")
    for d in districts:
        policy.require(
            actor,
            Perm.PROGRAMME_MANAGE,
            organisation=organisation,
            org_unit=d,
            message="You may not create a programme here (needs programme.manage)",
        )
    if Programme.objects.filter(code=code).exists():
        raise Conflict(f"a programme with code '{code}' exists", field="code")
    if start and end and end < start:
        raise ValidationFailed("end is before start", field="end")
    programme = Programme.objects.create(
        code=code.strip(),
        name=name,
        organisation=organisation,
        description=description,
        start=start,
        end=end,
        reach_data_element=reach_data_element,
        completion_data_element=completion_data_element,
        band_name=band_name,
        band_data_element=band_data_element,
        respondents_data_element=respondents_data_element,
        created_by=actor if isinstance(actor, User) else None,
    )
    programme.districts.set(districts)
    programme.framework_nodes.set(list(framework_nodes))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=programme,
        organisation_id=organisation.pk,
        changes={"code": programme.code, "districts": [d.code for d in districts]},
    )
    return programme


@transaction.atomic
def cohort_create(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    name: str,
    org_unit: OrgUnit,
    start: date,
    end: date,
    planned_sessions: int,
    completion_min: int,
    activity_type: str = ActivityType.CURRICULUM,
    arm: str = Arm.INTERVENTION,
    weekly_sessions: bool = False,
) -> Cohort:
    """A cohort; with `weekly_sessions`, sessions 1..N are planned a week apart from the start (all of them
    inside the cohort's dates, or nothing is created)."""
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=programme.organisation_id,
        org_unit=org_unit,
        message="You may not create a cohort here (needs programme.manage)",
    )
    if not _in_subtree(org_unit, programme.districts.all()):
        raise ValidationFailed(
            f"{org_unit.code} is not in one of the programme's districts", field="org_unit"
        )
    if end < start:
        raise ValidationFailed("end is before start", field="end")
    if planned_sessions < 1:
        raise ValidationFailed("planned_sessions must be at least 1", field="planned_sessions")
    if not 1 <= completion_min <= planned_sessions:
        raise ValidationFailed(
            f"completion_min must be from 1 to planned_sessions ({planned_sessions})", field="completion_min"
        )
    if activity_type not in ActivityType.values:
        raise ValidationFailed(f"unknown activity_type '{activity_type}'", field="activity_type")
    if arm not in Arm.values:
        raise ValidationFailed(f"arm must be one of {', '.join(Arm.values)}", field="arm")
    if Cohort.objects.filter(programme=programme, code=code).exists():
        raise Conflict(f"cohort '{code}' exists in {programme.code}", field="code")
    cohort = Cohort.objects.create(
        programme=programme,
        code=code,
        name=name,
        org_unit=org_unit,
        start=start,
        end=end,
        planned_sessions=planned_sessions,
        completion_min=completion_min,
        activity_type=activity_type,
        arm=arm,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=cohort,
        organisation_id=programme.organisation_id,
        org_unit_path=org_unit.path,
        changes={"sessions": planned_sessions, "completion_min": completion_min},
    )
    if weekly_sessions:
        for n in range(1, planned_sessions + 1):
            session_create(actor=actor, cohort=cohort, number=n, date=start + timedelta(weeks=n - 1))
    return cohort


def _coc_code(element: DataElement, sex: str | None) -> str:
    combo = element.category_combo
    if sex is None:
        coc = combo.option_combos.order_by("code").first()
        if coc is None:
            raise ValidationFailed(f"data element {element.code} has no category option combo")
        return coc.code
    match = combo.option_combos.filter(option_key=sex).first()
    if match is None:
        raise ValidationFailed(
            f"data element {element.code}: its disaggregation has no option for sex '{sex}'",
            field="data_element",
        )
    return match.code


def _by_sex(element: DataElement) -> bool:
    keys = set(element.category_combo.option_combos.values_list("option_key", flat=True))
    if keys and keys <= {"F", "M"}:
        return True
    if len(keys) <= 1:
        return False
    raise ValidationFailed(
        f"data element {element.code} is disaggregated by {element.category_combo.code}: "
        "reach and completion can feed a total or a Sex (F/M) disaggregation only",
        field="data_element",
    )


def programme_indicators_push(*, actor: Actor, programme: Programme, period: str) -> dict[str, Any]:
    """Unique reach (people present at least once in the period), completions (people who completed a
    cohort ending in the period) and, when a band is set, people in that band and people who responded
    (latest scale response in the period: an indicator divides the two for "% with high support for gender
    equity"); per district and sex, written through the data app's import service to the programme's data
    elements. Answers the import summaries."""
    policy.check_actor(actor)
    try:
        span = period_lib.parse_period(period)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from exc
    out: dict[str, Any] = {}
    in_band: list[dict[str, Any]] = []
    respondents: list[dict[str, Any]] = []
    if programme.band_name and (programme.band_data_element or programme.respondents_data_element):
        in_band, respondents = selectors.band_rows(
            programme=programme, band=programme.band_name, start=span.start, end=span.end
        )
    targets = (
        (
            "reach",
            programme.reach_data_element,
            selectors.reach_rows(programmes=[programme], start=span.start, end=span.end),
        ),
        (
            "completion",
            programme.completion_data_element,
            selectors.completion_rows(programme=programme, start=span.start, end=span.end),
        ),
        ("band", programme.band_data_element, in_band),
        ("respondents", programme.respondents_data_element, respondents),
    )
    for label, element, people in targets:
        if element is None:
            continue
        split = _by_sex(element)
        counts: dict[tuple[str, str | None], int] = {}
        for person in people:
            key = (person["district"], person["sex"] if split else None)
            counts[key] = counts.get(key, 0) + 1
        values = [
            {
                "dataElement": element.code,
                "period": span.code,
                "orgUnit": district,
                "categoryOptionCombo": _coc_code(element, sex),
                "value": str(n),
            }
            for (district, sex), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ]
        if not values:
            out[label] = {"status": "SUCCESS", "imported": 0}
            continue
        summary = datavalues_import(
            actor=actor,
            payload={"dataValues": values},
            atomic=True,
            source=f"programme {programme.code} {label}",
        )
        out[label] = summary.as_dict()
    return out
