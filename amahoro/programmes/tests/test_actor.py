"""A service called without an actor refuses (a forgotten actor must not skip the policy); the platform
itself (`policy.SYSTEM`: commands, demo) passes. One case per service module."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amahoro import policy
from amahoro.core.errors import PermissionDenied
from amahoro.programmes import scoring
from amahoro.programmes.models import Scale
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import participants as participant_services
from amahoro.programmes.services import programmes as programme_services
from amahoro.programmes.services import scales as scale_services

from .factories import World

pytestmark = pytest.mark.django_db

NO_ACTOR: Any = None


def test_programme_and_cohort_services_refuse_no_actor_and_accept_system(world: World) -> None:
    with pytest.raises(PermissionDenied) as refused:
        programme_services.programme_create(
            actor=NO_ACTOR,
            code="NOBODY",
            name="No actor",
            organisation=world.cast.ngo,
            districts=list(world.programme.districts.all()),
        )
    assert refused.value.code == "no_actor"
    made = programme_services.programme_create(
        actor=policy.SYSTEM,
        code="SYSTEM-MADE",
        name="By the platform",
        organisation=world.cast.ngo,
        districts=list(world.programme.districts.all()),
    )
    assert made.created_by is None


def test_participant_services_refuse_no_actor_and_accept_system(world: World) -> None:
    village = world.people[0].village
    with pytest.raises(PermissionDenied):
        participant_services.participant_create(
            actor=NO_ACTOR, organisation=world.cast.ngo, sex="F", village=village, birth_year=1990
        )
    with pytest.raises(PermissionDenied):
        participant_services.participant_merge(actor=NO_ACTOR, kept=world.people[0], merged=world.people[1])
    person = participant_services.participant_create(
        actor=policy.SYSTEM, organisation=world.cast.ngo, sex="F", village=village, birth_year=1990
    )
    assert person.code.startswith("P-")


def test_attendance_services_refuse_no_actor_and_accept_system(world: World) -> None:
    session = world.sessions[0]
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_record(
            actor=NO_ACTOR, session=session, presence={world.people[0]: True}
        )
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_file_import(
            actor=NO_ACTOR, cohort=world.cohort, content=b"session,participant,present\n", filename="a.csv"
        )
    assert (
        attendance_services.attendance_record(
            actor=policy.SYSTEM, session=session, presence={world.people[0]: True}
        )
        == 1
    )


def test_scale_services_refuse_no_actor_and_accept_system(world: World) -> None:
    definition = scoring.ScaleDef(
        code="TINY",
        name="Tiny",
        items=(scoring.ItemDef(code="Q1", text="One", scores={"yes": 1.0, "no": 0.0}),),
    )
    with pytest.raises(PermissionDenied):
        scale_services.scale_create(actor=NO_ACTOR, definition=definition, organisation=None)
    assert not Scale.objects.filter(code="TINY").exists()
    scale = scale_services.scale_create(actor=policy.SYSTEM, definition=definition, organisation=None)
    with pytest.raises(PermissionDenied):
        scale_services.survey_round_create(
            actor=NO_ACTOR, cohort=world.cohort, scale=scale, kind="baseline", date=date(2025, 1, 1)
        )
    survey = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=scale, kind="baseline", date=world.cohort.start
    )
    assert survey.pk is not None
