"""The boundaries shipped with Amahoro: `load_reference rwanda` attaches 5 province, 30 district and 416 sector
shapes by NISR code; the GeoJSON endpoints serve them (scoped) with WASAC's credit; scripts/vendor_geo.py
--check guards the files."""

from __future__ import annotations

import importlib.util
import itertools
import json
import shutil
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.geo import services
from amahoro.geo.models import OrgUnit
from amahoro.geo.reference import BOUNDARY_ATTRIBUTION
from conftest import client_for

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[3]
DATA_DIR = PROJECT_DIR / "amahoro" / "geo" / "data"
SOURCE = Path("/work/shared/reference/rw-admin-boundary")
RWANDA_BBOX = (28.8, -2.9, 31.0, -1.0)  # lon/lat
EXPECTED = {"province": 5, "district": 30, "sector": 416}


def load() -> str:
    out = StringIO()
    call_command("load_reference", "rwanda", stdout=out)
    return out.getvalue()


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    assert geometry["type"] in {"Polygon", "MultiPolygon"}, geometry["type"]
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def ring_area(ring: list[list[float]]) -> float:
    """Signed shoelace area (degrees²): positive when counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def area(geometry: dict[str, Any]) -> float:
    return sum(sum(ring_area(r) for r in polygon) for polygon in polygons(geometry))  # holes are negative


def assert_valid_polygon(code: str, geometry: dict[str, Any]) -> None:
    x0, y0, x1, y1 = RWANDA_BBOX
    for polygon in polygons(geometry):
        assert polygon, code
        for i, ring in enumerate(polygon):
            assert len(ring) >= 4 and ring[0] == ring[-1], f"{code}: ring not closed"
            assert (ring_area(ring) > 0) == (i == 0), f"{code}: ring {i} not wound per RFC 7946"
            assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in ring), f"{code}: outside Rwanda"
            assert len({tuple(p) for p in ring[:-1]}) == len(ring) - 1, f"{code}: repeated vertex"
    assert area(geometry) > 0, code


# ---------------------------------------------------------------------------------------------------------
# the loader


def test_load_reference_attaches_every_province_district_and_sector_shape() -> None:
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()  # the test database has none
    out = load()
    assert "Boundaries: 5 provinces, 30 districts, 416 sectors have a shape" in out
    assert "set or refreshed 451" in out and "names differ" not in out
    assert BOUNDARY_ATTRIBUTION == "© WASAC Ltd., CC BY 4.0" and BOUNDARY_ATTRIBUTION in out
    for level, count in EXPECTED.items():
        units = list(OrgUnit.objects.filter(level__code=level, geometry__isnull=False))
        assert len(units) == count == OrgUnit.objects.filter(level__code=level).count()
        for unit in units:
            assert unit.geometry_source == services.SHIPPED_BOUNDARY_SOURCE
            assert_valid_polygon(unit.code, unit.geometry)
            assert unit.latitude is not None and -2.9 < unit.latitude < -1.0
            assert unit.longitude is not None and 28.8 < unit.longitude < 31.0
    # Nothing below sectors gets a shape.
    assert not OrgUnit.objects.filter(level__code__in=["cell", "village"], geometry__isnull=False).exists()


def test_shapes_tile_the_country_without_overlaps() -> None:
    """Provinces are the union of their districts: when districts neither overlap nor leave gaps inside a
    province, the areas add up exactly."""
    load()
    shapes = {
        level: dict(OrgUnit.objects.filter(level__code=level).values_list("code", "geometry"))
        for level in EXPECTED
    }
    for province, geometry in shapes["province"].items():
        districts = [g for code, g in shapes["district"].items() if code[0] == province]
        assert sum(area(g) for g in districts) == pytest.approx(area(geometry), rel=1e-9)
    for district, geometry in shapes["district"].items():
        sectors = [g for code, g in shapes["sector"].items() if code[:2] == district]
        # Sectors lie inside their district; the district layer also holds lake water (Kivu, Muhazi, ...)
        # that the sector layer leaves out.
        assert 0.5 * area(geometry) < sum(area(g) for g in sectors) < 1.01 * area(geometry), district
    total = sum(area(g) for g in shapes["province"].values())
    assert 2.0 < total < 2.2  # Rwanda: ~26,300 km² ~ 2.1 square degrees at its latitude


def test_shapes_match_the_units_by_code_and_name() -> None:
    load()
    for level in EXPECTED:
        shipped = json.loads((DATA_DIR / f"rwanda-{level}s.geojson").read_text(encoding="utf-8"))
        names = dict(OrgUnit.objects.filter(level__code=level).values_list("code", "name"))
        codes = [f["properties"]["code"] for f in shipped["features"]]
        assert sorted(codes) == sorted(names)
        if level != "sector":  # provinces and districts carry Amahoro's own names
            assert {f["properties"]["code"]: f["properties"]["name"] for f in shipped["features"]} == names
    assert services._same_name("Shyorongi", "Shyrongi") and services._same_name(
        "RwezamenyoKabuguru", "Rwezamenyo"
    )
    assert not services._same_name("Gasabo", "Kicukiro")


@pytest.mark.skipif(not SOURCE.exists(), reason=f"source layers not at {SOURCE}")
def test_simplified_shapes_stay_close_to_the_source() -> None:
    load()
    for path in sorted(SOURCE.glob("*/district.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            unit = OrgUnit.objects.get(code=str(feature["properties"]["id"]))
            assert area(unit.geometry) == pytest.approx(abs(area(feature["geometry"])), rel=0.02)


def test_second_load_changes_nothing_and_is_quiet() -> None:
    load()
    events = AuditEvent.objects.count()
    before = dict(OrgUnit.objects.filter(geometry__isnull=False).values_list("code", "updated_at"))
    out = load()
    assert "set or refreshed 0, unchanged 451" in out
    assert AuditEvent.objects.count() == events + 1  # the hierarchy's own audit entry, none for shapes
    assert dict(OrgUnit.objects.filter(geometry__isnull=False).values_list("code", "updated_at")) == before


def test_load_refreshes_a_changed_shipped_shape_but_keeps_an_imported_one() -> None:
    load()
    square = {"type": "Polygon", "coordinates": [[[30.0, -2.0], [30.1, -2.0], [30.1, -1.9], [30.0, -2.0]]]}
    OrgUnit.objects.filter(code="12").update(geometry=square)  # damaged, still marked as shipped
    services.boundaries_import(
        actor=policy.SYSTEM,
        source={
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"id": "11"}, "geometry": square}],
        },
        level="district",
        source_label="newer survey",
    )
    out = load()
    assert "set or refreshed 1" in out and "kept from an import 1" in out
    assert OrgUnit.objects.get(code="11").geometry == square
    assert OrgUnit.objects.get(code="11").geometry_source == "newer survey"
    assert OrgUnit.objects.get(code="12").geometry != square


def test_missing_files_are_reported_not_fatal(tmp_path: Path) -> None:
    result = services.shipped_boundaries_load(actor=policy.SYSTEM, directory=tmp_path)
    assert result.absent_files == [
        "rwanda-provinces.geojson",
        "rwanda-districts.geojson",
        "rwanda-sectors.geojson",
    ]
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()


def test_loader_refuses_an_anonymous_actor() -> None:
    with pytest.raises(Exception, match="actor"):
        services.shipped_boundaries_load(actor=None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# the GeoJSON endpoints


def test_api_geojson_serves_30_districts_and_416_sectors_with_the_credit(cast) -> None:
    load()
    client = client_for(cast.ngo_admin)
    for level, count in (("district", 30), ("sector", 416), ("province", 5)):
        response = client.get("/api/v1/orgunits.geojson", {"level": level})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["attribution"] == BOUNDARY_ATTRIBUTION
        assert len(body["features"]) == count
        names = dict(OrgUnit.objects.filter(level__code=level).values_list("code", "name"))
        assert {f["properties"]["code"]: f["properties"]["name"] for f in body["features"]} == names


def test_api_geojson_is_scoped_to_the_users_places(cast) -> None:
    load()
    mine = client_for(cast.me_nyarugenge)  # district 11
    districts = mine.get("/api/v1/orgunits.geojson", {"level": "district"}).json()
    assert [f["properties"]["code"] for f in districts["features"]] == ["11"]
    sectors = mine.get("/api/v1/orgunits.geojson", {"level": "sector"}).json()
    expected = sorted(
        OrgUnit.objects.filter(level__code="sector", code__startswith="11").values_list("code", flat=True)
    )
    assert sorted(f["properties"]["code"] for f in sectors["features"]) == expected and len(expected) == 10
    assert mine.get("/api/v1/orgunits.geojson", {"level": "province"}).json()["features"] == []
    clerk = client_for(cast.clerk_sector)  # sector 1101
    assert [
        f["properties"]["code"]
        for f in clerk.get("/api/v1/orgunits.geojson", {"level": "sector"}).json()["features"]
    ] == ["1101"]


def test_api_geojson_is_gzipped_for_3g(cast) -> None:
    load()
    response = client_for(cast.ngo_admin).get(
        "/api/v1/orgunits.geojson", {"level": "district"}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.content) < 40_000


def test_attribution_is_empty_for_imported_shapes_only(cast) -> None:
    services.boundaries_import(
        actor=policy.SYSTEM,
        source={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "11"},
                    "geometry": {"type": "Point", "coordinates": [30.06, -1.95]},
                }
            ],
        },
        level="district",
    )
    body = client_for(cast.ngo_admin).get("/api/v1/orgunits.geojson", {"level": "district"}).json()
    assert len(body["features"]) == 1 and body["attribution"] == ""


def test_places_map_and_about_page_credit_wasac(cast) -> None:
    load()
    client = client_for(cast.me_nyarugenge)
    assert client.get("/places/districts.geojson").json()["attribution"] == BOUNDARY_ATTRIBUTION
    home = client.get("/").content.decode()
    assert 'id="district-map"' in home and "level=district" in home and BOUNDARY_ATTRIBUTION in home
    about = client.get("/about/").content.decode()
    assert about.count(BOUNDARY_ATTRIBUTION) >= 1 and "rw-admin-boundary" in about


def test_readme_credits_the_boundaries() -> None:
    assert "© WASAC Ltd., CC BY 4.0" in (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert "© WASAC Ltd., CC BY 4.0" in (DATA_DIR / "README.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# scripts/vendor_geo.py --check


@pytest.fixture
def vendor_geo() -> ModuleType:
    scripts = str(PROJECT_DIR / "scripts")
    sys.path.insert(0, scripts)
    try:
        spec = importlib.util.spec_from_file_location(
            "vendor_geo_under_test", PROJECT_DIR / "scripts" / "vendor_geo.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(scripts)


def test_vendor_geo_check_passes_on_the_shipped_files(vendor_geo: ModuleType, capsys) -> None:
    assert vendor_geo.main(["--check"]) == 0
    assert "match the lock and validate" in capsys.readouterr().out
    sizes = {level: (DATA_DIR / f"rwanda-{level}s.geojson").stat().st_size for level in EXPECTED}
    assert sizes["district"] < 150 * 1024 and sizes["sector"] < 1024 * 1024  # 3G budget, see the README


def test_vendor_geo_check_fails_on_a_changed_file(
    vendor_geo: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    import vendor_static

    data = tmp_path / "amahoro" / "geo" / "data"
    shutil.copytree(DATA_DIR, data)
    monkeypatch.setattr(vendor_static, "ROOT", tmp_path)
    monkeypatch.setattr(vendor_geo, "DATA_DIR", data)
    assert vendor_geo.main(["--check"]) == 0
    path = data / "rwanda-districts.geojson"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"name":"Gasabo"', '"name":"Gasabu"'), encoding="utf-8"
    )
    assert vendor_geo.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "rwanda-districts.geojson differs from the lock" in err and "district 12: name 'Gasabu'" in err


def test_vendor_geo_validate_rejects_clockwise_rings_and_missing_units(vendor_geo: ModuleType) -> None:
    shipped = json.loads((DATA_DIR / "rwanda-districts.geojson").read_text(encoding="utf-8"))
    vendor_geo.validate(shipped, "district")
    flipped = json.loads(json.dumps(shipped))
    ring = flipped["features"][0]["geometry"]["coordinates"][0]
    ring.reverse()
    with pytest.raises(vendor_geo.VendorError, match="RFC 7946"):
        vendor_geo.validate(flipped, "district")
    short = {**shipped, "features": shipped["features"][1:]}
    with pytest.raises(vendor_geo.VendorError, match="29 features"):
        vendor_geo.validate(short, "district")
