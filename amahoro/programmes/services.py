"""Writes of the programmes app: programmes, cohorts, sessions, participants (identifying details
encrypted), enrolments and drop-outs, attendance (grid, CSV/XLSX import), merges of duplicates, scales,
survey rounds and scored responses, and pushing reach and completion to the framework's data elements.

Every function takes `actor=` (None for the command line and the demo: no policy check) and records the
change in the audit log in the same transaction. Imports are all-or-nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.crypto import blind_index
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import scoring
from .models import (
    ActivityType,
    Arm,
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Participant,
    ParticipantLink,
    ParticipantMerge,
    Programme,
    RoundKind,
    Scale,
    ScaleBand,
    ScaleItem,
    ScaleResponse,
    Session,
    Sex,
    SurveyRound,
)

NAME_PURPOSE = "programmes.participant.name"
PHONE_PURPOSE = "programmes.participant.phone"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and written down


def _require(
    actor: Any, perm: Perm, *, organisation: Organisation | int | None, org_unit: Any, what: str
) -> None:
    """Services called without an actor (command line, demo) skip the check; every other call needs the
    permission for that organisation at that place."""
    if actor is None:
        return
    if not policy.can_in(actor, perm, organisation=organisation, org_unit=org_unit):
        raise PermissionDenied(f"You may not {what} here (needs {perm.value})")


def _register(actor: Any, cohort: Cohort) -> dict[str, Participant]:
    """The cohort organisation's participants by code, limited to those the actor may see (one query)."""
    qs = Participant.objects.filter(organisation_id=cohort.programme.organisation_id)
    if actor is not None:
        qs = policy.visible(actor, Perm.PROGRAMME_VIEW, qs)
    return {p.code: p for p in qs.select_related("village")}


def _in_subtree(unit: OrgUnit, roots: Iterable[OrgUnit]) -> bool:
    return any(unit.path.startswith(r.path) for r in roots)


# ---------------------------------------------------------------------------------------------------------
# Programmes, cohorts, sessions


@transaction.atomic
def programme_create(
    *,
    actor: Any,
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
    districts = list(districts)
    if not code.strip():
        raise ValidationFailed("code is required", field="code")
    if not districts:
        raise ValidationFailed("a programme runs in at least one district", field="districts")
    for d in districts:
        _require(
            actor, Perm.PROGRAMME_MANAGE, organisation=organisation, org_unit=d, what="create a programme"
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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
    actor: Any,
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
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=programme.organisation_id,
        org_unit=org_unit,
        what="create a cohort",
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
        from datetime import timedelta

        for n in range(1, planned_sessions + 1):
            session_create(actor=actor, cohort=cohort, number=n, date=start + timedelta(weeks=n - 1))
    return cohort


@transaction.atomic
def session_create(
    *,
    actor: Any,
    cohort: Cohort,
    number: int,
    date: date,
    place: OrgUnit | None = None,
    facilitators: str = "",
    topics: str = "",
) -> Session:
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="add a session",
    )
    if not cohort.start <= date <= cohort.end:
        raise ValidationFailed(
            f"session date {date} is outside the cohort ({cohort.start} to {cohort.end})", field="date"
        )
    if not 1 <= number <= cohort.planned_sessions:
        raise ValidationFailed(f"session number must be from 1 to {cohort.planned_sessions}", field="number")
    if Session.objects.filter(cohort=cohort, number=number).exists():
        raise Conflict(f"session {number} of {cohort} exists", field="number")
    session = Session.objects.create(
        cohort=cohort, number=number, date=date, place=place, facilitators=facilitators, topics=topics
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=session,
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
        changes={"date": str(date), "number": number},
    )
    return session


# ---------------------------------------------------------------------------------------------------------
# Participants


def name_key(name: str) -> str:
    """A blind index of the name's phonetic key: Metaphone of each part, parts sorted (so "Jean Habimana"
    and "HABIMANA Jean" agree, and "Habimana"/"Habymana" usually do)."""
    import jellyfish

    from amahoro.core.crypto import normalise

    parts = sorted(p for p in (normalise(t) for t in name.split()) if p)
    if not parts:
        return ""
    return blind_index(" ".join(jellyfish.metaphone(p) for p in parts), purpose=NAME_PURPOSE)


def phone_index(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return blind_index(digits[-9:], purpose=PHONE_PURPOSE) if digits else ""


def _new_code(organisation: Organisation) -> str:
    for _attempt in range(20):
        code = "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Participant.objects.filter(organisation=organisation, code=code).exists():
            return code
    raise Conflict("could not draw a free participant code; try again")


@transaction.atomic
def participant_create(
    *,
    actor: Any,
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
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=organisation,
        org_unit=village,
        what="register a participant",
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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
def participant_link(*, actor: Any, a: Participant, b: Participant, kind: str = "couple") -> ParticipantLink:
    if a.pk == b.pk:
        raise ValidationFailed("a participant cannot be linked to themself", field="b")
    if a.organisation_id != b.organisation_id:
        raise ValidationFailed("linked participants must belong to the same organisation", field="b")
    for p in (a, b):
        _require(
            actor,
            Perm.PROGRAMME_MANAGE,
            organisation=p.organisation_id,
            org_unit=p.village,
            what="link participants",
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


def _enrol(cohort: Cohort, participant: Participant) -> Enrolment:
    if participant.organisation_id != cohort.programme.organisation_id:
        raise ValidationFailed(
            f"participant {participant.code} is registered by another organisation", field="participant"
        )
    if participant.merged_into_id is not None:
        raise ValidationFailed(
            f"participant {participant.code} was merged into another record", field="participant"
        )
    enrolment, _created = Enrolment.objects.get_or_create(cohort=cohort, participant=participant)
    return enrolment


@transaction.atomic
def enrolment_add(*, actor: Any, cohort: Cohort, participants: Iterable[Participant]) -> list[Enrolment]:
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="enrol participants",
    )
    out = [_enrol(cohort, p) for p in participants]
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
def enrolment_drop(*, actor: Any, enrolment: Enrolment, on: date, reason: str = "") -> Enrolment:
    cohort = enrolment.cohort
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="record a drop-out",
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


# ---------------------------------------------------------------------------------------------------------
# Attendance


@transaction.atomic
def attendance_record(
    *, actor: Any, session: Session, presence: Mapping[Participant, bool], source: str = "grid"
) -> int:
    """Set present/absent for participants at a session (enrolling them in the cohort if they were not).
    Answers the number of rows written."""
    cohort = session.cohort
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="record attendance",
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    written = 0
    for participant, present in presence.items():
        _enrol(cohort, participant)
        Attendance.objects.update_or_create(
            session=session,
            participant=participant,
            defaults={"present": bool(present), "recorded_by": user},
        )
        written += 1
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=session,
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
        changes={"attendance": written, "present": sum(1 for v in presence.values() if v), "source": source},
    )
    return written


@dataclass
class ImportResult:
    rows: int = 0
    written: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "SUCCESS" if self.ok else "ERROR",
            "rows": self.rows,
            "written": self.written,
            "errors": self.errors,
        }


TRUE_WORDS = {"1", "yes", "y", "true", "present", "p", "x", "yego"}
FALSE_WORDS = {"0", "no", "n", "false", "absent", "a", "", "oya"}


def _presence(raw: Any) -> bool | None:
    word = str(raw if raw is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def attendance_rows_import(
    *,
    actor: Any,
    cohort: Cohort,
    rows: list[dict[str, Any]],
    row_numbers: list[int] | None = None,
    source: str = "file",
) -> ImportResult:
    """Rows of {"session": number, "participant": code, "present": yes/no}: every row is checked, and
    nothing is written when any row has a problem (errors name the row and column)."""
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="record attendance",
    )
    result = ImportResult(rows=len(rows))
    numbers = row_numbers or list(range(2, len(rows) + 2))
    sessions = {s.number: s for s in cohort.sessions.all()}
    people = _register(actor, cohort)
    by_session: dict[int, dict[Participant, bool]] = {}
    seen: set[tuple[int, str]] = set()
    for n, row in zip(numbers, rows, strict=True):
        raw_session = str(row.get("session") or "").strip()
        code = str(row.get("participant") or "").strip()
        try:
            number = int(float(raw_session))
        except ValueError:
            result.errors.append(
                {"row": n, "column": "session", "message": f"'{raw_session}' is not a session number"}
            )
            continue
        session = sessions.get(number)
        if session is None:
            result.errors.append(
                {"row": n, "column": "session", "message": f"cohort {cohort.code} has no session {number}"}
            )
            continue
        participant = people.get(code)
        if participant is None:
            result.errors.append(
                {"row": n, "column": "participant", "message": f"unknown participant '{code}'"}
            )
            continue
        if participant.merged_into_id is not None:
            result.errors.append(
                {
                    "row": n,
                    "column": "participant",
                    "message": f"participant '{code}' was merged into another record",
                }
            )
            continue
        present = _presence(row.get("present"))
        if present is None:
            result.errors.append(
                {"row": n, "column": "present", "message": f"'{row.get('present')}' is not yes/no (1/0)"}
            )
            continue
        if (number, code) in seen:
            result.errors.append(
                {"row": n, "column": "participant", "message": f"{code} appears twice for session {number}"}
            )
            continue
        seen.add((number, code))
        by_session.setdefault(number, {})[participant] = present
    if result.errors:
        return result
    with transaction.atomic():
        for number, presence in sorted(by_session.items()):
            result.written += attendance_record(
                actor=actor, session=sessions[number], presence=presence, source=source
            )
    return result


def attendance_file_import(*, actor: Any, cohort: Cohort, content: bytes, filename: str) -> ImportResult:
    """A CSV or XLSX with columns session, participant, present (header row first)."""
    from amahoro.data.tabular import TableError, read_table

    try:
        table = read_table(content, filename)
    except TableError as exc:
        raise ValidationFailed(str(exc), field="file") from exc
    if not table:
        raise ValidationFailed("the file is empty", field="file")
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in ("session", "participant", "present") if c not in header]
    if missing:
        raise ValidationFailed(f"missing column(s): {', '.join(missing)}", field="file")
    rows, numbers = [], []
    for i, record in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in record):
            continue
        rows.append({h: (record[j] if j < len(record) else "") for j, h in enumerate(header)})
        numbers.append(i)
    if not rows:
        raise ValidationFailed("the file has no data rows", field="file")
    return attendance_rows_import(
        actor=actor, cohort=cohort, rows=rows, row_numbers=numbers, source=f"file {filename}"
    )


# ---------------------------------------------------------------------------------------------------------
# Duplicates


@transaction.atomic
def participant_merge(
    *, actor: Any, kept: Participant, merged: Participant, note: str = ""
) -> ParticipantMerge:
    """`merged` is the same person as `kept`: move its enrolments, attendance, responses and links to
    `kept` (where `kept` already has the same session or round, its own row wins), point it at `kept`, and
    keep the history. Reach counts each person once, so counts drop accordingly."""
    if kept.pk == merged.pk:
        raise ValidationFailed("a participant cannot be merged with themself", field="merged")
    if kept.organisation_id != merged.organisation_id:
        raise ValidationFailed("only participants of the same organisation can be merged", field="merged")
    if kept.merged_into_id or merged.merged_into_id:
        raise ValidationFailed("one of these participants was already merged", field="merged")
    for p in (kept, merged):
        _require(
            actor,
            Perm.PROGRAMME_MANAGE,
            organisation=p.organisation_id,
            org_unit=p.village,
            what="merge participants",
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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


# ---------------------------------------------------------------------------------------------------------
# Scales, rounds, responses


def scale_definition(scale: Scale) -> scoring.ScaleDef:
    return scoring.ScaleDef(
        code=scale.code,
        name=scale.name,
        items=tuple(
            scoring.ItemDef(
                code=i.code,
                text=i.text,
                scores={str(k): float(v) for k, v in i.scores.items()},
                subscale=i.subscale,
                text_fr=i.text_fr,
                text_rw=i.text_rw,
            )
            for i in scale.items.all()
        ),
        bands=tuple(scoring.BandDef(b.name, b.min, b.max) for b in scale.bands.all()),
        max_missing=scale.max_missing,
        description=scale.description,
        source=scale.source,
    )


@transaction.atomic
def scale_create(
    *, actor: Any, definition: scoring.ScaleDef, organisation: Organisation | None, builtin: bool = False
) -> Scale:
    if actor is not None:
        if organisation is None and not policy.is_system_admin(actor):
            raise PermissionDenied("only system administrators define shared scales")
        if organisation is not None:
            orgs = policy.organisations_with(actor, Perm.PROGRAMME_MANAGE)
            if orgs is not None and organisation.pk not in orgs:
                raise PermissionDenied("You may not define scales for this organisation")
    if Scale.objects.filter(code=definition.code).exists():
        raise Conflict(f"a scale with code '{definition.code}' exists", field="code")
    scale = Scale.objects.create(
        code=definition.code,
        name=definition.name,
        name_fr=definition.name_fr,
        name_rw=definition.name_rw,
        organisation=organisation,
        description=definition.description,
        source=definition.source,
        max_missing=definition.max_missing,
        builtin=builtin,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ScaleItem.objects.bulk_create(
        ScaleItem(
            scale=scale,
            code=i.code,
            text=i.text,
            text_fr=i.text_fr,
            text_rw=i.text_rw,
            subscale=i.subscale,
            scores=i.scores,
            sort_order=n,
        )
        for n, i in enumerate(definition.items)
    )
    ScaleBand.objects.bulk_create(
        ScaleBand(scale=scale, name=b.name, min=b.min, max=b.max, sort_order=n)
        for n, b in enumerate(definition.bands)
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=scale,
        organisation_id=organisation.pk if organisation else None,
        changes={"items": len(definition.items), "bands": [b.name for b in definition.bands]},
    )
    return scale


def gem_ensure() -> Scale:
    """The built-in GEM scale (shared), created on first use."""
    existing = Scale.objects.filter(code="GEM-24").first()
    if existing is not None:
        return existing
    return scale_create(actor=None, definition=scoring.gem_definition(), organisation=None, builtin=True)


@transaction.atomic
def survey_round_create(*, actor: Any, cohort: Cohort, scale: Scale, kind: str, date: date) -> SurveyRound:
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="add a survey round",
    )
    if kind not in RoundKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(RoundKind.values)}", field="kind")
    if SurveyRound.objects.filter(cohort=cohort, scale=scale, kind=kind).exists():
        raise Conflict(f"{cohort} already has a {kind} round of {scale.code}", field="kind")
    survey = SurveyRound.objects.create(cohort=cohort, scale=scale, kind=kind, date=date)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=survey,
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
    )
    return survey


@transaction.atomic
def responses_record(
    *, actor: Any, survey: SurveyRound, answers: Mapping[Participant, Mapping[str, Any]], source: str = "form"
) -> list[ScaleResponse]:
    """Score and store each participant's answers (replacing an earlier answer in the same round). One
    invalid answer refuses the whole batch, naming the participant and the item."""
    cohort = survey.cohort
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="record scale responses",
    )
    definition = scale_definition(survey.scale)
    out = []
    for participant, given in answers.items():
        scored = scoring.score(definition, given, field_prefix=f"responses.{participant.code}")
        _enrol(cohort, participant)
        response, _created = ScaleResponse.objects.update_or_create(
            round=survey,
            participant=participant,
            defaults={
                "answers": dict(given),
                "total": scored.total,
                "subscales": scored.subscales,
                "band": scored.band,
            },
        )
        out.append(response)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=survey,
        organisation_id=cohort.programme.organisation_id,
        org_unit_path=cohort.org_unit.path,
        changes={"responses": len(out), "source": source},
    )
    return out


# ---------------------------------------------------------------------------------------------------------
# Feeding the framework


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


def programme_indicators_push(*, actor: Any, programme: Programme, period: str) -> dict[str, Any]:
    """Unique reach (people present at least once in the period), completions (people who completed a
    cohort ending in the period) and, when a band is set, people in that band and people who responded
    (latest scale response in the period: an indicator divides the two for "% with high support for gender
    equity"); per district and sex, written through the data app's import service to the programme's data
    elements. Answers the import summaries."""
    from amahoro.data.services import datavalues_import
    from amahoro.metadata import periods as period_lib

    from . import selectors

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


__all__ = [
    "attendance_file_import",
    "attendance_from_submissions",
    "attendance_record",
    "attendance_rows_import",
    "cohort_create",
    "enrolment_add",
    "enrolment_drop",
    "gem_ensure",
    "participant_create",
    "participant_link",
    "participant_merge",
    "programme_create",
    "programme_indicators_push",
    "responses_file_import",
    "responses_from_submissions",
    "responses_record",
    "scale_create",
    "session_create",
    "survey_round_create",
]


def responses_file_import(*, actor: Any, survey: SurveyRound, content: bytes, filename: str) -> ImportResult:
    """A CSV or XLSX with a `participant` column (code) and one column per item code holding the chosen
    option. Every row is scored; nothing is saved when any row has a problem (unknown participant or item
    column, answer outside the options, too many missing answers), and each problem names row and column."""
    from amahoro.data.tabular import TableError, read_table

    cohort = survey.cohort
    _require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        what="record scale responses",
    )
    try:
        table = read_table(content, filename)
    except TableError as exc:
        raise ValidationFailed(str(exc), field="file") from exc
    if not table:
        raise ValidationFailed("the file is empty", field="file")
    header = [h.strip() for h in table[0]]
    if "participant" not in header:
        raise ValidationFailed("missing column: participant", field="file")
    definition = scale_definition(survey.scale)
    known = {i.code for i in definition.items}
    unknown = [h for h in header if h and h != "participant" and h not in known]
    result = ImportResult()
    for h in unknown:
        result.errors.append(
            {"row": 1, "column": h, "message": f"'{h}' is not an item of {survey.scale.code}"}
        )
    people = _register(actor, cohort)
    answers: dict[Participant, dict[str, Any]] = {}
    for n, record in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in record):
            continue
        result.rows += 1
        row = {h: (record[j] if j < len(record) else "") for j, h in enumerate(header) if h}
        code = str(row.pop("participant", "")).strip()
        participant = people.get(code)
        if participant is None or participant.merged_into_id is not None:
            result.errors.append(
                {"row": n, "column": "participant", "message": f"unknown participant '{code}'"}
            )
            continue
        if participant in answers:
            result.errors.append({"row": n, "column": "participant", "message": f"{code} appears twice"})
            continue
        given = {k: v for k, v in row.items() if k in known and str(v).strip()}
        try:
            scoring.score(definition, given)
        except ValidationFailed as exc:
            column = (exc.field or "").removeprefix("responses.")
            result.errors.append({"row": n, "column": column, "message": exc.message})
            continue
        answers[participant] = given
    if not result.errors and not answers:
        result.errors.append({"row": 2, "column": "", "message": "the file has no data rows"})
    if result.errors:
        return result
    result.written = len(
        responses_record(actor=actor, survey=survey, answers=answers, source=f"file {filename}")
    )
    return result


# ---------------------------------------------------------------------------------------------------------
# From XLSForm submissions (amahoro.collection)


def _submissions(actor: Any, form_id: str) -> list[Any]:
    from amahoro.collection.selectors import submissions_for_form

    if not form_id.strip():
        raise ValidationFailed("form_id is required", field="form_id")
    found = list(submissions_for_form(form_id=form_id.strip(), user=actor).order_by("created_at", "pk"))
    if not found:
        raise ValidationFailed(f"no submission of form '{form_id}' that you may see", field="form_id")
    return found


def attendance_from_submissions(
    *,
    actor: Any,
    cohort: Cohort,
    form_id: str,
    session_field: str = "session",
    participant_field: str = "participant",
    present_field: str = "present",
    repeat_field: str = "participants",
) -> ImportResult:
    """Attendance from the current submissions of an XLSForm: either one row per submission (fields
    session, participant, present) or one submission per session with a repeat (`participants`) whose
    entries hold participant and present. All-or-nothing like a file import; errors name the submission
    (instance id) and the field. Re-running updates the same rows (idempotent)."""
    rows: list[dict[str, Any]] = []
    origin: list[str] = []
    for sub in _submissions(actor, form_id):
        data = sub.data or {}
        entries = data.get(repeat_field)
        if isinstance(entries, list):
            for entry in entries:
                entry = entry if isinstance(entry, dict) else {}
                rows.append(
                    {
                        "session": data.get(session_field, ""),
                        "participant": entry.get(participant_field, ""),
                        "present": entry.get(present_field, "yes"),
                    }
                )
                origin.append(sub.instance_id)
        else:
            rows.append(
                {
                    "session": data.get(session_field, ""),
                    "participant": data.get(participant_field, ""),
                    "present": data.get(present_field, "yes"),
                }
            )
            origin.append(sub.instance_id)
    result = attendance_rows_import(
        actor=actor,
        cohort=cohort,
        rows=rows,
        row_numbers=list(range(len(rows))),
        source=f"form {form_id}",
    )
    for error in result.errors:
        error["submission"] = origin[error["row"]]
        error["row"] = error["row"] + 1
    return result


def responses_from_submissions(
    *, actor: Any, survey: SurveyRound, form_id: str, participant_field: str = "participant"
) -> ImportResult:
    """Scale responses from the current submissions of an XLSForm whose field names are the scale's item
    codes (plus `participant`). All-or-nothing; errors name the submission and the item."""
    cohort = survey.cohort
    definition = scale_definition(survey.scale)
    known = {i.code for i in definition.items}
    people = _register(actor, cohort)
    result = ImportResult()
    answers: dict[Participant, dict[str, Any]] = {}
    for sub in _submissions(actor, form_id):
        result.rows += 1
        data = sub.data or {}
        code = str(data.get(participant_field, "")).strip()
        participant = people.get(code)
        if participant is None or participant.merged_into_id is not None:
            result.errors.append(
                {
                    "row": result.rows,
                    "submission": sub.instance_id,
                    "column": participant_field,
                    "message": f"unknown participant '{code}'",
                }
            )
            continue
        given = {k: v for k, v in data.items() if k in known and str(v).strip()}
        try:
            scoring.score(definition, given)
        except ValidationFailed as exc:
            result.errors.append(
                {
                    "row": result.rows,
                    "submission": sub.instance_id,
                    "column": (exc.field or "").removeprefix("responses."),
                    "message": exc.message,
                }
            )
            continue
        answers[participant] = given  # a later submission for the same person replaces an earlier one
    if result.errors:
        return result
    result.written = len(
        responses_record(actor=actor, survey=survey, answers=answers, source=f"form {form_id}")
    )
    return result
