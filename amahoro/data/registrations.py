"""Writes of reporting completeness: a place's report of a data set for a period marked complete (or
incomplete again), one at a time (the data entry page, dataValueSets' `completeDate`) or as DHIS2's
completeDataSetRegistrations payload. Each takes `actor=` and writes its audit row in the same transaction.

Who may: data.enter at the place, for the report's organisation (the attribute option combo's, else the one
named, else the data set's owner or single reporting organisation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import AmahoroError, NotFound, PermissionDenied, ValidationFailed
from amahoro.data.completeness import organisation_q
from amahoro.data.importing import (
    ImportConflict,
    ImportSummary,
    default_option_combo,
    ensure_periods,
    organisation_of_aocs,
)
from amahoro.data.models import CompleteDataSetRegistration, DataSet, Period
from amahoro.geo.models import OrgUnit
from amahoro.metadata import idschemes
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@dataclass(frozen=True)
class Target:
    """Which report a registration is about, resolved and checked."""

    data_set: DataSet
    org_unit: OrgUnit
    period: Period
    attribute_option_combo: CategoryOptionCombo
    organisation_id: int | None


def report_organisation(
    data_set: DataSet, aoc: CategoryOptionCombo, organisation: Organisation | None
) -> int | None:
    """Whose report it is: the attribute option combo's organisation, else the one named, else the data
    set's single reporting organisation (or owner). Several reporting organisations and none named: 400."""
    from_aoc = organisation_of_aocs({aoc.pk: aoc.option_key}).get(aoc.pk)
    reporting = sorted(data_set.organisations.values_list("pk", flat=True))
    chosen = from_aoc or (organisation.pk if organisation else None)
    if chosen is None:
        if len(reporting) > 1:
            raise ValidationFailed(
                f"data set {data_set.code} is reported by several organisations: name the organisation "
                "(attributeOptionCombo or organisation)",
                field="organisation",
            )
        return reporting[0] if reporting else data_set.organisation_id
    if reporting and chosen not in reporting:
        raise ValidationFailed(
            f"this organisation does not report data set {data_set.code}", field="organisation"
        )
    if not reporting and data_set.organisation_id is not None and chosen != data_set.organisation_id:
        raise ValidationFailed(
            f"data set {data_set.code} is reported by its owner only", field="organisation"
        )
    return chosen


def target_resolve(
    *,
    actor: Actor,
    data_set: DataSet,
    org_unit: OrgUnit,
    period_code: str,
    attribute_option_combo: CategoryOptionCombo | None = None,
    organisation: Organisation | None = None,
) -> Target:
    """Check that the actor may register this report (data.enter at the place, for its organisation), that
    the data set is assigned there and that the period is of its type; 400/403 naming the field."""
    try:
        parsed = period_lib.parse_period(period_code)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from exc
    if data_set.period_type and parsed.type != data_set.period_type:
        raise ValidationFailed(
            f"period {parsed.code} is not a {data_set.period_type} period (data set {data_set.code})",
            field="period",
        )
    assigned = set(data_set.org_units.values_list("pk", flat=True))
    if assigned and org_unit.pk not in assigned:
        raise ValidationFailed(
            f"data set {data_set.code} is not assigned to {org_unit.name} ({org_unit.code})",
            field="orgUnit",
        )
    aoc = attribute_option_combo or default_option_combo()
    assert aoc is not None
    org_id = report_organisation(data_set, aoc, organisation)
    if not policy.can_in(actor, Perm.DATA_ENTER, organisation=org_id, org_unit=org_unit.path):
        raise PermissionDenied(
            f"You may not enter data for {org_unit.name} ({org_unit.code})", field="orgUnit"
        )
    period = Period.objects.get(pk=ensure_periods([parsed.code])[parsed.code])
    return Target(data_set, org_unit, period, aoc, org_id)


def _existing(target: Target, *, lock: bool = True) -> CompleteDataSetRegistration | None:
    rows = CompleteDataSetRegistration.objects.all()
    return (
        (rows.select_for_update() if lock else rows)
        .filter(
            organisation_q(target.organisation_id),
            data_set=target.data_set,
            org_unit=target.org_unit,
            period=target.period,
            attribute_option_combo=target.attribute_option_combo,
        )
        .first()
    )


def _label(target: Target) -> str:
    return f"{target.data_set.code} {target.org_unit.code} {target.period.code}"


@transaction.atomic
def registration_set(
    *, actor: Actor, target: Target, completed: bool = True, date: dt.datetime | None = None
) -> tuple[CompleteDataSetRegistration, str]:
    """Mark the report complete (or incomplete): (the registration, "imported" | "updated" | "ignored").
    A report marked complete again after being incomplete takes the new date: timeliness is judged on it."""
    policy.check_actor(actor)
    now = timezone.now()
    if date is not None and date > now + dt.timedelta(days=1):
        raise ValidationFailed("date is in the future", field="date")
    existing = _existing(target)
    if existing is not None and existing.completed == completed and date is None:
        return existing, "ignored"
    before = None if existing is None else existing.completed
    registration = existing or CompleteDataSetRegistration(
        data_set=target.data_set,
        org_unit=target.org_unit,
        period=target.period,
        attribute_option_combo=target.attribute_option_combo,
        organisation_id=target.organisation_id,
    )
    registration.completed = completed
    if date is not None or existing is None or (completed and not existing.completed):
        registration.date = date or now
    registration.stored_by = _user(actor)
    registration.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if existing is None else AuditAction.UPDATE,
        obj=registration,
        organisation_id=target.organisation_id,
        org_unit_path=target.org_unit.path,
        changes={"completed": [before, completed], "date": registration.date.isoformat()},
        message=f"{'complete' if completed else 'incomplete'}: {_label(target)}",
    )
    return registration, "imported" if existing is None else "updated"


@transaction.atomic
def registration_delete(*, actor: Actor, target: Target) -> None:
    """Remove the registration (DHIS2's DELETE): the report counts as not received."""
    policy.check_actor(actor)
    existing = _existing(target)
    if existing is None:
        raise NotFound(f"no registration for {_label(target)}")
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=existing,
        organisation_id=target.organisation_id,
        org_unit_path=target.org_unit.path,
        message=f"registration removed: {_label(target)}",
    )
    existing.delete()


# ---------------------------------------------------------------------------------------------------------
# DHIS2's completeDataSetRegistrations payload


def data_set_find(*, user: Actor, ident: str) -> DataSet | None:
    """A data set the user may see, by uid then code."""
    from amahoro.data.selectors import data_sets_visible_to

    sets = data_sets_visible_to(user=user)
    return sets.filter(uid=ident).first() or sets.filter(code=ident).first() if ident else None


def org_unit_find(ident: str) -> OrgUnit | None:
    return idschemes.find(OrgUnit.objects.all(), "code", [ident]).get(ident) if ident else None


def aoc_find(ident: str) -> CategoryOptionCombo | None:
    if not ident:
        return None
    if ident == idschemes.DEFAULT_COC_UID:
        return default_option_combo()
    found: CategoryOptionCombo | None = idschemes.find(
        CategoryOptionCombo.objects.all(), "code", [ident]
    ).get(ident)
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _completed(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValidationFailed(f"completed must be true or false, not '{str(value)[:20]}'", field="completed")


def parse_date(value: Any, field: str = "date") -> dt.datetime | None:
    """DHIS2's dates: `2024-02-10`, `2024-02-10T08:30:00.000` (local time when no zone is given)."""
    text = _text(value)
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(
            f"{field} must be a date (YYYY-MM-DD[Thh:mm:ss]), not '{text[:30]}'", field=field
        ) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def row_target(*, actor: Actor, row: Mapping[str, Any]) -> Target:
    """The registration a payload row names (dataSet, period, organisationUnit, attributeOptionCombo?,
    organisation?), checked: 400/403/404 naming the field."""
    ds_ident = _text(row.get("dataSet"))
    if not ds_ident:
        raise ValidationFailed("dataSet is required", field="dataSet")
    data_set = data_set_find(user=actor, ident=ds_ident)
    if data_set is None:
        raise ValidationFailed(
            f"Data set not found or not accessible: `{ds_ident}`", field="dataSet", code="E7600"
        )
    ou_ident = _text(row.get("organisationUnit") or row.get("orgUnit"))
    if not ou_ident:
        raise ValidationFailed("organisationUnit is required", field="organisationUnit")
    org_unit = org_unit_find(ou_ident)
    if org_unit is None:
        raise ValidationFailed(f"Organisation unit not found: `{ou_ident}`", field="organisationUnit")
    period_code = _text(row.get("period"))
    if not period_code:
        raise ValidationFailed("period is required", field="period")
    aoc_ident = _text(row.get("attributeOptionCombo"))
    aoc = aoc_find(aoc_ident)
    if aoc_ident and aoc is None:
        raise ValidationFailed(
            f"Attribute option combo not found: `{aoc_ident}`", field="attributeOptionCombo"
        )
    org_code = _text(row.get("organisation"))
    organisation = Organisation.objects.filter(code=org_code).first() if org_code else None
    if org_code and organisation is None:
        raise ValidationFailed(f"unknown organisation '{org_code[:64]}'", field="organisation")
    try:
        return target_resolve(
            actor=actor,
            data_set=data_set,
            org_unit=org_unit,
            period_code=period_code,
            attribute_option_combo=aoc,
            organisation=organisation,
        )
    except AmahoroError as exc:
        # The payload's own names: a place is an organisationUnit there.
        if exc.field in (None, "orgUnit") and isinstance(exc, PermissionDenied | ValidationFailed):
            exc.field = "organisationUnit"
        raise


def registrations_import(*, actor: Actor, payload: Any, dry_run: bool = False) -> ImportSummary:
    """DHIS2's POST completeDataSetRegistrations: each row registered on its own; a refused row becomes a
    conflict naming its index and field. Raises ValidationFailed when the payload is not that shape."""
    policy.check_actor(actor)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("completeDataSetRegistrations"), list):
        raise ValidationFailed(
            'the body must be {"completeDataSetRegistrations": [...]}', field="completeDataSetRegistrations"
        )
    rows = payload["completeDataSetRegistrations"]
    summary = ImportSummary(dry_run=dry_run, total=len(rows))
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, Mapping):
                raise ValidationFailed("each registration must be an object", field=f"[{index}]")
            target = row_target(actor=actor, row=row)
            completed = _completed(row.get("completed"))
            date = parse_date(row.get("date"))
            if dry_run:
                found = _existing(target, lock=False)
                same = found is not None and found.completed == completed and date is None
                outcome = "imported" if found is None else "ignored" if same else "updated"
            else:
                with transaction.atomic():
                    _reg, outcome = registration_set(
                        actor=actor, target=target, completed=completed, date=date
                    )
        except AmahoroError as exc:
            summary.conflicts.append(
                ImportConflict(
                    object=_text(row.get(exc.field or "")) if isinstance(row, Mapping) else "",
                    value=exc.message,
                    error_code=exc.code if exc.code and exc.code.startswith("E") else None,
                    property=exc.field,
                    indexes=[index],
                )
            )
            summary.rejected_indexes.add(index)
            summary.ignored += 1
            continue
        if outcome == "imported":
            summary.imported += 1
        elif outcome == "updated":
            summary.updated += 1
        else:
            summary.ignored += 1
    return summary


def registrations_delete(*, actor: Actor, row: Mapping[str, Any]) -> int:
    """DHIS2's DELETE completeDataSetRegistrations?ds=&pe=&ou=[&attributeOptionCombo=]: the one registration named."""
    target = row_target(actor=actor, row=row)
    registration_delete(actor=actor, target=target)
    return 1


def complete_from_import(*, actor: Actor, payload: Mapping[str, Any], summary: ImportSummary) -> None:
    """dataValueSets' `completeDate` (with the set's dataSet, period and orgUnit): register the report as
    complete on that date, as DHIS2 does; a refusal becomes a note of the summary, not a failed import."""
    complete = _text(payload.get("completeDate"))
    if not complete:
        return
    row = {
        "dataSet": payload.get("dataSet"),
        "period": payload.get("period"),
        "organisationUnit": payload.get("orgUnit"),
        "attributeOptionCombo": payload.get("attributeOptionCombo"),
        "date": complete,
    }
    try:
        target = row_target(actor=actor, row=row)
        date = parse_date(complete, field="completeDate")
        if not summary.dry_run:
            with transaction.atomic():
                registration_set(actor=actor, target=target, completed=True, date=date)
    except AmahoroError as exc:
        summary.notes.append(f"completeDate not registered: {exc.message}")
        return
    summary.notes.append(f"registered as complete on {date.date().isoformat() if date else complete}")
