"""A small programme world on top of the shared `cast`: NGO1 runs a couples curriculum in Nyarugenge (11)
and Gasabo (12), with villages from the real NISR hierarchy loaded for the test session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from amahoro import policy
from amahoro.geo.models import OrgUnit
from amahoro.programmes.models import Cohort, Participant, Programme, Session
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import participants as participant_services
from amahoro.programmes.services import programmes as programme_services


def villages(sector: str, n: int = 3) -> list[OrgUnit]:
    unit = OrgUnit.objects.get(code=sector)
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, level__code="village").order_by("code")[:n]
    )


@dataclass
class World:
    cast: Any
    programme: Programme
    cohort: Cohort  # in sector 1101 (Nyarugenge)
    gasabo_cohort: Cohort  # in sector 1201 (Gasabo)
    sessions: list[Session]
    people: list[Participant]  # 4 in 1101 villages
    gasabo_people: list[Participant]
    v1101: list[OrgUnit]
    v1201: list[OrgUnit]


def make_world(cast: Any) -> World:
    d11, d12 = OrgUnit.objects.get(code="11"), OrgUnit.objects.get(code="12")
    programme = programme_services.programme_create(
        actor=policy.SYSTEM,
        code="BANDE",
        name="Couples curriculum",
        organisation=cast.ngo,
        districts=[d11, d12],
    )
    v1101, v1201 = villages("1101"), villages("1201")
    start = date(2025, 1, 6)
    cohort = programme_services.cohort_create(
        actor=policy.SYSTEM,
        programme=programme,
        code="C1",
        name="Cohort 1",
        org_unit=OrgUnit.objects.get(code="1101"),
        start=start,
        end=start + timedelta(weeks=17),
        planned_sessions=4,
        completion_min=3,
    )
    gasabo_cohort = programme_services.cohort_create(
        actor=policy.SYSTEM,
        programme=programme,
        code="G1",
        name="Gasabo 1",
        org_unit=OrgUnit.objects.get(code="1201"),
        start=start,
        end=start + timedelta(weeks=17),
        planned_sessions=4,
        completion_min=3,
    )
    sessions = [
        attendance_services.session_create(
            actor=policy.SYSTEM, cohort=cohort, number=n, date=start + timedelta(weeks=n - 1)
        )
        for n in range(1, 5)
    ]
    people = [
        participant_services.participant_create(
            actor=policy.SYSTEM,
            organisation=cast.ngo,
            sex=sex,
            village=v1101[i % len(v1101)],
            birth_year=1985 + i,
            name=name,
            phone=f"+25078800000{i}",
            code=f"P-{i:03d}",
        )
        for i, (sex, name) in enumerate(
            [("M", "Jean Habimana"), ("F", "Aline Uwase"), ("M", "Eric Mugabo"), ("F", "Grace Ingabire")]
        )
    ]
    gasabo_people = [
        participant_services.participant_create(
            actor=policy.SYSTEM,
            organisation=cast.ngo,
            sex="M",
            village=v1201[0],
            birth_year=1990,
            code="P-G01",
        )
    ]
    return World(cast, programme, cohort, gasabo_cohort, sessions, people, gasabo_people, v1101, v1201)
