"""Writes to the place hierarchy: levels, org units, Rwanda's reference load and GeoJSON boundaries."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import ValidationFailed

from .models import OrgUnit, OrgUnitLevel

GENERIC_LEVELS: list[tuple[int, str, str, str, str]] = [
    (1, "country", "Country", "Pays", "Igihugu"),
    (2, "province", "Province", "Province", "Intara"),
    (3, "district", "District", "District", "Akarere"),
    (4, "sector", "Sector", "Secteur", "Umurenge"),
    (5, "cell", "Cell", "Cellule", "Akagari"),
    (6, "village", "Village", "Village", "Umudugudu"),
]


def levels_ensure(
    levels: Iterable[tuple[int, str, str, str, str]] = GENERIC_LEVELS,
) -> dict[str, OrgUnitLevel]:
    out: dict[str, OrgUnitLevel] = {}
    for number, code, name, name_fr, name_rw in levels:
        obj, _ = OrgUnitLevel.objects.update_or_create(
            code=code, defaults={"level": number, "name": name, "name_fr": name_fr, "name_rw": name_rw}
        )
        out[code] = obj
    return out


def level_get(code: str) -> OrgUnitLevel:
    try:
        return OrgUnitLevel.objects.get(code=code)
    except OrgUnitLevel.DoesNotExist as exc:
        known = ", ".join(OrgUnitLevel.objects.values_list("code", flat=True)) or "none loaded"
        raise ValidationFailed(f"unknown level '{code}' (known: {known})", field="level") from exc


@transaction.atomic
def orgunit_create(
    *,
    actor: policy.Actor,
    code: str,
    name: str,
    level: OrgUnitLevel,
    parent: OrgUnit | None,
    name_fr: str = "",
    name_rw: str = "",
    opened_on: dt.date | None = None,
) -> OrgUnit:
    policy.check_actor(actor)
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationFailed(f"an org unit with code '{code}' already exists", field="code")
    unit = OrgUnit(
        code=code,
        name=name,
        name_en=name,
        name_fr=name_fr,
        name_rw=name_rw,
        level=level,
        parent=parent,
        opened_on=opened_on,
    )
    unit.path = unit.compute_path()
    unit.depth = unit.path.strip("/").count("/") + 1
    unit.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=unit, org_unit_path=unit.path)
    return unit


@transaction.atomic
def orgunit_close(
    *, actor: policy.Actor, unit: OrgUnit, closed_on: dt.date, replaced_by: OrgUnit | None = None
) -> OrgUnit:
    """Restructuring: a place is closed (not deleted) so its data and history stay attached to it."""
    policy.check_actor(actor)
    if unit.opened_on and closed_on <= unit.opened_on:
        raise ValidationFailed("closing date must be after the opening date", field="closed_on")
    unit.closed_on = closed_on
    unit.replaced_by = replaced_by
    unit.save(update_fields=["closed_on", "replaced_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=unit,
        org_unit_path=unit.path,
        changes={
            "closed_on": [None, closed_on.isoformat()],
            "replaced_by": [None, replaced_by.code if replaced_by else None],
        },
    )
    return unit


# ---------------------------------------------------------------------------------------------------------
# Rwanda reference data (NISR codes, from the rwanda-admin package; data CC BY 4.0, NISR)

RWANDA_PROVINCES: dict[str, dict[str, str]] = {
    # NISR code: names and ISO 3166-2 (whose order differs from NISR's)
    "1": {"iso": "RW-01", "en": "Kigali City", "fr": "Ville de Kigali", "rw": "Umujyi wa Kigali"},
    "2": {"iso": "RW-05", "en": "Southern Province", "fr": "Province du Sud", "rw": "Intara y'Amajyepfo"},
    "3": {
        "iso": "RW-04",
        "en": "Western Province",
        "fr": "Province de l'Ouest",
        "rw": "Intara y'Iburengerazuba",
    },
    "4": {"iso": "RW-03", "en": "Northern Province", "fr": "Province du Nord", "rw": "Intara y'Amajyaruguru"},
    "5": {
        "iso": "RW-02",
        "en": "Eastern Province",
        "fr": "Province de l'Est",
        "rw": "Intara y'Iburasirazuba",
    },
}
RWANDA_SOURCE = "NISR list of villages 2019 via rwanda-admin (CC BY 4.0)"
RWANDA_CREDIT = (
    "Administrative names and codes: National Institute of Statistics of Rwanda (NISR), List of Villages "
    "(2019-07), CC BY 4.0, packaged by rwanda-admin (ISC)."
)


@dataclass
class ReferenceLoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def _rwanda_rows() -> list[dict[str, Any]]:
    """Flatten rwanda-admin's tree into rows with NISR codes derived from the village codes."""
    from rwanda_admin import get_dataset

    data = get_dataset()
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}

    def add(code: str, level: str, name: str, parent: str) -> None:
        if code in seen:
            if seen[code] != name:
                raise ValidationFailed(f"rwanda-admin: code {code} names both '{seen[code]}' and '{name}'")
            return
        seen[code] = name
        rows.append({"code": code, "level": level, "name": name, "parent": parent})

    for province in data["provinces"]:
        for district in province["districts"]:
            for sector in district["sectors"]:
                for cell in sector["cells"]:
                    for village in cell["villages"]:
                        vcode = str(village["id"]).removeprefix("village-")
                        if len(vcode) != 8 or not vcode.isdigit():
                            raise ValidationFailed(f"rwanda-admin: unexpected village id {village['id']}")
                        add(vcode[:1], "province", province["name"], "RW")
                        add(vcode[:2], "district", district["name"], vcode[:1])
                        add(vcode[:4], "sector", sector["name"], vcode[:2])
                        add(vcode[:6], "cell", cell["name"], vcode[:4])
                        add(vcode, "village", village["name"], vcode[:6])
    return rows


@transaction.atomic
def rwanda_load(*, actor: policy.Actor) -> ReferenceLoadResult:
    """Load (or refresh) Rwanda's whole hierarchy. Idempotent: existing units are updated by code."""
    policy.check_actor(actor)
    levels = levels_ensure()
    result = ReferenceLoadResult()
    existing = {u.code: u for u in OrgUnit.objects.all()}
    rows = [{"code": "RW", "level": "country", "name": "Rwanda", "parent": None}, *_rwanda_rows()]
    paths: dict[str | None, str] = {None: "/"}
    to_create: list[OrgUnit] = []
    to_update: list[OrgUnit] = []
    for row in rows:
        code, level = row["code"], row["level"]
        path = f"{paths[row['parent']]}{code}/"
        paths[code] = path
        names = {
            "name": row["name"],
            "name_en": row["name"],
            "name_fr": "",
            "name_rw": row["name"],
            "iso_code": "",
        }
        if level == "country":
            names.update(name_fr="Rwanda", name_rw="u Rwanda", iso_code="RW")
        elif level == "province":
            prov = RWANDA_PROVINCES[code]
            names.update(
                name=prov["en"],
                name_en=prov["en"],
                name_fr=prov["fr"],
                name_rw=prov["rw"],
                iso_code=prov["iso"],
            )
        unit = existing.get(code)
        if unit is None:
            unit = OrgUnit(
                code=code,
                level=levels[level],
                path=path,
                depth=path.strip("/").count("/") + 1,
                source=RWANDA_SOURCE,
                **names,
            )
            to_create.append(unit)
            result.created[level] = result.created.get(level, 0) + 1
        else:
            changed = False
            for attr, value in {**names, "path": path, "level_id": levels[level].pk}.items():
                if getattr(unit, attr) != value:
                    setattr(unit, attr, value)
                    changed = True
            if changed:
                to_update.append(unit)
                result.updated[level] = result.updated.get(level, 0) + 1
        existing[code] = unit
    OrgUnit.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        OrgUnit.objects.bulk_update(
            to_update, ["name", "name_en", "name_fr", "name_rw", "iso_code", "path", "level"], batch_size=2000
        )
    # Parent links, now that every row has a primary key.
    ids = dict(OrgUnit.objects.values_list("code", "pk"))
    parent_updates = []
    for row in rows:
        unit = existing[row["code"]]
        parent_id = ids.get(row["parent"]) if row["parent"] else None
        if unit.parent_id != parent_id:
            unit.parent_id = parent_id
            parent_updates.append(unit)
    if parent_updates:
        for unit in parent_updates:
            if unit.pk is None:
                unit.pk = ids[unit.code]
        OrgUnit.objects.bulk_update(parent_updates, ["parent"], batch_size=2000)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="geo.orgunit",
        object_repr="Rwanda reference hierarchy",
        changes={"created": result.created, "updated": result.updated},
        message=RWANDA_CREDIT,
    )
    return result


# ---------------------------------------------------------------------------------------------------------
# Boundaries


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for word in ("district", "province", "sector", "city", "secteur", "akarere", "umurenge"):
        text = text.replace(word, " ")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@dataclass
class BoundaryImportResult:
    matched: list[str] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(
        default_factory=list
    )  # {"feature": i, "value": ..., "reason": ...}


def _centroid(geometry: dict[str, Any]) -> tuple[float, float] | None:
    """Mean of the outer-ring vertices: good enough for a label or a pin."""
    coords: list[list[float]] = []
    gtype = geometry.get("type")
    if gtype == "Polygon":
        coords = geometry["coordinates"][0]
    elif gtype == "MultiPolygon":
        coords = [pt for poly in geometry["coordinates"] for pt in poly[0]]
    elif gtype == "Point":
        coords = [geometry["coordinates"]]
    if not coords:
        return None
    lon = sum(c[0] for c in coords) / len(coords)
    lat = sum(c[1] for c in coords) / len(coords)
    return lat, lon


def _load_geojson(source: str | Path | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        data = source
    else:
        try:
            if isinstance(source, bytes):
                raw = source
            else:
                file_path = Path(source)
                try:
                    raw = file_path.read_bytes()
                except FileNotFoundError as exc:
                    raise ValidationFailed(f"file not found: {file_path}", field="file") from exc
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationFailed(f"not valid JSON: {exc}", field="file") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ValidationFailed("expected a GeoJSON FeatureCollection with a 'features' list", field="file")
    return data


@transaction.atomic
def boundaries_import(
    *,
    actor: policy.Actor,
    source: str | Path | bytes | dict[str, Any],
    level: str,
    code_property: str = "id",
    match: str = "code",
    name_property: str = "name",
    code_prefix: str = "",
    source_label: str = "",
) -> BoundaryImportResult:
    """Attach GeoJSON geometries to org units of `level`, by code (or by name with match='name').

    Features that match nothing are reported, not imported; nothing else is touched. The units remember the
    import (`geometry_source`: `source_label`, else the file's name), so `load_reference rwanda` keeps them.
    """
    policy.check_actor(actor)
    if match not in {"code", "name"}:
        raise ValidationFailed("match must be 'code' or 'name'", field="match")
    lvl = level_get(level)
    data = _load_geojson(source)
    label = (
        source_label or (f"import: {Path(source).name}" if isinstance(source, str | Path) else "import")[:200]
    )
    units = list(OrgUnit.objects.filter(level=lvl))
    if match == "code":
        index = {u.code: u for u in units}
    else:
        index = {}
        for u in units:
            for n in {u.name, u.name_en, u.name_fr, u.name_rw} - {""}:
                index.setdefault(normalise_name(n), u)
    result = BoundaryImportResult()
    updates: list[OrgUnit] = []
    for i, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry")
        prop = code_property if match == "code" else name_property
        value = props.get(prop)
        if value is None:
            result.unmatched.append({"feature": i, "value": None, "reason": f"no '{prop}' property"})
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon", "Point"}:
            result.unmatched.append(
                {"feature": i, "value": value, "reason": "missing or unsupported geometry"}
            )
            continue
        key = f"{code_prefix}{value}" if match == "code" else normalise_name(str(value))
        unit = index.get(str(key))
        if unit is None:
            result.unmatched.append(
                {"feature": i, "value": value, "reason": f"no {level} with {match} '{value}'"}
            )
            continue
        unit.geometry = geometry
        unit.geometry_source = label
        centre = _centroid(geometry)
        if centre:
            unit.latitude, unit.longitude = centre
        updates.append(unit)
        result.matched.append(unit.code)
    if updates:
        OrgUnit.objects.bulk_update(
            updates, ["geometry", "geometry_source", "latitude", "longitude"], batch_size=200
        )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="geo.orgunit",
        object_repr=f"{level} boundaries",
        changes={"matched": len(result.matched), "unmatched": len(result.unmatched)},
    )
    return result


# ---------------------------------------------------------------------------------------------------------
# The boundaries shipped with Amahoro (amahoro/geo/data/, built by scripts/vendor_geo.py from WASAC's
# rw-admin-boundary): attached by NISR code on `load_reference rwanda`.

BOUNDARY_ATTRIBUTION = "© WASAC Ltd., CC BY 4.0"
SHIPPED_BOUNDARY_SOURCE = "rw-admin-boundary (WASAC, CC BY 4.0), shipped"
SHIPPED_BOUNDARY_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_BOUNDARY_LEVELS = ("province", "district", "sector")


@dataclass
class ShippedBoundaryResult:
    updated: dict[str, int] = field(default_factory=dict)  # level -> units whose shape was set or refreshed
    unchanged: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # codes whose imported shape was left alone
    missing: list[str] = field(default_factory=list)  # feature codes with no org unit
    name_mismatches: list[tuple[str, str, str]] = field(default_factory=list)  # (code, ours, the file's)
    absent_files: list[str] = field(default_factory=list)


def _same_name(ours: str, theirs: str) -> bool:
    """Names agree when equal once folded, when one holds the other ("RwezamenyoKabuguru" / "Rwezamenyo"),
    or when they differ by a letter or two ("SHYORONGI" / "Shyrongi")."""
    a, b = normalise_name(ours).replace(" ", ""), normalise_name(theirs).replace(" ", "")
    return (
        a == b
        or (bool(a) and bool(b) and (a in b or b in a))
        or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85
    )


@transaction.atomic
def shipped_boundaries_load(*, actor: policy.Actor, directory: Path | None = None) -> ShippedBoundaryResult:
    """Set the province, district and sector shapes from the shipped layers, by NISR code (names checked).

    Idempotent and cheap on a second run: only units whose shape differs are written. A unit whose shape came
    from `import_boundaries` (another or newer layer) keeps it."""
    policy.check_actor(actor)
    base = directory or SHIPPED_BOUNDARY_DIR
    result = ShippedBoundaryResult()
    for level in SHIPPED_BOUNDARY_LEVELS:
        path = base / f"rwanda-{level}s.geojson"
        if not path.is_file():
            result.absent_files.append(path.name)
            continue
        features = _load_geojson(path)["features"]
        units = {
            u.code: u
            for u in OrgUnit.objects.filter(level__code=level).only(
                "pk", "code", "name", "geometry", "geometry_source", "latitude", "longitude"
            )
        }
        updates: list[OrgUnit] = []
        unchanged = 0
        for feature in features:
            props = feature.get("properties") or {}
            code = str(props.get("code", ""))
            unit = units.get(code)
            if unit is None:
                result.missing.append(code)
                continue
            if not _same_name(unit.name, str(props.get("name", ""))):
                result.name_mismatches.append((code, unit.name, str(props.get("name", ""))))
            if unit.geometry is not None and unit.geometry_source not in ("", SHIPPED_BOUNDARY_SOURCE):
                result.kept.append(code)
                continue
            point = props.get("label_point")
            lon, lat = point if isinstance(point, list) and len(point) == 2 else (None, None)
            if lat is None:
                centre = _centroid(feature["geometry"])
                lat, lon = centre if centre else (None, None)
            wanted = {
                "geometry": feature["geometry"],
                "geometry_source": SHIPPED_BOUNDARY_SOURCE,
                "latitude": lat,
                "longitude": lon,
            }
            if all(getattr(unit, attr) == value for attr, value in wanted.items()):
                unchanged += 1
                continue
            for attr, value in wanted.items():
                setattr(unit, attr, value)
            updates.append(unit)
        if updates:
            OrgUnit.objects.bulk_update(
                updates, ["geometry", "geometry_source", "latitude", "longitude"], batch_size=100
            )
        result.updated[level] = len(updates)
        result.unchanged[level] = unchanged
    if sum(result.updated.values()):
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="geo.orgunit",
            object_repr="shipped boundaries",
            changes={"updated": result.updated, "kept": len(result.kept)},
            message=BOUNDARY_ATTRIBUTION,
        )
    return result
