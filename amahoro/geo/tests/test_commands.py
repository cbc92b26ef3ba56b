"""load_reference and import_boundaries from the command line: counts, idempotence, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amahoro.audit.models import AuditEvent
from amahoro.geo.models import OrgUnit

pytestmark = pytest.mark.django_db
PROJECT_DIR = Path(__file__).resolve().parents[3]
BOUNDARIES = PROJECT_DIR.parent / "shared" / "reference" / "rw-admin-boundary"
needs_boundaries = pytest.mark.skipif(
    not BOUNDARIES.exists(), reason=f"reference boundaries not at {BOUNDARIES}"
)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature_collection(*features: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }


def write(tmp_path: Path, data: Any, name: str = "shapes.geojson") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


# ---------------------------------------------------------------------------------------------------------
# load_reference


def test_load_reference_rwanda_counts_and_is_idempotent() -> None:
    out = run("load_reference", "rwanda")
    assert "5 provinces, 30 districts, 416 sectors, 2148 cells, 14816 villages" in out
    assert "created 0, updated 0" in out  # the test database already holds Rwanda: nothing changes
    assert "CC BY 4.0" in out
    assert OrgUnit.objects.count() == 1 + 5 + 30 + 416 + 2148 + 14816
    run("load_reference", "rwanda")
    assert OrgUnit.objects.count() == 17416


def test_load_reference_repairs_a_changed_name() -> None:
    OrgUnit.objects.filter(code="11").update(name="Renamed")
    out = run("load_reference", "rwanda")
    assert "updated 1" in out
    assert OrgUnit.objects.get(code="11").name == "Nyarugenge"


def test_rwanda_codes_follow_nisr_and_iso() -> None:
    iso = dict(OrgUnit.objects.filter(level__code="province").values_list("code", "iso_code"))
    assert iso == {"1": "RW-01", "5": "RW-02", "4": "RW-03", "3": "RW-04", "2": "RW-05"}
    assert OrgUnit.objects.get(code="1").name == "Kigali City"
    assert OrgUnit.objects.filter(parent__code="5").count() == 7  # Eastern: 5x
    assert OrgUnit.objects.filter(parent__code="4").count() == 5  # Northern: 4x
    assert OrgUnit.objects.filter(parent__code="3").count() == 7  # Western: 3x
    assert OrgUnit.objects.filter(parent__code="2").count() == 8  # Southern: 2x
    assert OrgUnit.objects.get(code="11").name == "Nyarugenge"
    first_sector = OrgUnit.objects.filter(parent__code="11").order_by("code").first()
    assert first_sector is not None and first_sector.code == "1101"
    assert first_sector.path == "/RW/1/11/1101/"
    assert OrgUnit.objects.get(code="43").name == "Musanze"


def test_load_reference_unknown_dataset_is_an_error() -> None:
    with pytest.raises(CommandError, match=r"unknown reference data set 'atlantis'.*rwanda"):
        run("load_reference", "atlantis")


# ---------------------------------------------------------------------------------------------------------
# import_boundaries with the WASAC reference files (properties.id = NISR code)


@needs_boundaries
def test_import_province_district_and_sector_boundaries() -> None:
    out = run(
        "import_boundaries",
        str(BOUNDARIES / "province.geojson"),
        "--level",
        "province",
        "--code-property",
        "id",
    )
    assert "matched 5 features" in out
    assert "not matched" not in out
    for province in "12345":
        out = run(
            "import_boundaries",
            str(BOUNDARIES / province / "district.geojson"),
            "--level",
            "district",
            "--code-property",
            "id",
        )
        assert "not matched" not in out
    assert OrgUnit.objects.filter(level__code="district", geometry__isnull=False).count() == 30
    out = run(
        "import_boundaries",
        str(BOUNDARIES / "1" / "11" / "sector.geojson"),
        "--level",
        "sector",
        "--code-property",
        "id",
    )
    assert "matched 10 features" in out
    gitega = OrgUnit.objects.get(code="1101")
    assert gitega.geometry is not None and gitega.geometry["type"] in {"Polygon", "MultiPolygon"}
    assert gitega.latitude is not None and -3 < gitega.latitude < -1 and 28 < (gitega.longitude or 0) < 31
    assert AuditEvent.objects.filter(action="import", object_repr="sector boundaries").exists()


@needs_boundaries
def test_import_district_boundaries_by_name() -> None:
    out = run(
        "import_boundaries",
        str(BOUNDARIES / "4" / "district.geojson"),
        "--level",
        "district",
        "--match",
        "name",
    )
    assert "matched 5 features" in out
    assert OrgUnit.objects.get(code="43").geometry is not None


def test_unknown_codes_are_listed_and_nothing_else_is_touched(tmp_path: Path) -> None:
    OrgUnit.objects.filter(code="12").update(geometry=square(30.1, -1.9), latitude=-1.9, longitude=30.1)
    path = write(
        tmp_path,
        feature_collection(
            ({"id": 11}, square(30.0, -1.95)),
            ({"id": 99}, square(29.0, -2.0)),
            ({"id": "Atlantis"}, square(29.5, -2.0)),
            ({"name": "no id"}, square(29.6, -2.0)),
            ({"id": 13}, None),
        ),
    )
    out = run("import_boundaries", path, "--level", "district", "--code-property", "id")
    assert "matched 1 features" in out
    assert "4 features not matched" in out
    assert "feature 2: 99: no district with code '99'" in out
    assert 'feature 3: "Atlantis"' in out
    assert "feature 4: null: no 'id' property" in out
    assert "feature 5: 13: missing or unsupported geometry" in out
    assert OrgUnit.objects.get(code="11").geometry == square(30.0, -1.95)
    assert OrgUnit.objects.get(code="12").geometry == square(30.1, -1.9)  # untouched
    assert OrgUnit.objects.get(code="13").geometry is None
    with pytest.raises(CommandError, match="4 features not matched"):
        run("import_boundaries", path, "--level", "district", "--strict")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "Feature", "geometry": None}), "FeatureCollection"),
        (json.dumps([1, 2]), "FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": "nope"}), "FeatureCollection"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(CommandError, match=message):
        run("import_boundaries", path, "--level", "district")
    assert not OrgUnit.objects.filter(geometry__isnull=False).exists()


def test_missing_file_and_unknown_level_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="file not found"):
        run("import_boundaries", str(tmp_path / "missing.geojson"), "--level", "district")
    path = write(tmp_path, feature_collection(({"id": 11}, square(30, -2))))
    with pytest.raises(CommandError, match=r"unknown level 'county'.*district"):
        run("import_boundaries", path, "--level", "county")


def test_exit_codes_from_the_shell(tmp_path: Path) -> None:
    """The real process: an error exits 1 with the message on stderr, a bad option value exits 2."""
    path = write(tmp_path, "{not json")
    env_cmd = [sys.executable, "-m", "amahoro.manage"]
    # No database access happens before these errors, so the process can use any settings.
    result = subprocess.run(
        [*env_cmd, "import_boundaries", path, "--level", "district", "--match", "shape"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid choice: 'shape'" in result.stderr
    result = subprocess.run(
        [*env_cmd, "load_reference", "atlantis", "--skip-checks"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "CommandError: unknown reference data set 'atlantis'" in result.stderr
