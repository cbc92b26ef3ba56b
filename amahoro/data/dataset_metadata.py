"""Data sets in the DHIS2 metadata import and export (`/api/v1/metadata`): the `dataSets` collection,
registered with amahoro.metadata.importer from DataConfig.ready."""

from __future__ import annotations

from typing import Any

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import ValidationFailed
from amahoro.metadata.importer import Collection, MetadataImporter, ref_codes, register_collection
from amahoro.metadata.models import DataElement
from amahoro.metadata.periods import normalize_period_type
from amahoro.metadata.selectors import ref
from amahoro.metadata.services import METADATA_CODE_RE, check_code, check_name
from amahoro.roles import Perm

from .models import DataSet


def normalise_data_set(entry: dict[str, Any]) -> dict[str, Any]:
    """DHIS2 lists a data set's elements as dataSetElements: [{"dataElement": ref}]; ours is dataElements."""
    if "dataElements" not in entry and "dataSetElements" in entry:
        elements = entry["dataSetElements"]
        entry["dataElements"] = (
            [x.get("dataElement") if isinstance(x, dict) else x for x in elements]
            if isinstance(elements, list)
            else elements
        )
    return entry


def import_data_sets(importer: MetadataImporter, payload: dict[str, Any]) -> None:
    entries = importer.entries(payload, "dataSets")
    existing = {o.code: o for o in DataSet.objects.filter(code__in=[c for _, _, c in entries])}
    for i, entry, code in entries:
        importer.run("dataSets", i, code, _data_set, importer, i, entry, code, existing.get(code))


def _data_set(importer: MetadataImporter, i: int, entry: dict[str, Any], code: str, obj: Any) -> None:
    check_code(code, pattern=METADATA_CODE_RE)
    if importer.strategy_skips("dataSets", i, code, obj is not None):
        importer.report.count("dataSets", "ignored")
        return
    fields: dict[str, Any] = {
        "name": check_name(entry.get("name")),
        "uid": importer.uid(DataSet, entry, obj),
    }
    period_type = entry.get("periodType")
    if period_type not in (None, ""):
        try:
            fields["period_type"] = normalize_period_type(str(period_type))
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="periodType") from None
    for name, key in (("timely_days", "timelyDays"), ("expiry_days", "expiryDays")):
        fields.update(_days(entry, name, key))
    try:
        element_codes = ref_codes(entry.get("dataElements"))
    except ValidationFailed as exc:
        raise ValidationFailed(f"dataSetElements {exc.message}", field="dataSetElements") from None
    elements: dict[str, Any] = {}
    if element_codes is not None:
        visible = DataElement.objects.filter(code__in=element_codes)
        if importer.actor is not None:
            visible = policy.visible(importer.actor, Perm.FRAMEWORK_VIEW, visible)
        elements = {de.code: de for de in visible}
        missing = [c for c in element_codes if c not in elements]
        if missing:
            raise ValidationFailed(
                f"unknown data element '{missing[0]}' in dataSetElements", field="dataSetElements"
            )
    places = None
    if entry.get("organisationUnits") is not None:
        places = importer.places(entry.get("organisationUnits"), "organisationUnits")
    if obj is None:
        importer.may_create("data set")
        fields["organisation"] = importer.owner
    else:
        importer.may_change(obj, "data set")
    saved, outcome = importer.save("dataSets", DataSet, obj, fields, code)
    changes: dict[str, Any] = {}
    if element_codes is not None:
        before = set(saved.data_elements.values_list("code", flat=True))
        if before != set(element_codes):
            saved.data_elements.set(list(elements.values()))
            changes["dataElements"] = [sorted(before), sorted(element_codes)]
    if places is not None:
        before = set(saved.org_units.values_list("code", flat=True))
        if before != {p.code for p in places}:
            saved.org_units.set(places)
            changes["organisationUnits"] = [sorted(before), sorted(p.code for p in places)]
    if changes and outcome == "ignored":
        outcome = "updated"
    if changes and obj is not None:
        audit_record(
            actor=importer.actor,
            action=AuditAction.UPDATE,
            obj=saved,
            organisation_id=saved.organisation_id,
            changes=changes,
            message="metadata import",
        )
    importer.report.count("dataSets", outcome)


def _days(entry: dict[str, Any], name: str, key: str) -> dict[str, int]:
    """DHIS2's timelyDays / expiryDays (reporting completeness: docs/completeness.md), when given."""
    raw = entry.get(key)
    if raw is None or raw == "":
        return {}
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or int(text) > 3660:
        raise ValidationFailed(f"{key} must be a whole number of days (0-3660), not '{text[:20]}'", field=key)
    days = int(text)
    return {name: days}


def export_data_sets(*, user: Any) -> list[dict[str, Any]]:
    """The data sets the user may see, as DHIS2 exports them (dataSetElements, organisationUnits, timelyDays,
    expiryDays)."""
    sets = (
        policy.visible(user, Perm.DATA_VIEW, DataSet.objects.all())
        .prefetch_related("data_elements", "org_units")
        .order_by("code")
    )
    out = []
    for ds in sets:
        entry: dict[str, Any] = ref(ds) | {"name": ds.name}
        if ds.period_type:
            entry["periodType"] = ds.period_type
        entry["dataSetElements"] = [
            {"dataElement": ref(de)} for de in sorted(ds.data_elements.all(), key=lambda d: d.code)
        ]
        entry["organisationUnits"] = [ref(ou) for ou in sorted(ds.org_units.all(), key=lambda o: o.code)]
        entry["timelyDays"] = ds.timely_days
        entry["expiryDays"] = ds.expiry_days
        out.append(entry)
    return out


def register() -> None:
    register_collection(
        Collection(
            name="dataSets",
            order=20,
            model=DataSet,
            run=import_data_sets,
            export=export_data_sets,
            references={"dataElements": ("dataElements", False)},
            normalise=normalise_data_set,
        )
    )
