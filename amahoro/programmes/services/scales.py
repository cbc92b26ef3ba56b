"""Writes about scales, survey rounds and scored responses (a form, a CSV/XLSX file or XLSForm submissions).
Imports are all-or-nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.core.tabular import read_table
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .. import scoring, selectors
from ..models import (
    Cohort,
    Participant,
    RoundKind,
    Scale,
    ScaleBand,
    ScaleItem,
    ScaleResponse,
    SurveyRound,
)
from .common import ImportResult, enrol


@transaction.atomic
def scale_create(
    *, actor: Actor, definition: scoring.ScaleDef, organisation: Organisation | None, builtin: bool = False
) -> Scale:
    policy.check_actor(actor)
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
        created_by=actor if isinstance(actor, User) else None,
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
    return scale_create(
        actor=policy.SYSTEM, definition=scoring.gem_definition(), organisation=None, builtin=True
    )


@transaction.atomic
def survey_round_create(*, actor: Actor, cohort: Cohort, scale: Scale, kind: str, date: date) -> SurveyRound:
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not add a survey round here (needs programme.manage)",
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
    *,
    actor: Actor,
    survey: SurveyRound,
    answers: Mapping[Participant, Mapping[str, Any]],
    source: str = "form",
) -> list[ScaleResponse]:
    """Score and store each participant's answers (replacing an earlier answer in the same round). One
    invalid answer refuses the whole batch, naming the participant and the item."""
    policy.check_actor(actor)
    cohort = survey.cohort
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not record scale responses here (needs programme.manage)",
    )
    definition = selectors.scale_definition(survey.scale)
    out = []
    for participant, given in answers.items():
        scored = scoring.score(definition, given, field_prefix=f"responses.{participant.code}")
        enrol(cohort, participant)
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


def responses_file_import(
    *, actor: Actor, survey: SurveyRound, content: bytes, filename: str
) -> ImportResult:
    """A CSV or XLSX with a `participant` column (code) and one column per item code holding the chosen
    option. Every row is scored; nothing is saved when any row has a problem (unknown participant or item
    column, answer outside the options, too many missing answers), and each problem names row and column."""
    policy.check_actor(actor)
    cohort = survey.cohort
    policy.require(
        actor,
        Perm.PROGRAMME_MANAGE,
        organisation=cohort.programme.organisation_id,
        org_unit=cohort.org_unit,
        message="You may not record scale responses here (needs programme.manage)",
    )
    table = read_table(content, filename)  # a file it cannot read: ValidationFailed naming "file"
    if not table:
        raise ValidationFailed("the file is empty", field="file")
    header = [h.strip() for h in table[0]]
    if "participant" not in header:
        raise ValidationFailed("missing column: participant", field="file")
    definition = selectors.scale_definition(survey.scale)
    known = {i.code for i in definition.items}
    unknown = [h for h in header if h and h != "participant" and h not in known]
    result = ImportResult()
    for h in unknown:
        result.errors.append(
            {"row": 1, "column": h, "message": f"'{h}' is not an item of {survey.scale.code}"}
        )
    people = selectors.participants_by_code(user=actor, organisation_id=cohort.programme.organisation_id)
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


def responses_from_submissions(
    *, actor: Actor, survey: SurveyRound, form_id: str, participant_field: str = "participant"
) -> ImportResult:
    """Scale responses from the current submissions of an XLSForm whose field names are the scale's item
    codes (plus `participant`). All-or-nothing; errors name the submission and the item."""
    policy.check_actor(actor)
    cohort = survey.cohort
    definition = selectors.scale_definition(survey.scale)
    known = {i.code for i in definition.items}
    people = selectors.participants_by_code(user=actor, organisation_id=cohort.programme.organisation_id)
    result = ImportResult()
    answers: dict[Participant, dict[str, Any]] = {}
    for sub in selectors.form_submissions(user=actor, form_id=form_id):
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
