"""The data value import engine behind dataValueSets, CSV/XLSX templates and single-value entry.

It checks every value the way DHIS2 does (known data element, period, org unit, category and attribute
option combos; value type; data set membership; policy; locks and approvals), turns each refusal into a
conflict naming the value and the reason, and writes the accepted values in bulk: metadata and existing
values are read once up front, writes are batched upserts, history rows are bulk-inserted.

Use it through `amahoro.data.services` (`datavalues_import`, `datavalue_set`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from amahoro import policy
from amahoro.data.models import (
    ApprovalState,
    DataApproval,
    DataLock,
    DataSet,
    DataValue,
    DataValueAudit,
    MinMaxBound,
    Period,
)
from amahoro.data.values import MAX_COMMENT_LENGTH, InvalidValue, as_text, check_value
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.metadata import idschemes
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import DEFAULT_COMBO_CODE, CategoryCombo, CategoryOptionCombo, DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

# Identifiers that name the default category option combo whatever the scheme: DHIS2's own uid for it.
DEFAULT_IDENTS = frozenset({idschemes.DEFAULT_COC_UID})
IMPORT_STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")
BATCH_SIZE = 2000
# Above this many unique org units, existing values are read in chunks (SQLite's parameter limit).
_IN_CHUNK = 500

Key = tuple[int, str, int, int, int]  # data element, period code, org unit, coc, aoc


@dataclass
class ImportConflict:
    object: str
    value: str
    error_code: str | None = None
    property: str | None = None
    indexes: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"object": self.object, "value": self.value}
        if self.error_code:
            out["errorCode"] = self.error_code
        if self.property:
            out["property"] = self.property
        out["indexes"] = self.indexes
        return out


@dataclass
class ImportSummary:
    """DHIS2's ImportSummary: counts, conflicts naming the offending values, and an overall status."""

    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[ImportConflict] = field(default_factory=list)
    dry_run: bool = False
    atomic_rejected: bool = False
    total: int = 0
    rejected_indexes: set[int] = field(default_factory=set)
    # DHIS2 import parameters accepted but not acted on, and why (e.g. skipAudit: the audit trail stays).
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.conflicts:
            return "SUCCESS"
        if self.atomic_rejected or (
            self.imported + self.updated + self.deleted == 0 and self._all_rejected()
        ):
            return "ERROR"
        return "WARNING"

    def _all_rejected(self) -> bool:
        return len(self.rejected_indexes) >= self.total

    @property
    def description(self) -> str:
        if self.atomic_rejected:
            text = f"Import not applied: {len(self.rejected_indexes)} of {self.total} values have conflicts"
        elif self.conflicts:
            text = "Import process completed with conflicts"
        else:
            text = "Import process completed successfully"
        return text + (" (dry run: nothing was saved)" if self.dry_run else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": self.description,
            "importCount": {
                "imported": self.imported,
                "updated": self.updated,
                "ignored": self.ignored,
                "deleted": self.deleted,
            },
            "conflicts": [c.as_dict() for c in self.conflicts],
            "rejectedIndexes": sorted(self.rejected_indexes),
            "dryRun": self.dry_run,
        } | ({"notes": list(self.notes)} if self.notes else {})


class PayloadError(ValueError):
    """The payload as a whole is malformed (not one value): answered with 400."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------------------------------------------------
# Reading the payload


def _text(value: Any) -> str:
    return value.strip() if value.__class__ is str else as_text(value)


def normalise_payload(payload: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """(dataSet, value rows) with the set's top-level period/orgUnit/attributeOptionCombo applied. Every
    field of a row becomes text ("" when absent), except `deleted`."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the body must be a JSON object with a 'dataValues' list")
    values = payload.get("dataValues")
    if values is None:
        raise PayloadError("'dataValues' is required", field="dataValues")
    if not isinstance(values, list):
        raise PayloadError("'dataValues' must be a list", field="dataValues")
    defaults = {k: _text(payload.get(k)) for k in ("period", "orgUnit", "attributeOptionCombo")}
    defaults = {k: v for k, v in defaults.items() if v}
    rows: list[dict[str, Any]] = []
    append = rows.append
    for i, item in enumerate(values):
        if not isinstance(item, Mapping):
            raise PayloadError(f"dataValues[{i}] must be an object", field=f"dataValues[{i}]")
        get = item.get
        row = {
            "dataElement": _text(get("dataElement")),
            "period": _text(get("period")),
            "orgUnit": _text(get("orgUnit")),
            "categoryOptionCombo": _text(get("categoryOptionCombo")),
            "attributeOptionCombo": _text(get("attributeOptionCombo")),
            "value": _text(get("value")),
            "comment": _text(get("comment")),
            "deleted": get("deleted"),
        }
        for k, v in defaults.items():
            if not row[k]:
                row[k] = v
        append(row)
    data_set = _text(payload.get("dataSet"))
    return data_set or None, rows


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


# ---------------------------------------------------------------------------------------------------------
# Metadata prefetch


@dataclass
class _DE:
    id: int
    code: str
    value_type: str
    combo_id: int
    organisation_id: int | None


@dataclass
class OrgUnitRef:
    id: int
    code: str
    path: str
    opened_on: date | None
    closed_on: date | None


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_option_combo(*, create: bool = True) -> CategoryOptionCombo | None:
    """The default category option combo (code `default`), also the default attribute option combo."""
    coc = CategoryOptionCombo.objects.filter(combo__code=DEFAULT_COMBO_CODE, code=DEFAULT_COMBO_CODE).first()
    if coc is None and create:
        combo, _ = CategoryCombo.objects.get_or_create(code=DEFAULT_COMBO_CODE, defaults={"name": "default"})
        coc, _ = CategoryOptionCombo.objects.get_or_create(
            combo=combo,
            code=DEFAULT_COMBO_CODE,
            defaults={"name": "default", "option_key": DEFAULT_COMBO_CODE},
        )
    return coc


def organisation_of_aocs(aoc_keys: dict[int, str]) -> dict[int, int]:
    """{aoc id: organisation id} for attribute option combos one of whose options has an organisation's code."""
    codes = {code for key in aoc_keys.values() for code in key.split("|") if code}
    orgs = dict(Organisation.objects.filter(code__in=codes).values_list("code", "pk"))
    out: dict[int, int] = {}
    for aoc_id, key in aoc_keys.items():
        for code in key.split("|"):
            if code in orgs:
                out[aoc_id] = orgs[code]
                break
    return out


class _Metadata:
    """Everything the rows refer to, read in a handful of queries."""

    def __init__(
        self,
        rows: list[dict[str, Any]],
        *,
        actor: Actor,
        de_scheme: str,
        ou_scheme: str,
        coc_scheme: str,
        data_set: str | None,
        dry_run: bool,
    ) -> None:
        self.coc_scheme = coc_scheme
        self.default_coc = default_option_combo(create=not dry_run)
        de_idents = {r["dataElement"] for r in rows} - {""}
        ou_idents = {r["orgUnit"] for r in rows} - {""}
        coc_idents = {r["categoryOptionCombo"] for r in rows} - {""}
        aoc_idents = {r["attributeOptionCombo"] for r in rows} - {""}

        # An organisation's own data elements are "not found" for others, as DHIS2 says.
        visible = policy.visible(actor, Perm.DATA_VIEW, DataElement.objects.all())
        self.data_elements: dict[str, _DE | None] = {}
        for ident, de_row in idschemes.match(
            visible,
            de_scheme,
            de_idents,
            ("pk", "code", "value_type", "category_combo_id", "organisation_id"),
        ).items():
            self.data_elements[ident] = (
                None
                if de_row is None
                else _DE(
                    de_row["pk"],
                    de_row["code"],
                    de_row["value_type"],
                    de_row["category_combo_id"],
                    de_row["organisation_id"],
                )
            )

        self.org_units: dict[str, OrgUnitRef | None] = {}
        for ident, ou_row in idschemes.match(
            OrgUnit.objects.all(), ou_scheme, ou_idents, ("pk", "code", "path", "opened_on", "closed_on")
        ).items():
            self.org_units[ident] = (
                None
                if ou_row is None
                else OrgUnitRef(
                    ou_row["pk"], ou_row["code"], ou_row["path"], ou_row["opened_on"], ou_row["closed_on"]
                )
            )

        # Category option combos: those of the data elements' combos, by combo. DHIS2's default option
        # combo uid (HllvX50cXC0) is our `default` under any scheme.
        combo_ids = {de.combo_id for de in self.data_elements.values() if de is not None}
        self.cocs_by_combo: dict[int, dict[str, int | None]] = {cid: {} for cid in combo_ids}
        self.coc_codes: dict[int, str] = {}
        combo_cocs = CategoryOptionCombo.objects.filter(combo_id__in=combo_ids)
        for ident, coc_row in idschemes.match(combo_cocs, coc_scheme, coc_idents, ("combo_id",)).items():
            if coc_row is not None:
                by_combo = self.cocs_by_combo[coc_row["combo_id"]]
                by_combo[ident] = None if ident in by_combo else coc_row["pk"]  # ambiguous in one combo
        self.combo_members: dict[int, set[int]] = {cid: set() for cid in combo_ids}
        for coc_id, code, coc_combo_id in combo_cocs.values_list("pk", "code", "combo_id"):
            self.coc_codes[coc_id] = code
            self.combo_members[coc_combo_id].add(coc_id)
        self.known_coc_idents: set[str] = set(
            idschemes.match(CategoryOptionCombo.objects.all(), coc_scheme, coc_idents, ("pk",))
        )

        # Attribute option combos: looked up across all combos; an identifier must name exactly one.
        self.aocs: dict[str, list[int]] = {}
        aoc_keys: dict[int, str] = {}
        for ident, aoc_row in idschemes.match(
            CategoryOptionCombo.objects.all(), coc_scheme, aoc_idents - DEFAULT_IDENTS, ("code", "option_key")
        ).items():
            if aoc_row is None:
                self.aocs[ident] = [0, 0]  # ambiguous
                continue
            self.aocs[ident] = [aoc_row["pk"]]
            aoc_keys[aoc_row["pk"]] = aoc_row["option_key"]
            self.coc_codes[aoc_row["pk"]] = aoc_row["code"]
        self.aoc_organisation = organisation_of_aocs(aoc_keys)
        if self.default_coc is not None:
            self.coc_codes[self.default_coc.pk] = self.default_coc.code

        self.data_set: DataSet | None = None
        self.data_set_elements: set[int] = set()
        self.data_set_org_units: set[int] = set()
        if data_set:
            # DHIS2 names the data set by uid whatever the other schemes say; a code works as well.
            sets = policy.visible(actor, Perm.DATA_VIEW, DataSet.objects.all())
            self.data_set = sets.filter(uid=data_set).first() or sets.filter(code=data_set).first()
            if self.data_set is not None:
                self.data_set_elements = set(self.data_set.data_elements.values_list("pk", flat=True))
                self.data_set_org_units = set(self.data_set.org_units.values_list("pk", flat=True))

        self._period_cache: dict[str, period_lib.Period | period_lib.InvalidPeriod] = {}

    def period(self, code: str) -> period_lib.Period:
        cached = self._period_cache.get(code)
        if cached is None:
            try:
                cached = period_lib.parse_period(code)
            except period_lib.InvalidPeriod as exc:
                cached = exc
            self._period_cache[code] = cached
        if isinstance(cached, period_lib.InvalidPeriod):
            raise cached
        return cached


# ---------------------------------------------------------------------------------------------------------
# Locks and approvals


class Gatekeeper:
    """Answers "may this actor write here, and is it open?" with per-place caches."""

    def __init__(self, actor: Actor, period_bounds: tuple[date, date] | None) -> None:
        self.actor = actor
        self._can: dict[tuple[str, int | None], str | None] = {}
        self._locks: list[tuple[date, date, str | None, int | None, str, str]] = []
        self._approvals: dict[tuple[str, int], list[tuple[date, date, str, str]]] = {}
        if period_bounds is None:
            return
        lo, hi = period_bounds
        for lock in DataLock.objects.filter(period__start__lte=hi, period__end__gte=lo).select_related(
            "period", "org_unit"
        ):
            self._locks.append(
                (
                    lock.period.start,
                    lock.period.end,
                    lock.org_unit.path if lock.org_unit else None,
                    lock.organisation_id,
                    lock.period.code,
                    lock.org_unit.code if lock.org_unit else "all org units",
                )
            )
        approved = DataApproval.objects.filter(
            period__start__lte=hi,
            period__end__gte=lo,
            state__in=[ApprovalState.APPROVED, ApprovalState.ACCEPTED],
        ).values_list(
            "org_unit__path",
            "attribute_option_combo_id",
            "period__start",
            "period__end",
            "period__code",
            "org_unit__code",
        )
        for path, aoc_id, start, end, pcode, ocode in approved:
            self._approvals.setdefault((path, aoc_id), []).append((start, end, pcode, ocode))

    def refusal(self, ou: OrgUnitRef, organisation_id: int | None) -> tuple[str, str] | None:
        """(error code, message) when the actor may not enter data here, else None."""
        key = (ou.path, organisation_id)
        if key not in self._can:
            reason: str | None = None
            if not policy.can_in(self.actor, Perm.DATA_ENTER, org_unit=ou.path):
                reason = "E7617"
            elif organisation_id is not None and not policy.can_in(
                self.actor, Perm.DATA_ENTER, organisation=organisation_id, org_unit=ou.path
            ):
                reason = "E7616"
            self._can[key] = reason
        code = self._can[key]
        if code is None:
            return None
        username = getattr(self.actor, "username", "") or "anonymous"
        if code == "E7617":
            if not policy.has_perm(self.actor, Perm.DATA_ENTER):
                return code, f"User `{username}` may not enter data (no data.enter permission): `{ou.code}`"
            return code, f"Organisation unit: `{ou.code}` not in hierarchy of current user: `{username}`"
        return code, f"User `{username}` may not enter data for this organisation at `{ou.code}`"

    def closed(
        self, ou: OrgUnitRef, period: period_lib.Period, aoc_id: int, organisation_id: int | None
    ) -> tuple[str, str] | None:
        for start, end, path, org_id, pcode, ocode in self._locks:
            if start > period.end or end < period.start:
                continue
            if path is not None and not ou.path.startswith(path):
                continue
            if org_id is not None and org_id != organisation_id:
                continue
            return "E7643", f"Period is locked: period `{pcode}` for org unit `{ocode}`"
        if self._approvals:
            for path in ancestor_paths(ou.path):
                for start, end, pcode, ocode in self._approvals.get((path, aoc_id), ()):
                    if start <= period.end and end >= period.start:
                        return "E7642", f"Data is approved: org unit `{ocode}`, period `{pcode}`"
        return None


# ---------------------------------------------------------------------------------------------------------
# The engine


@dataclass
class _Existing:
    id: int | None
    value: str
    comment: str
    deleted: bool
    follow_up: bool


@dataclass
class _Write:
    key: Key
    value: str
    numeric: float | None
    comment: str
    deleted: bool
    follow_up: bool
    organisation_id: int | None
    kind: str  # DataValueAudit.Kind
    previous: str
    id: int | None  # the stored row, when there is one


@dataclass
class ImportResult:
    summary: ImportSummary
    written: list[tuple[Key, int]] = field(default_factory=list)  # (key, data value id)


class _ConflictLog:
    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        self._index: dict[tuple[str, str, str | None], ImportConflict] = {}

    def add(self, index: int, obj: Any, message: str, code: str | None, prop: str) -> None:
        obj_text = as_text(obj)
        key = (obj_text, message, code)
        conflict = self._index.get(key)
        if conflict is None:
            conflict = ImportConflict(obj_text, message, code, prop)
            self._index[key] = conflict
            self.summary.conflicts.append(conflict)
        conflict.indexes.append(index)
        self.summary.rejected_indexes.add(index)


def run_import(
    *,
    actor: Actor,
    rows: list[dict[str, Any]],
    data_set: str | None = None,
    de_scheme: str = "code",
    ou_scheme: str = "code",
    coc_scheme: str = "code",
    dry_run: bool = False,
    import_strategy: str = "CREATE_AND_UPDATE",
    atomic: bool = False,
) -> ImportResult:
    """Check and (unless dry_run, or atomic with conflicts) write the rows. Call inside a transaction."""
    summary = ImportSummary(dry_run=dry_run, total=len(rows))
    result = ImportResult(summary)
    log = _ConflictLog(summary)
    meta = _Metadata(
        rows,
        actor=actor,
        de_scheme=de_scheme,
        ou_scheme=ou_scheme,
        coc_scheme=coc_scheme,
        data_set=data_set,
        dry_run=dry_run,
    )
    if data_set and meta.data_set is None:
        for i in range(len(rows)):
            log.add(i, data_set, f"Data set not found or not accessible: `{data_set}`", "E7600", "dataSet")
        summary.ignored = len(rows)
        return result

    # Pass 1: resolve identifiers and periods.
    resolved: list[tuple[int, _DE, OrgUnitRef, period_lib.Period, int, int, dict[str, Any]] | None] = []
    for i, row in enumerate(rows):
        resolved.append(_resolve(i, row, meta, log))
    valid = [r for r in resolved if r is not None]
    bounds = (min(r[3].start for r in valid), max(r[3].end for r in valid)) if valid else None
    gate = Gatekeeper(actor, bounds)
    existing = _existing_values(valid)
    minmax = _bounds_for(valid)

    writes: dict[Key, _Write] = {}
    audit_kinds: list[tuple[Key, str, str, str, str]] = []  # key, kind, previous, value, comment
    for entry in valid:
        i, de, ou, period, coc_id, aoc_id, row = entry
        organisation_id = meta.aoc_organisation.get(aoc_id) or de.organisation_id
        refused = gate.refusal(ou, organisation_id)
        if refused:
            log.add(i, row["orgUnit"], refused[1], refused[0], "orgUnit")
            continue
        closed = gate.closed(ou, period, aoc_id, organisation_id)
        if closed:
            log.add(i, period.code, closed[1], closed[0], "period")
            continue
        comment = row["comment"]
        if len(comment) > MAX_COMMENT_LENGTH:
            log.add(
                i,
                de.code,
                f"Invalid comment: longer than {MAX_COMMENT_LENGTH} characters",
                "E7620",
                "comment",
            )
            continue
        text = row["value"]
        wants_delete = (
            import_strategy == "DELETE" or _truthy(row.get("deleted")) or (text == "" and comment == "")
        )
        key: Key = (de.id, period.code, ou.id, coc_id, aoc_id)
        current = existing.get(key)
        live = current is not None and not current.deleted
        if wants_delete:
            if not live:
                if import_strategy == "DELETE" or _truthy(row.get("deleted")):
                    log.add(i, de.code, "Data value does not exist", "E2032", "value")
                else:
                    log.add(
                        i,
                        de.code,
                        f"Data value or comment not specified for data element: `{de.code}`",
                        "E7618",
                        "value",
                    )
                continue
            assert current is not None
            writes[key] = _Write(
                key,
                current.value,
                None,
                current.comment,
                True,
                current.follow_up,
                organisation_id,
                "DELETE",
                current.value,
                current.id,
            )
            audit_kinds.append((key, "DELETE", current.value, "", current.comment))
            current.deleted = True
            summary.deleted += 1
            continue
        numeric: float | None = None
        if text != "":
            try:
                text, numeric = check_value(de.value_type, text)
            except InvalidValue as exc:
                log.add(
                    i,
                    row["value"],
                    f"Value must match data element's `{de.code}` type constraints ({de.value_type}): {exc}",
                    "E7619",
                    "value",
                )
                continue
        if live and import_strategy == "CREATE":
            log.add(i, de.code, "Data value already exists (import strategy CREATE)", None, "value")
            continue
        if not live and import_strategy == "UPDATE":
            log.add(i, de.code, "Data value does not exist", "E2032", "value")
            continue
        follow_up = _outside(minmax.get((de.id, ou.id, coc_id)), numeric)
        if live:
            assert current is not None
            if current.value == text and current.comment == comment:
                summary.ignored += 1
                continue
            kind, previous = "UPDATE", current.value
            summary.updated += 1
        else:
            kind, previous = "CREATE", ""
            summary.imported += 1
        writes[key] = _Write(
            key,
            text,
            numeric,
            comment,
            False,
            follow_up,
            organisation_id,
            kind,
            previous,
            current.id if current else None,
        )
        audit_kinds.append((key, kind, previous, text, comment))
        existing[key] = _Existing(current.id if current else None, text, comment, False, follow_up)

    summary.ignored += len(summary.rejected_indexes)
    if atomic and summary.conflicts:
        summary.atomic_rejected = True
        summary.imported = summary.updated = summary.deleted = 0
        summary.ignored = len(rows)
        return result
    if dry_run or not writes:
        return result
    result.written = _write(actor, writes, audit_kinds)
    return result


def _resolve(
    i: int, row: dict[str, Any], meta: _Metadata, log: _ConflictLog
) -> tuple[int, _DE, OrgUnitRef, period_lib.Period, int, int, dict[str, Any]] | None:
    de_ident = row["dataElement"]
    de = meta.data_elements.get(de_ident)
    if de is None:
        if de_ident in meta.data_elements:
            log.add(
                i,
                de_ident,
                f"Data element identifier names several data elements: `{de_ident}`",
                "E7610",
                "dataElement",
            )
        elif de_ident:
            log.add(
                i, de_ident, f"Data element not found or not accessible: `{de_ident}`", "E7610", "dataElement"
            )
        else:
            log.add(i, "", "Data element is required", "E7610", "dataElement")
        return None
    period_code = row["period"]
    try:
        period = meta.period(period_code)
    except period_lib.InvalidPeriod as exc:
        reason = str(exc) if period_code else "Period is required"
        log.add(i, period_code, f"Period not valid: {reason}", "E7611", "period")
        return None
    ou_ident = row["orgUnit"]
    ou = meta.org_units.get(ou_ident)
    if ou is None:
        if ou_ident in meta.org_units:
            message = f"Organisation unit identifier names several places: `{ou_ident}`"
        elif ou_ident:
            message = f"Organisation unit not found or not accessible: `{ou_ident}`"
        else:
            message = "Org unit is required"
        log.add(i, ou_ident, message, "E7612", "orgUnit")
        return None
    combo = meta.cocs_by_combo.get(de.combo_id, {})
    coc_ident = row["categoryOptionCombo"]
    if coc_ident in DEFAULT_IDENTS:
        coc_ident = ""
    coc_id: int | None
    if coc_ident:
        coc_id = combo.get(coc_ident)
        if coc_id is None and coc_ident in combo:
            log.add(
                i,
                coc_ident,
                f"Category option combo identifier names several option combos of `{de.code}`: `{coc_ident}`",
                "E7613",
                "categoryOptionCombo",
            )
            return None
    else:
        members = meta.combo_members.get(de.combo_id, set())
        coc_id = meta.default_coc.pk if meta.default_coc and meta.default_coc.pk in members else None
        if coc_id is None:
            log.add(
                i,
                de.code,
                "Category option combo is required but is not specified",
                "E7630",
                "categoryOptionCombo",
            )
            return None
    if coc_id is None:
        if coc_ident in meta.known_coc_idents:
            log.add(
                i,
                coc_ident,
                f"Category option combo: `{coc_ident}` must be part of category combo of data element: `{de.code}`",
                "E7634",
                "categoryOptionCombo",
            )
        else:
            log.add(
                i,
                coc_ident,
                f"Category option combo not found or not accessible for writing data: `{coc_ident}`",
                "E7613",
                "categoryOptionCombo",
            )
        return None
    aoc_ident = row["attributeOptionCombo"]
    if aoc_ident in DEFAULT_IDENTS:
        aoc_ident = ""
    if aoc_ident:
        matches = meta.aocs.get(aoc_ident, [])
        if len(matches) != 1:
            why = (
                "ambiguous (several combos have it)"
                if matches
                else "not found or not accessible for writing data"
            )
            log.add(
                i, aoc_ident, f"Attribute option combo {why}: `{aoc_ident}`", "E7615", "attributeOptionCombo"
            )
            return None
        aoc_id = matches[0]
    elif meta.default_coc is not None:
        aoc_id = meta.default_coc.pk
    else:
        log.add(
            i, "", "Attribute option combo is required but is not specified", "E7631", "attributeOptionCombo"
        )
        return None
    if meta.data_set is not None:
        if de.id not in meta.data_set_elements:
            log.add(
                i,
                de.code,
                f"Data element: `{de.code}` is not part of dataset: `{meta.data_set.code}`",
                "E7633",
                "dataElement",
            )
            return None
        if meta.data_set_org_units and ou.id not in meta.data_set_org_units:
            log.add(
                i,
                ou.code,
                f"Organisation unit: `{ou.code}` is not assigned to data set: `{meta.data_set.code}`",
                "E7603",
                "orgUnit",
            )
            return None
        ds_type = meta.data_set.period_type
        if ds_type and ds_type.lower() != period.type.lower():
            log.add(
                i,
                period.code,
                f"Period type of period: `{period.code}` not valid for data set: `{meta.data_set.code}` ({ds_type})",
                "E7632",
                "period",
            )
            return None
    if (ou.opened_on and ou.opened_on > period.end) or (ou.closed_on and ou.closed_on <= period.start):
        log.add(
            i,
            ou.code,
            f"Organisation unit is closed for the selected period: `{period.code}`",
            "E2019",
            "orgUnit",
        )
        return None
    return (i, de, ou, period, coc_id, aoc_id, row)


def _existing_values(
    valid: list[tuple[int, _DE, OrgUnitRef, period_lib.Period, int, int, dict[str, Any]]],
) -> dict[Key, _Existing]:
    if not valid:
        return {}
    de_ids = sorted({r[1].id for r in valid})
    ou_ids = sorted({r[2].id for r in valid})
    codes = sorted({r[3].code for r in valid})
    period_ids = dict(Period.objects.filter(code__in=codes).values_list("pk", "code"))
    if not period_ids:
        return {}
    out: dict[Key, _Existing] = {}
    for ou_chunk in _chunks(ou_ids, _IN_CHUNK):
        for de_chunk in _chunks(de_ids, _IN_CHUNK):
            qs = DataValue.objects.filter(
                data_element_id__in=de_chunk, org_unit_id__in=ou_chunk, period_id__in=list(period_ids)
            ).values_list(
                "pk",
                "data_element_id",
                "period_id",
                "org_unit_id",
                "category_option_combo_id",
                "attribute_option_combo_id",
                "value",
                "comment",
                "deleted",
                "follow_up",
            )
            for pk, de_id, p_id, ou_id, coc_id, aoc_id, value, comment, deleted, follow_up in qs.iterator(
                chunk_size=5000
            ):
                out[(de_id, period_ids[p_id], ou_id, coc_id, aoc_id)] = _Existing(
                    pk, value, comment, deleted, follow_up
                )
    return out


def _bounds_for(
    valid: list[tuple[int, _DE, OrgUnitRef, period_lib.Period, int, int, dict[str, Any]]],
) -> dict[tuple[int, int, int], tuple[float, float]]:
    if not valid:
        return {}
    de_ids = sorted({r[1].id for r in valid})
    out: dict[tuple[int, int, int], tuple[float, float]] = {}
    qs = MinMaxBound.objects.filter(data_element_id__in=de_ids)
    ou_ids = {r[2].id for r in valid}
    if len(ou_ids) <= _IN_CHUNK:
        qs = qs.filter(org_unit_id__in=ou_ids)
    for de_id, ou_id, coc_id, lo, hi in qs.values_list(
        "data_element_id", "org_unit_id", "category_option_combo_id", "min_value", "max_value"
    ):
        out[(de_id, ou_id, coc_id)] = (lo, hi)
    return out


def _outside(bounds: tuple[float, float] | None, numeric: float | None) -> bool:
    return bounds is not None and numeric is not None and not bounds[0] <= numeric <= bounds[1]


def ensure_periods(codes: Iterable[str]) -> dict[str, int]:
    """{code: Period id}, creating the Period rows that do not exist yet. Codes must be valid."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted, _IN_CHUNK):
        found.update(Period.objects.filter(code__in=chunk).values_list("code", "pk"))
    missing = [c for c in wanted if c not in found]
    if missing:
        new = []
        for code in missing:
            p = period_lib.parse_period(code)
            new.append(Period(code=p.code, type=p.type, start=p.start, end=p.end))
        Period.objects.bulk_create(new, ignore_conflicts=True, batch_size=BATCH_SIZE)
        for chunk in _chunks(missing, _IN_CHUNK):
            found.update(Period.objects.filter(code__in=chunk).values_list("code", "pk"))
    return found


def _rows_per_statement(columns: int) -> int:
    limit = connection.features.max_query_params or 65535
    return max(1, min(1000, limit // columns))


_KEY_FIELDS = ("data_element", "period", "org_unit", "category_option_combo", "attribute_option_combo")
_CHANGING_FIELDS = (
    "value",
    "numeric_value",
    "comment",
    "follow_up",
    "deleted",
    "stored_by",
    "organisation",
    "updated_at",
)
_AUDIT_FIELDS = ("data_value", "kind", "previous_value", "value", "comment", "by", "at")


def _write(
    actor: Actor, writes: dict[Key, _Write], audit_kinds: list[tuple[Key, str, str, str, str]]
) -> list[tuple[Key, int]]:
    """Write in bulk with plain parameterised SQL: the values (new and changed alike) with one
    INSERT ... ON CONFLICT DO UPDATE ... RETURNING per batch, then their history rows. On PostgreSQL the rows
    travel by COPY. (The ORM's per-object work, and one statement per row, were each about ten times
    slower at 100k values.)"""
    period_ids = ensure_periods({k[1] for k in writes})
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    records = [
        (
            de_id,
            period_ids[pcode],
            ou_id,
            coc_id,
            aoc_id,
            w.value,
            w.numeric,
            w.comment,
            w.follow_up,
            w.deleted,
            user_id,
            w.organisation_id,
            now,
            now,
        )
        for (de_id, pcode, ou_id, coc_id, aoc_id), w in writes.items()
    ]
    code_of = {v: k for k, v in period_ids.items()}
    ids: dict[Key, int] = {}
    copy = _copier()
    with connection.cursor() as cursor:
        returned = _upsert_copy(cursor, copy, records) if copy else _upsert_values(cursor, records)
        for pk, de_id, p_id, ou_id, coc_id, aoc_id in returned:
            ids[(de_id, code_of[p_id], ou_id, coc_id, aoc_id)] = pk
        history = [
            (ids[key], kind, prev, value, comment, user_id, now)
            for key, kind, prev, value, comment in audit_kinds
        ]
        if copy:
            _copy_rows(copy, DataValueAudit._meta.db_table, _columns(DataValueAudit, _AUDIT_FIELDS), history)
            copy.close()
        else:
            _insert_values(cursor, DataValueAudit, _AUDIT_FIELDS, history)
    return list(ids.items())


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: Any, fields: Sequence[str]) -> list[str]:
    col = {f.name: f.column for f in model._meta.concrete_fields}
    return [col[f] for f in fields]


def _upsert_tail() -> str:
    keys = _columns(DataValue, _KEY_FIELDS)
    changing = _columns(DataValue, _CHANGING_FIELDS)
    return (
        f" ON CONFLICT ({', '.join(map(_q, keys))}) DO UPDATE SET "
        + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in changing)
        + f" RETURNING {_q('id')}, {', '.join(map(_q, keys))}"
    )


_INSERT_FIELDS = (*_KEY_FIELDS, *_CHANGING_FIELDS, "created_at")


def _upsert_values(cursor: Any, records: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    columns = _columns(DataValue, _INSERT_FIELDS)
    head = f"INSERT INTO {_q(DataValue._meta.db_table)} ({', '.join(map(_q, columns))}) VALUES "  # noqa: S608 (names from _meta)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = _upsert_tail()
    out: list[tuple[Any, ...]] = []
    for chunk in _chunks(records, _rows_per_statement(len(columns))):
        flat = [v for record in chunk for v in record]
        cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, flat)
        out.extend(cursor.fetchall())
    return out


def _insert_values(cursor: Any, model: Any, fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    columns = _columns(model, fields)
    head = f"INSERT INTO {_q(model._meta.db_table)} ({', '.join(map(_q, columns))}) VALUES "  # noqa: S608 (names from _meta)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for chunk in _chunks(rows, _rows_per_statement(len(columns))):
        cursor.execute(head + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])


def _copier() -> Any:
    """The raw psycopg 3 cursor when COPY is available (PostgreSQL), else None."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    raw = connection.connection.cursor()
    return raw if hasattr(raw, "copy") else None


def _copy_rows(raw: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    with raw.copy(f"COPY {_q(table)} ({', '.join(map(_q, columns))}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_copy(cursor: Any, raw: Any, records: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    fields = {f.name: f for f in DataValue._meta.concrete_fields}
    columns = _columns(DataValue, _INSERT_FIELDS)
    stage = "data_import_stage"
    definition = ", ".join(f"{_q(fields[f].column)} {fields[f].db_type(connection)}" for f in _INSERT_FIELDS)
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_q(stage)} ({definition}) ON COMMIT DROP")
    cursor.execute(f"TRUNCATE {_q(stage)}")
    _copy_rows(raw, stage, columns, records)
    listed = ", ".join(map(_q, columns))
    table = _q(DataValue._meta.db_table)
    upsert = f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {_q(stage)}"  # noqa: S608 (names from _meta)
    cursor.execute(upsert + _upsert_tail())
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    cursor.execute(f"TRUNCATE {_q(stage)}")
    return rows
