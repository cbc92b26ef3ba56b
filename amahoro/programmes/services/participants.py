"""Writes about participants (identifying details encrypted): registration, links between participants,
enrolments and drop-outs, and merging duplicate records."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from ..keys import name_key, phone_index
from ..models import (
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Participant,
    ParticipantLink,
    ParticipantMerge,
    Sex,
)
from .common import enrol

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and written down


def _new_code(organisation: Organisation) -> str:
    for _attempt in range(20):
        code = "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Participant.objects.filter(organisation=organisation, code=code).exists():
            return code
    raise Conflict("could not draw a free participant code; try again")


@transaction.atomic
def participant_create(
    *,
    actor: Actor,
    organisation: Organisation,
    sex: str,
    village: OrgUnit,
    birth_year: int | None = None,
    age: int | None = None,
    disability: bool = False,
    role: str = "",
    name: str = "",
    phone: str = "",
    code: str = "",
) -> Participant:
    """A participant with a new pseudonymous code (or `code`). When only the age is known, the birth year is
    taken as this year minus the age."""
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=organisation,
        org_unit=village,
        message="You may not register a participant here (needs programme.manage)",
    )
    if sex not in Sex.values:
        raise ValidationFailed("sex must be F or M", field="sex")
    this_year = date.today().year
    if birth_year is None and age is not None:
        if not 0 <= age <= 110:
            raise ValidationFailed(f"age {age} is not plausible", field="age")
        birth_year = this_year - age
    if birth_year is not None and not this_year - 110 <= birth_year <= this_year:
        raise ValidationFailed(f"birth_year {birth_year} is not plausible", field="birth_year")
    code = code.strip() or _new_code(organisation)
    if Participant.objects.filter(organisation=organisation, code=code).exists():
        raise Conflict(f"participant code '{code}' is taken", field="code")
    participant = Participant.objects.create(
        organisation=organisation,
        code=code,
        sex=sex,
        village=village,
        birth_year=birth_year,
        disability=disability,
        role=role,
        name_enc=name.strip(),
        phone=phone.strip(),
        name_key=name_key(name),
        phone_index=phone_index(phone),
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=participant,
        organisation_id=organisation.pk,
        org_unit_path=village.path,
        changes={
            "code": code,
            "sex": sex,
            "birth_year": birth_year,
            "name_enc": bool(name),
            "phone": bool(phone),
        },
    )
    return participant


@transaction.atomic
def participant_link(
    *, actor: Actor, a: Participant, b: Participant, kind: str = "couple"
) -> ParticipantLink:
    policy.check_actor(actor)
    if a.pk == b.pk:
        raise ValidationFailed("a participant cannot be linked to themself", field="b")
    if a.organisation_id != b.organisation_id:
        raise ValidationFailed("linked participants must belong to the same organisation", field="b")
    for p in (a, b):
        policy.require(
            actor,
            Perm.PROGRAMME_MANAGE,
            organisation=p.organisation_id,
            org_unit=p.village,
            message="You may not link participants here (needs programme.manage)",
        )
    first, second = sorted((a, b), key=lambda p: p.pk)
    link, created = ParticipantLink.objects.get_or_create(a=first, b=second, kind=kind)
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=link,
            object_repr=f"{first.code} <-> {second.code} ({kind})",
            organisation_id=a.organisation_id,
        )
    return link


@transaction.atomic
def enrolment_add(*, actor: Actor, cohort: Cohort, participants: Iterable[Participant]) -> list[Enrolment]:
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not enrol participants here (needs programme.manage)",
    )
    out = [enrol(cohort, p) for p in participants]
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=cohort,
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
        changes={"enrolled": [e.participant.code for e in out]},
    )
    return out


@transaction.atomic
def enrolment_drop(*, actor: Actor, enrolment: Enrolment, on: date, reason: str = "") -> Enrolment:
    policy.check_actor(actor)
    cohort = enrolment.cohort
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not record a drop-out here (needs programme.manage)",
    )
    enrolment.status = EnrolmentStatus.DROPPED_OUT
    enrolment.dropped_out_on = on
    enrolment.reason = reason[:300]
    enrolment.save(update_fields=["status", "dropped_out_on", "reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=enrolment,
        object_repr=f"{cohort} {enrolment.participant.code}",
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
        changes={"status": "dropped_out", "on": str(on)},
    )
    return enrolment


@transaction.atomic
def participant_merge(
    *, actor: Actor, kept: Participant, merged: Participant, note: str = ""
) -> ParticipantMerge:
    """`merged` is the same person as `kept`: move its enrolments, attendance, responses and links to
    `kept` (where `kept` already has the same session or round, its own row wins), point it at `kept`, and
    keep the history. Reach counts each person once, so counts drop accordingly."""
    policy.check_actor(actor)
    if kept.pk == merged.pk:
        raise ValidationFailed("a participant cannot be merged with themself", field="merged")
    if kept.organisation_id != merged.organisation_id:
        raise ValidationFailed("only participants of the same organisation can be merged", field="merged")
    if kept.merged_into_id or merged.merged_into_id:
        raise ValidationFailed("one of these participants was already merged", field="merged")
    for p in (kept, merged):
        policy.require(
            actor,
            Perm.PROGRAMME_MANAGE,
            organisation=p.organisation_id,
            org_unit=p.village,
            message="You may not merge participants here (needs programme.manage)",
        )
    moved = {"attendance": 0, "enrolments": 0, "responses": 0, "links": 0, "dropped_duplicates": 0}
    kept_sessions = set(kept.attendance.values_list("session_id", flat=True))
    for row in merged.attendance.all():
        if row.session_id in kept_sessions:
            if row.present:  # present in either record means present
                Attendance.objects.filter(session_id=row.session_id, participant=kept).update(present=True)
            row.delete()
            moved["dropped_duplicates"] += 1
        else:
            row.participant = kept
            row.save(update_fields=["participant"])
            moved["attendance"] += 1
    # Enrolments (one per cohort) and survey responses (one per round): the kept record's win.
    for related, key in (("enrolments", "cohort_id"), ("responses", "round_id")):
        kept_keys = set(getattr(kept, related).values_list(key, flat=True))
        for row in getattr(merged, related).all():
            if getattr(row, key) in kept_keys:
                row.delete()
                moved["dropped_duplicates"] += 1
            else:
                row.participant = kept
                row.save(update_fields=["participant", "updated_at"])
                moved[related] += 1
    for link in [*merged.links_a.all(), *merged.links_b.all()]:
        other = link.b if link.a_id == merged.pk else link.a
        link.delete()
        if other.pk != kept.pk:
            first, second = sorted((kept, other), key=lambda p: p.pk)
            ParticipantLink.objects.get_or_create(a=first, b=second, kind=link.kind)
            moved["links"] += 1
    merged.merged_into = kept
    merged.save(update_fields=["merged_into", "updated_at"])
    record = ParticipantMerge.objects.create(
        kept=kept,
        merged=merged,
        moved=moved,
        note=note[:300],
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=merged,
        object_repr=f"{merged.code} merged into {kept.code}",
        organisation_id=kept.organisation_id,
        org_unit_path=kept.village.path,
        changes={"merged_into": kept.code, **moved},
        message=f"participant {merged.code} merged into {kept.code}",
    )
    return record
