"""Writes about sessions and attendance: the grid, CSV/XLSX imports and XLSForm submissions. Imports are
all-or-nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, ValidationFailed
from amahoro.core.tabular import read_table
from amahoro.geo.models import OrgUnit
from amahoro.policy import Actor
from amahoro.roles import Perm

from .. import selectors
from ..models import Attendance, Cohort, Participant, Session
from .common import ImportResult, enrol


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    cohort: Cohort,
    number: int,
    date: date,
    place: OrgUnit | None = None,
    facilitators: str = "",
    topics: str = "",
) -> Session:
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not add a session here (needs programme.manage)",
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


@transaction.atomic
def attendance_record(
    *, actor: Actor, session: Session, presence: Mapping[Participant, bool], source: str = "grid"
) -> int:
    """Set present/absent for participants at a session (enrolling them in the cohort if they were not).
    Answers the number of rows written."""
    policy.check_actor(actor)
    cohort = session.cohort
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not record attendance here (needs programme.manage)",
    )
    user = actor if isinstance(actor, User) else None
    written = 0
    for participant, present in presence.items():
        enrol(cohort, participant)
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
    actor: Actor,
    cohort: Cohort,
    rows: list[dict[str, Any]],
    row_numbers: list[int] | None = None,
    source: str = "file",
) -> ImportResult:
    """Rows of {"session": number, "participant": code, "present": yes/no}: every row is checked, and
    nothing is written when any row has a problem (errors name the row and column)."""
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not record attendance here (needs programme.manage)",
    )
    result = ImportResult(rows=len(rows))
    numbers = row_numbers or list(range(2, len(rows) + 2))
    sessions = {s.number: s for s in cohort.sessions.all()}
    people = selectors.participants_by_code(user=actor, organisation_id=cohort.programme.organisation_id)
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


def attendance_file_import(*, actor: Actor, cohort: Cohort, content: bytes, filename: str) -> ImportResult:
    """A CSV or XLSX with columns session, participant, present (header row first)."""
    policy.check_actor(actor)
    table = read_table(content, filename)  # a file it cannot read: ValidationFailed naming "file"
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


def attendance_from_submissions(
    *,
    actor: Actor,
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
    policy.check_actor(actor)
    rows: list[dict[str, Any]] = []
    origin: list[str] = []
    for sub in selectors.form_submissions(user=actor, form_id=form_id):
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
