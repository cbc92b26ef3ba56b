"""Writes of the data app: data values (one, or many through the import engine), approvals, locks, min/max
bounds, data sets and validation rules. Every function takes `actor=` and records the change in the audit
log in the same transaction (one audit row per import, with counts; per-value history in DataValueAudit)."""

from __future__ import annotations

import contextlib
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.data.approval_notices import approval_approved_notify, approval_waiting_notify
from amahoro.data.importing import (
    IMPORT_STRATEGIES,
    ImportSummary,
    PayloadError,
    default_option_combo,
    ensure_periods,
    normalise_payload,
    organisation_of_aocs,
    run_import,
)
from amahoro.data.models import (
    ApprovalState,
    DataApproval,
    DataLock,
    DataSet,
    DataValue,
    Importance,
    MinMaxBound,
    MissingValueStrategy,
    Period,
    ValidationOperator,
    ValidationRule,
)
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.metadata import idschemes
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.metadata.services import (
    METADATA_CODE_RE,
    check_code,
    check_expression,
    check_name,
    data_element_option_combos,
)
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

__all__ = [
    "ImportSummary",
    "approval_accept",
    "approval_approve",
    "approval_submit",
    "approval_unaccept",
    "approval_unapprove",
    "data_lock_create",
    "data_lock_delete",
    "dataset_create",
    "dataset_reminders_set",
    "dataset_reporting_set",
    "dataset_update",
    "datavalue_delete",
    "datavalue_set",
    "datavalues_import",
    "minmax_generate",
    "minmax_set",
    "outliers_flag",
    "period_ensure",
    "validation_rule_create",
    "validation_rule_update",
]


def _user(actor: Actor) -> Any:
    """The user to record as author (None for the system)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def period_ensure(*, code: str) -> Period:
    """The Period row of a DHIS2 period code, created on first use; ValidationFailed for a bad code."""
    try:
        parsed = period_lib.parse_period(code)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from exc
    return Period.objects.get(pk=ensure_periods([parsed.code])[parsed.code])


# ---------------------------------------------------------------------------------------------------------
# Data values


def datavalues_import(
    *,
    actor: Actor,
    payload: Mapping[str, Any],
    id_scheme: str = "code",
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    category_option_combo_id_scheme: str | None = None,
    dry_run: bool = False,
    import_strategy: str = "CREATE_AND_UPDATE",
    atomic: bool = False,
    source: str = "dataValueSets",
) -> ImportSummary:
    """Import a DHIS2 dataValueSet (JSON shape; CSV is parsed into it first) and answer an ImportSummary.

    Each value is checked on its own: refused ones become conflicts naming the value and why, the others are
    saved (unless `dry_run`, or `atomic` and anything conflicted: then nothing is saved).
    """
    policy.check_actor(actor)
    schemes = {
        "idScheme": id_scheme,
        "dataElementIdScheme": data_element_id_scheme or id_scheme,
        "orgUnitIdScheme": org_unit_id_scheme or id_scheme,
        "categoryOptionComboIdScheme": category_option_combo_id_scheme or id_scheme,
    }
    for name, scheme in schemes.items():
        schemes[name] = idschemes.parse_scheme(scheme, param=name)
    if import_strategy not in IMPORT_STRATEGIES:
        raise ValidationFailed(
            f"importStrategy must be one of {', '.join(IMPORT_STRATEGIES)}, not '{import_strategy}'",
            field="importStrategy",
        )
    try:
        data_set, rows = normalise_payload(payload)
    except PayloadError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    with transaction.atomic():
        result = run_import(
            actor=actor,
            rows=rows,
            data_set=data_set,
            de_scheme=schemes["dataElementIdScheme"],
            ou_scheme=schemes["orgUnitIdScheme"],
            coc_scheme=schemes["categoryOptionComboIdScheme"],
            dry_run=dry_run,
            import_strategy=import_strategy,
            atomic=atomic,
        )
        summary = result.summary
        if payload.get("completeDate") and summary.status != "ERROR":
            from amahoro.data.registrations import complete_from_import

            complete_from_import(actor=actor, payload=payload, summary=summary)
        if result.written:
            counts = {
                "imported": summary.imported,
                "updated": summary.updated,
                "deleted": summary.deleted,
                "ignored": summary.ignored,
                "conflicts": len(summary.rejected_indexes),
            }
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="data.datavalue",
                object_repr=f"{source}: {len(rows)} values",
                changes=counts,
                message=f"{source} import ({import_strategy}): "
                + ", ".join(f"{k} {v}" for k, v in counts.items()),
            )
    return summary


_STATUS_OF = {"E7617": PermissionDenied, "E7616": PermissionDenied, "E7642": Conflict, "E7643": Conflict}


def datavalue_set(
    *,
    actor: Actor,
    data_element: DataElement,
    org_unit: OrgUnit,
    period: str | Period,
    value: Any,
    category_option_combo: CategoryOptionCombo | None = None,
    attribute_option_combo: CategoryOptionCombo | None = None,
    comment: str | None = None,
) -> DataValue | None:
    """Save one value (create or update, keeping history); an empty value with no comment deletes it (soft).

    Raises ValidationFailed (bad value, period or combo), PermissionDenied (outside the actor's org units or
    organisation) or Conflict (period locked or data approved), each with the message the import would give.
    Returns the value, or None when it was deleted.
    """
    policy.check_actor(actor)
    code = period.code if isinstance(period, Period) else period
    with contextlib.suppress(period_lib.InvalidPeriod):  # if invalid, the import below names the problem
        code = period_lib.parse_period(code).code
    row = {
        "dataElement": str(data_element.pk),
        "period": code,
        "orgUnit": str(org_unit.pk),
        "categoryOptionCombo": str(category_option_combo.pk) if category_option_combo else None,
        "attributeOptionCombo": str(attribute_option_combo.pk) if attribute_option_combo else None,
        "value": value,
        "comment": comment,
        "deleted": None,
    }
    existing_comment = None
    if comment is None:
        # Keep the stored comment when only the value changes.
        existing_comment = _stored_comment(row)
        row["comment"] = existing_comment or ""
    _, rows = normalise_payload({"dataValues": [row]})
    with transaction.atomic():
        result = run_import(
            actor=actor, rows=rows, de_scheme="id", ou_scheme="id", coc_scheme="id", atomic=True
        )
        summary = result.summary
        if summary.conflicts:
            conflict = summary.conflicts[0]
            error = _STATUS_OF.get(conflict.error_code or "", ValidationFailed)
            raise error(conflict.value, field=conflict.property, code=conflict.error_code)
        if not result.written:
            return _find_value(row)  # unchanged
        value_id = result.written[0][1]
        dv = DataValue.objects.select_related("org_unit").get(pk=value_id)
        action = (
            AuditAction.DELETE
            if dv.deleted
            else AuditAction.UPDATE
            if summary.updated
            else AuditAction.CREATE
        )
        audit_record(
            actor=actor,
            action=action,
            obj=dv,
            organisation_id=dv.organisation_id,
            org_unit_path=dv.org_unit.path,
            changes={"value": dv.value, "comment": dv.comment, "period": row["period"]},
        )
    return None if dv.deleted else dv


def _find_value(row: Mapping[str, Any]) -> DataValue | None:
    default = default_option_combo(create=False)
    coc = row["categoryOptionCombo"] or (default.pk if default else None)
    aoc = row["attributeOptionCombo"] or (default.pk if default else None)
    return DataValue.objects.filter(
        data_element_id=row["dataElement"],
        org_unit_id=row["orgUnit"],
        period__code=row["period"],
        category_option_combo_id=coc,
        attribute_option_combo_id=aoc,
        deleted=False,
    ).first()


def _stored_comment(row: Mapping[str, Any]) -> str | None:
    found = _find_value(row)
    return found.comment if found else None


def datavalue_delete(
    *,
    actor: Actor,
    data_element: DataElement,
    org_unit: OrgUnit,
    period: str | Period,
    category_option_combo: CategoryOptionCombo | None = None,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> None:
    """Soft-delete one value (its history stays)."""
    policy.check_actor(actor)
    datavalue_set(
        actor=actor,
        data_element=data_element,
        org_unit=org_unit,
        period=period,
        value="",
        comment="",
        category_option_combo=category_option_combo,
        attribute_option_combo=attribute_option_combo,
    )


# ---------------------------------------------------------------------------------------------------------
# Approval (bottom-up) and locks


def _approval_scope(
    org_unit: OrgUnit, attribute_option_combo: CategoryOptionCombo | None
) -> tuple[CategoryOptionCombo, int | None]:
    aoc = attribute_option_combo or default_option_combo()
    assert aoc is not None
    organisation_id = organisation_of_aocs({aoc.pk: aoc.option_key}).get(aoc.pk)
    return aoc, organisation_id


def _label(org_unit: OrgUnit, period: Period) -> str:
    return f"{org_unit.name} ({org_unit.code}), period {period.code}"


def _require_for_place(
    actor: Actor, perm: Perm, org_unit: OrgUnit, organisation_id: int | None, what: str
) -> None:
    """`perm` at the place, for the data's organisation when it has one; the refusal names the place."""
    policy.require(
        actor,
        perm,
        organisation=organisation_id,
        org_unit=org_unit.path,
        message=f"You may not {what} data for {org_unit.name} ({org_unit.code})",
    )


def _approval_of(org_unit: OrgUnit, period: Period, aoc: CategoryOptionCombo) -> DataApproval | None:
    return (
        DataApproval.objects.select_for_update()
        .filter(org_unit=org_unit, period=period, attribute_option_combo=aoc)
        .first()
    )


def _higher_approval(org_unit: OrgUnit, period: Period, aoc: CategoryOptionCombo) -> DataApproval | None:
    """An approval of an ancestor covering this period: it freezes everything below it."""
    return (
        DataApproval.objects.filter(
            org_unit__path__in=ancestor_paths(org_unit.path)[:-1],
            attribute_option_combo=aoc,
            period__start__lte=period.end,
            period__end__gte=period.start,
            state__in=[ApprovalState.APPROVED, ApprovalState.ACCEPTED],
        )
        .select_related("org_unit", "period")
        .first()
    )


def _record_approval(actor: Actor, approval: DataApproval, action: str, before: str | None) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=approval,
        organisation_id=approval.organisation_id,
        org_unit_path=approval.org_unit.path,
        changes={"state": [before, approval.state]},
        message=f"{action} {_label(approval.org_unit, approval.period)}",
    )


@transaction.atomic
def approval_submit(
    *,
    actor: Actor,
    org_unit: OrgUnit,
    period: Period,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> DataApproval:
    """The data entry level says its data is complete and ready for approval (still editable)."""
    policy.check_actor(actor)
    aoc, org_id = _approval_scope(org_unit, attribute_option_combo)
    _require_for_place(actor, Perm.DATA_ENTER, org_unit, org_id, "submit")
    approval = _approval_of(org_unit, period, aoc)
    if approval is not None and approval.state != ApprovalState.SUBMITTED:
        raise Conflict(f"Data is approved: {_label(org_unit, period)}")
    before = approval.state if approval else None
    if approval is None:
        approval = DataApproval(
            org_unit=org_unit,
            period=period,
            attribute_option_combo=aoc,
            organisation_id=org_id,
            level=org_unit.depth,
        )
    approval.state = ApprovalState.SUBMITTED
    approval.by = _user(actor)
    approval.save()
    _record_approval(actor, approval, "submitted", before)
    if before is None:  # a new submission (submitting again changes nothing and tells nobody again)
        # In this transaction: a rolled-back submission tells nobody; e-mails leave once it commits.
        approval_waiting_notify(actor=actor, approval=approval)
    return approval


@transaction.atomic
def approval_approve(
    *,
    actor: Actor,
    org_unit: OrgUnit,
    period: Period,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> DataApproval:
    """Approve the data of an org unit (and everything below it). Bottom-up: lower levels that submitted
    their data must be approved first. Approved data can no longer be edited."""
    policy.check_actor(actor)
    aoc, org_id = _approval_scope(org_unit, attribute_option_combo)
    _require_for_place(actor, Perm.DATA_APPROVE, org_unit, org_id, "approve")
    approval = _approval_of(org_unit, period, aoc)
    if approval is not None and approval.state in (ApprovalState.APPROVED, ApprovalState.ACCEPTED):
        raise Conflict(f"Data is already approved: {_label(org_unit, period)}")
    pending = (
        DataApproval.objects.filter(
            org_unit__path__startswith=org_unit.path,
            attribute_option_combo=aoc,
            period__start__gte=period.start,
            period__end__lte=period.end,
            state=ApprovalState.SUBMITTED,
        )
        .exclude(org_unit=org_unit)
        .select_related("org_unit", "period")
        .first()
    )
    if pending is not None:
        raise Conflict(
            f"Data of {_label(pending.org_unit, pending.period)} is submitted but not yet approved: approve it first"
        )
    before = approval.state if approval else None
    submitter = approval.by if approval is not None and before == ApprovalState.SUBMITTED else None
    if approval is None:
        approval = DataApproval(
            org_unit=org_unit,
            period=period,
            attribute_option_combo=aoc,
            organisation_id=org_id,
            level=org_unit.depth,
        )
    approval.state = ApprovalState.APPROVED
    approval.by = _user(actor)
    approval.save()
    _record_approval(actor, approval, "approved", before)
    if submitter is not None:
        approval_approved_notify(actor=actor, approval=approval, submitter=submitter)
    return approval


def _parent_or_refuse(org_unit: OrgUnit) -> OrgUnit:
    if org_unit.parent is None:
        raise Conflict(f"{org_unit.name} ({org_unit.code}) has no higher level to accept its data")
    return org_unit.parent


@transaction.atomic
def approval_accept(
    *,
    actor: Actor,
    org_unit: OrgUnit,
    period: Period,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> DataApproval:
    """The level above accepts approved data: the approving level can no longer unapprove it."""
    policy.check_actor(actor)
    aoc, org_id = _approval_scope(org_unit, attribute_option_combo)
    parent = _parent_or_refuse(org_unit)
    _require_for_place(actor, Perm.DATA_APPROVE, parent, org_id, "accept")
    approval = _approval_of(org_unit, period, aoc)
    if approval is None or approval.state != ApprovalState.APPROVED:
        raise Conflict(f"Data is not approved: {_label(org_unit, period)}")
    approval.state = ApprovalState.ACCEPTED
    approval.by = _user(actor)
    approval.save()
    _record_approval(actor, approval, "accepted", ApprovalState.APPROVED)
    return approval


@transaction.atomic
def approval_unaccept(
    *,
    actor: Actor,
    org_unit: OrgUnit,
    period: Period,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> DataApproval:
    policy.check_actor(actor)
    aoc, org_id = _approval_scope(org_unit, attribute_option_combo)
    parent = _parent_or_refuse(org_unit)
    _require_for_place(actor, Perm.DATA_APPROVE, parent, org_id, "unaccept")
    approval = _approval_of(org_unit, period, aoc)
    if approval is None or approval.state != ApprovalState.ACCEPTED:
        raise Conflict(f"Data is not accepted: {_label(org_unit, period)}")
    higher = _higher_approval(org_unit, period, aoc)
    if higher is not None:
        raise Conflict(f"Data is approved at a higher level: {_label(higher.org_unit, higher.period)}")
    approval.state = ApprovalState.APPROVED
    approval.by = _user(actor)
    approval.save()
    _record_approval(actor, approval, "unaccepted", ApprovalState.ACCEPTED)
    return approval


@transaction.atomic
def approval_unapprove(
    *,
    actor: Actor,
    org_unit: OrgUnit,
    period: Period,
    attribute_option_combo: CategoryOptionCombo | None = None,
) -> None:
    """Reopen approved data for editing. Needs data.approve; refused once accepted or approved above."""
    policy.check_actor(actor)
    aoc, org_id = _approval_scope(org_unit, attribute_option_combo)
    _require_for_place(actor, Perm.DATA_APPROVE, org_unit, org_id, "unapprove")
    approval = _approval_of(org_unit, period, aoc)
    if approval is None or approval.state not in (ApprovalState.APPROVED, ApprovalState.ACCEPTED):
        raise Conflict(f"Data is not approved: {_label(org_unit, period)}")
    if approval.state == ApprovalState.ACCEPTED:
        raise Conflict(
            f"Data is accepted by the level above: {_label(org_unit, period)}; it must be unaccepted first"
        )
    higher = _higher_approval(org_unit, period, aoc)
    if higher is not None:
        raise Conflict(f"Data is approved at a higher level: {_label(higher.org_unit, higher.period)}")
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=approval,
        organisation_id=approval.organisation_id,
        org_unit_path=org_unit.path,
        changes={"state": [approval.state, None]},
        message=f"unapproved {_label(org_unit, period)}",
    )
    approval.delete()


def _may_lock(actor: Actor, organisation_id: int | None, org_unit: OrgUnit | None) -> bool:
    """data.approve over the place; no place = every root of the hierarchy."""
    paths = (
        [org_unit.path]
        if org_unit
        else list(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    )
    return bool(paths) and all(
        policy.can_in(actor, Perm.DATA_APPROVE, organisation=organisation_id, org_unit=path) for path in paths
    )


@transaction.atomic
def data_lock_create(
    *,
    actor: Actor,
    period: Period,
    org_unit: OrgUnit | None = None,
    organisation: Organisation | None = None,
    reason: str = "",
) -> DataLock:
    """Close data entry for a period (in a subtree; for one organisation's data). Needs data.approve there."""
    policy.check_actor(actor)
    if not _may_lock(actor, organisation.pk if organisation else None, org_unit):
        where = f"{org_unit.name} ({org_unit.code})" if org_unit else "the whole hierarchy"
        raise PermissionDenied(f"You may not lock data for {where}")
    lock = DataLock.objects.create(
        period=period, org_unit=org_unit, organisation=organisation, reason=reason, by=_user(actor)
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=lock,
        organisation_id=organisation.pk if organisation else None,
        org_unit_path=org_unit.path if org_unit else "",
        changes={"period": period.code, "reason": reason},
    )
    return lock


@transaction.atomic
def data_lock_delete(*, actor: Actor, lock: DataLock) -> None:
    policy.check_actor(actor)
    org_unit = lock.org_unit
    if not _may_lock(actor, lock.organisation_id, org_unit):
        raise PermissionDenied("You may not unlock this period")
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=lock,
        organisation_id=lock.organisation_id,
        org_unit_path=org_unit.path if org_unit else "",
        changes={"period": lock.period.code},
    )
    lock.delete()


# ---------------------------------------------------------------------------------------------------------
# Min/max bounds and outliers


@transaction.atomic
def minmax_set(
    *,
    actor: Actor,
    data_element: DataElement,
    org_unit: OrgUnit,
    min_value: float,
    max_value: float,
    category_option_combo: CategoryOptionCombo | None = None,
) -> MinMaxBound:
    """Store the expected range of a data element's values at an org unit (all combos when none given)."""
    policy.check_actor(actor)
    if min_value > max_value:
        raise ValidationFailed("min must not be greater than max", field="min_value")
    policy.require(
        actor,
        Perm.DATA_APPROVE,
        org_unit=org_unit.path,
        message=f"You may not set bounds for {org_unit.name} ({org_unit.code})",
    )
    cocs = (
        [category_option_combo]
        if category_option_combo
        else list(CategoryOptionCombo.objects.filter(combo_id=data_element.category_combo_id))
    )
    bound = None
    for coc in cocs:
        bound, _ = MinMaxBound.objects.update_or_create(
            data_element=data_element,
            org_unit=org_unit,
            category_option_combo=coc,
            defaults={"min_value": min_value, "max_value": max_value, "generated": False},
        )
    if bound is None:
        raise ValidationFailed(f"data element {data_element.code} has no category option combos")
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=bound,
        org_unit_path=org_unit.path,
        changes={"data_element": data_element.code, "min": min_value, "max": max_value},
    )
    return bound


def _history(
    *, data_element_ids: Iterable[int], org_unit: OrgUnit, extra: Q | None = None
) -> dict[tuple[int, int, int], list[tuple[int, float]]]:
    """{(de, org unit, coc): [(value id, number)]} of live numeric values in the subtree."""
    qs = DataValue.objects.filter(
        data_element_id__in=list(data_element_ids),
        org_unit__path__startswith=org_unit.path,
        deleted=False,
        numeric_value__isnull=False,
    )
    if extra is not None:
        qs = qs.filter(extra)
    out: dict[tuple[int, int, int], list[tuple[int, float]]] = defaultdict(list)
    for pk, de_id, ou_id, coc_id, number in qs.values_list(
        "pk", "data_element_id", "org_unit_id", "category_option_combo_id", "numeric_value"
    ).iterator(chunk_size=5000):
        if number is not None:
            out[(de_id, ou_id, coc_id)].append((pk, number))
    return out


def _mean_sd_bounds(numbers: list[float], sd_factor: float) -> tuple[float, float] | None:
    if len(numbers) < 3:
        return None  # too little history to say what is unusual
    mean = statistics.fmean(numbers)
    sd = statistics.pstdev(numbers)
    return mean - sd_factor * sd, mean + sd_factor * sd


@transaction.atomic
def minmax_generate(
    *, actor: Actor, data_element_ids: Iterable[int], org_unit: OrgUnit, sd_factor: float = 3.0
) -> int:
    """Compute and store bounds (mean ± sd_factor standard deviations of history) per data element, org
    unit and combo in the subtree, replacing earlier generated ones (hand-set bounds are kept). Returns the
    number of bounds stored."""
    policy.check_actor(actor)
    policy.require(
        actor,
        Perm.DATA_APPROVE,
        org_unit=org_unit.path,
        message=f"You may not set bounds for {org_unit.name} ({org_unit.code})",
    )
    de_ids = list(data_element_ids)
    manual = set(
        MinMaxBound.objects.filter(
            data_element_id__in=de_ids, org_unit__path__startswith=org_unit.path, generated=False
        ).values_list("data_element_id", "org_unit_id", "category_option_combo_id")
    )
    stored = 0
    for key, pairs in _history(data_element_ids=de_ids, org_unit=org_unit).items():
        if key in manual:
            continue
        bounds = _mean_sd_bounds([n for _, n in pairs], sd_factor)
        if bounds is None:
            continue
        de_id, ou_id, coc_id = key
        MinMaxBound.objects.update_or_create(
            data_element_id=de_id,
            org_unit_id=ou_id,
            category_option_combo_id=coc_id,
            defaults={"min_value": bounds[0], "max_value": bounds[1], "generated": True},
        )
        stored += 1
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="data.minmaxbound",
        object_repr=f"generated bounds under {org_unit.code}",
        org_unit_path=org_unit.path,
        changes={"bounds": stored, "sd_factor": sd_factor},
    )
    return stored


@transaction.atomic
def outliers_flag(
    *,
    actor: Actor,
    data_element_ids: Iterable[int],
    org_unit: OrgUnit,
    start: Any = None,
    end: Any = None,
    sd_factor: float = 3.0,
) -> list[int]:
    """Mark for follow-up the values (in the subtree, periods within start..end) outside their bounds: the
    stored min/max where there is one, else mean ± sd_factor SD of their history. Returns the ids marked."""
    policy.check_actor(actor)
    policy.require(
        actor,
        Perm.DATA_APPROVE,
        org_unit=org_unit.path,
        message=f"You may not review data for {org_unit.name} ({org_unit.code})",
    )
    de_ids = list(data_element_ids)
    stored = {
        (de, ou, coc): (lo, hi)
        for de, ou, coc, lo, hi in MinMaxBound.objects.filter(
            data_element_id__in=de_ids, org_unit__path__startswith=org_unit.path
        ).values_list("data_element_id", "org_unit_id", "category_option_combo_id", "min_value", "max_value")
    }
    window = Q()
    if start is not None:
        window &= Q(period__start__gte=start)
    if end is not None:
        window &= Q(period__end__lte=end)
    in_window = set(
        DataValue.objects.filter(
            window,
            data_element_id__in=de_ids,
            org_unit__path__startswith=org_unit.path,
            deleted=False,
            numeric_value__isnull=False,
        ).values_list("pk", flat=True)
    )
    flagged: list[int] = []
    for key, pairs in _history(data_element_ids=de_ids, org_unit=org_unit).items():
        bounds = stored.get(key) or _mean_sd_bounds([n for _, n in pairs], sd_factor)
        if bounds is None:
            continue
        flagged.extend(pk for pk, n in pairs if pk in in_window and not bounds[0] <= n <= bounds[1])
    if flagged:
        DataValue.objects.filter(pk__in=flagged).update(follow_up=True)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="data.datavalue",
            object_repr=f"outliers under {org_unit.code}",
            org_unit_path=org_unit.path,
            changes={"follow_up": len(flagged)},
            message=f"{len(flagged)} values marked for follow-up",
        )
    return sorted(flagged)


# ---------------------------------------------------------------------------------------------------------
# Data sets and validation rules (metadata owned by the data app)


def _require_metadata_manager(actor: Actor, organisation: Organisation | None, what: str) -> None:
    """Shared metadata is managed by system administrators; an organisation's own by its managers."""
    allowed = policy.organisations_with(actor, Perm.FRAMEWORK_MANAGE)
    if allowed is None or (organisation is not None and organisation.pk in allowed):
        return
    owner = organisation.name if organisation else "everyone (shared)"
    raise PermissionDenied(f"You may not create {what} for {owner}")


@transaction.atomic
def dataset_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    data_elements: Iterable[DataElement],
    period_type: str = "",
    organisation: Organisation | None = None,
    uid: str | None = None,
) -> DataSet:
    policy.check_actor(actor)
    _require_metadata_manager(actor, organisation, "data sets")
    code = check_code(code, pattern=METADATA_CODE_RE)
    name = check_name(name)
    period_type = _period_type(period_type)
    data_elements = list(data_elements)
    _check_elements(organisation, data_elements)
    if DataSet.objects.filter(code=code).exists():
        raise ValidationFailed(f"a data set with code '{code}' exists", field="code")
    ds = DataSet.objects.create(
        code=code,
        name=name,
        period_type=period_type,
        organisation=organisation,
        uid=uid,
        created_by=_user(actor),
    )
    ds.data_elements.set(list(data_elements))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=ds,
        organisation_id=organisation.pk if organisation else None,
        changes={"code": code, "data_elements": [de.code for de in ds.data_elements.all()]},
    )
    return ds


@transaction.atomic
def dataset_update(
    *,
    actor: Actor,
    data_set: DataSet,
    name: str,
    period_type: str,
    data_elements: Iterable[DataElement],
) -> DataSet:
    """Rename a data set, change its period type or its data elements (its code and owner stay); only its
    managers. Who reports it and when: dataset_reporting_set. Nothing changed: no audit row."""
    policy.check_actor(actor)
    _require_metadata_manager(actor, data_set.organisation, "data sets")
    name = check_name(name)
    period_type = _period_type(period_type)
    elements = list(data_elements)
    _check_elements(data_set.organisation, elements)
    changes: dict[str, Any] = {}
    for field_name, value in (("name", name), ("period_type", period_type)):
        if getattr(data_set, field_name) != value:
            changes[field_name] = [getattr(data_set, field_name), value]
            setattr(data_set, field_name, value)
    if changes:
        data_set.save()
    before = sorted(data_set.data_elements.values_list("code", flat=True))
    after = sorted(de.code for de in elements)
    if before != after:
        data_set.data_elements.set(elements)
        changes["data_elements"] = [before, after]
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=data_set,
            organisation_id=data_set.organisation_id,
            changes=changes,
        )
    return data_set


def _period_type(period_type: str) -> str:
    if not period_type:
        return ""
    try:
        return period_lib.normalize_period_type(period_type)
    except (KeyError, ValueError, period_lib.InvalidPeriod) as exc:
        raise ValidationFailed(f"unknown period type '{period_type}'", field="period_type") from exc


def _check_elements(organisation: Organisation | None, elements: list[DataElement]) -> None:
    """An organisation's data set holds shared data elements and that organisation's own."""
    if organisation is None:
        return
    for de in elements:
        if de.organisation_id is not None and de.organisation_id != organisation.pk:
            raise ValidationFailed(
                f"data element '{de.code}' belongs to another organisation than the data set",
                field="data_elements",
            )


@transaction.atomic
def dataset_reminders_set(
    *, actor: Actor, data_set: DataSet, remind_days_before: int | None, remind_days_after: int | None
) -> DataSet:
    """Set both reminder days of a data set as given; None puts the default back (docs/completeness.md)."""
    policy.check_actor(actor)
    _require_metadata_manager(actor, data_set.organisation, "data sets")
    changes: dict[str, Any] = {}
    for name, value in (("remind_days_before", remind_days_before), ("remind_days_after", remind_days_after)):
        if value is not None and (value < 0 or value > 3660):
            raise ValidationFailed(f"{name} must be between 0 and 3660", field=name)
        if getattr(data_set, name) != value:
            changes[name] = [getattr(data_set, name), value]
            setattr(data_set, name, value)
    if changes:
        data_set.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=data_set,
            organisation_id=data_set.organisation_id,
            changes=changes,
            message=f"reminders of data set {data_set.code}",
        )
    return data_set


@transaction.atomic
def dataset_reporting_set(
    *,
    actor: Actor,
    data_set: DataSet,
    org_units: Iterable[OrgUnit] | None = None,
    organisations: Iterable[Organisation] | None = None,
    timely_days: int | None = None,
    expiry_days: int | None = None,
    remind_days_before: int | None = None,
    remind_days_after: int | None = None,
) -> DataSet:
    """Who reports a data set and when (docs/completeness.md): the places it is assigned to, the reporting
    organisations, the days after the period's end a report is on time, and the reminder days (None: left
    as they are; nothing changed: no audit row). Only the data set's managers (its owner's, or system
    administrators for shared ones)."""
    policy.check_actor(actor)
    _require_metadata_manager(actor, data_set.organisation, "data sets")
    changes: dict[str, Any] = {}
    numbers = {
        "timely_days": timely_days,
        "expiry_days": expiry_days,
        "remind_days_before": remind_days_before,
        "remind_days_after": remind_days_after,
    }
    for name, value in numbers.items():
        if value is None:
            continue
        if value < 0 or value > 3660:
            raise ValidationFailed(f"{name} must be between 0 and 3660", field=name)
        if getattr(data_set, name) != value:
            changes[name] = [getattr(data_set, name), value]
            setattr(data_set, name, value)
    if changes:
        data_set.save()
    if org_units is not None:
        units = list(org_units)
        before = sorted(data_set.org_units.values_list("code", flat=True))
        if before != sorted(u.code for u in units):
            data_set.org_units.set(units)
            changes["org_units"] = [before, sorted(u.code for u in units)]
    if organisations is not None:
        orgs = list(organisations)
        before = sorted(data_set.organisations.values_list("code", flat=True))
        if before != sorted(o.code for o in orgs):
            data_set.organisations.set(orgs)
            changes["organisations"] = [before, sorted(o.code for o in orgs)]
    if not changes:
        return data_set
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=data_set,
        organisation_id=data_set.organisation_id,
        changes=changes,
        message=f"reporting of data set {data_set.code}",
    )
    return data_set


def _check_rule(
    *, actor: Actor, operator: str, left: str, right: str, missing_value_strategy: str, importance: str
) -> tuple[str, str]:
    """The two sides of a rule, checked: their syntax, and that every data element (and option combo) they
    name exists and is one the actor may see. Errors name the side and the unknown item."""
    from amahoro.data.validation import ExpressionError, parse_expression

    if operator not in ValidationOperator.values:
        raise ValidationFailed(
            f"operator must be one of {', '.join(ValidationOperator.values)}", field="operator"
        )
    if missing_value_strategy not in MissingValueStrategy.values:
        raise ValidationFailed("unknown missing value strategy", field="missing_value_strategy")
    if importance not in Importance.values:
        raise ValidationFailed(
            f"importance must be one of {', '.join(Importance.values)}", field="importance"
        )
    out = []
    for side, text in (("left", left), ("right", right)):
        text = str(text or "").strip()
        if not text:
            raise ValidationFailed(f"{side}: the expression is empty", field=side)
        try:
            parsed = parse_expression(text)
        except ExpressionError as exc:
            raise ValidationFailed(f"{side}: {exc}", field=side) from exc
        known = data_element_option_combos(parsed.data_element_codes)
        if not policy.is_system(actor):
            visible = set(
                policy.visible(
                    actor, Perm.FRAMEWORK_VIEW, DataElement.objects.filter(code__in=list(known))
                ).values_list("code", flat=True)
            )
            known = {k: v for k, v in known.items() if k in visible}
        out.append(check_expression(text, field=side, known_elements=known))
    return out[0], out[1]


@transaction.atomic
def validation_rule_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    left: str,
    operator: str,
    right: str,
    missing_value_strategy: str = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING,
    organisation: Organisation | None = None,
    description: str = "",
    importance: str = Importance.MEDIUM,
) -> ValidationRule:
    policy.check_actor(actor)
    _require_metadata_manager(actor, organisation, "validation rules")
    code = check_code(code, pattern=METADATA_CODE_RE)
    name = check_name(name)
    left, right = _check_rule(
        actor=actor,
        operator=operator,
        left=left,
        right=right,
        missing_value_strategy=missing_value_strategy,
        importance=importance,
    )
    if ValidationRule.objects.filter(code=code).exists():
        raise ValidationFailed(f"a validation rule with code '{code}' exists", field="code")
    rule = ValidationRule.objects.create(
        code=code,
        name=name,
        left=left,
        operator=operator,
        right=right,
        missing_value_strategy=missing_value_strategy,
        importance=importance,
        organisation=organisation,
        description=description,
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=rule,
        organisation_id=organisation.pk if organisation else None,
        changes={"rule": f"{left} {operator} {right}", "importance": importance},
    )
    return rule


@transaction.atomic
def validation_rule_update(
    *,
    actor: Actor,
    rule: ValidationRule,
    name: str,
    left: str,
    operator: str,
    right: str,
    missing_value_strategy: str,
    importance: str,
    description: str = "",
    is_active: bool = True,
) -> ValidationRule:
    """Change a rule (its code and owner stay); only its managers (the owner's, or system administrators for
    shared rules). Nothing changed: no audit row."""
    policy.check_actor(actor)
    _require_metadata_manager(actor, rule.organisation, "validation rules")
    left, right = _check_rule(
        actor=actor,
        operator=operator,
        left=left,
        right=right,
        missing_value_strategy=missing_value_strategy,
        importance=importance,
    )
    wanted = {
        "name": check_name(name),
        "description": str(description or ""),
        "left": left,
        "operator": operator,
        "right": right,
        "missing_value_strategy": missing_value_strategy,
        "importance": importance,
        "is_active": bool(is_active),
    }
    changes = {k: [getattr(rule, k), v] for k, v in wanted.items() if getattr(rule, k) != v}
    if not changes:
        return rule
    for k, v in wanted.items():
        setattr(rule, k, v)
    rule.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=rule,
        organisation_id=rule.organisation_id,
        changes=changes,
    )
    return rule


# ---------------------------------------------------------------------------------------------------------
# CSV/XLSX template import


def datavalues_file_import(
    *, actor: Actor, content: bytes, filename: str, import_valid_rows: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """Import a filled-in template (CSV or XLSX). Every problem is reported as {row, column, message};
    nothing is saved when any row has a problem, unless `import_valid_rows`.

    Returns {"status", "rows", "imported", "updated", "ignored", "deleted", "errors", "errorCount",
    "moreErrors", "dryRun", "saved"}; "errors" holds the first AMAHORO_TABLE_MAX_ERRORS, "errorCount" all of
    them and "moreErrors" how many were left out (the reply says "and K more").
    """
    policy.check_actor(actor)
    from amahoro.core.tabular import RowError, cap_errors
    from amahoro.data.sheets import COLUMN_OF_FIELD, parse_template, read_table

    table = read_table(content, filename)
    parsed = parse_template(table)
    errors: list[RowError] = list(parsed.errors)
    # With problems already found and no partial import allowed, still check the rest (dry run) so the
    # user gets every error at once.
    if not errors and not parsed.rows:
        errors.append(RowError(2, "", "the file has no data rows"))
    header_broken = any(e.row == 1 for e in errors) or not parsed.rows
    blocked = header_broken or (bool(errors) and not import_valid_rows)
    summary = datavalues_import(
        actor=actor,
        payload={"dataValues": parsed.rows},
        dry_run=dry_run or blocked,
        atomic=not import_valid_rows,
        source=f"file {filename or 'upload'}",
    )
    for conflict in summary.conflicts:
        column = COLUMN_OF_FIELD.get(conflict.property or "", conflict.property or "")
        if column == "category_option_combo" and parsed.category_columns:
            column = parsed.category_columns[0]
        for i in conflict.indexes:
            errors.append(RowError(parsed.row_numbers[i], column, conflict.value))
    errors.sort(key=lambda e: (e.row, e.column))
    refused = blocked or summary.atomic_rejected
    saved = not (dry_run or refused)
    if refused:
        counts = {"imported": 0, "updated": 0, "ignored": parsed.total_rows, "deleted": 0}
    else:
        counts = dict(summary.as_dict()["importCount"])
        counts["ignored"] += len({e.row for e in parsed.errors if e.row > 1})
    status = "ERROR" if refused else "WARNING" if errors else "SUCCESS"
    capped = cap_errors(errors)  # a reply stays small however many rows are wrong
    return {
        "status": status,
        "rows": parsed.total_rows,
        **counts,
        "errors": [e.as_dict() for e in capped.shown],
        "errorCount": capped.total,
        "moreErrors": capped.more,
        "dryRun": dry_run,
        "saved": saved and bool(counts["imported"] + counts["updated"] + counts["deleted"]),
    }
