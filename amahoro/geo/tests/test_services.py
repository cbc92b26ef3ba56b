"""Place hierarchy services: Rwanda's reference load, org units with validity dates, boundaries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import ValidationFailed
from amahoro.geo import services
from amahoro.geo.models import OrgUnit, ancestor_paths

pytestmark = pytest.mark.django_db


def polygon(lon: float, lat: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.2], [lon, lat + 0.2], [lon, lat]]],
    }


def collection(*features: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }


def test_rwanda_load_again_creates_and_updates_nothing() -> None:
    result = services.rwanda_load(actor=policy.SYSTEM)
    assert result.created == {} and result.updated == {}
    event = AuditEvent.objects.filter(action="import", object_type="geo.orgunit").first()
    assert event is not None and "NISR" in event.message


def test_rwanda_rows_derive_nisr_codes_from_village_codes() -> None:
    rows = services._rwanda_rows()
    by_level: dict[str, int] = {}
    for row in rows:
        by_level[row["level"]] = by_level.get(row["level"], 0) + 1
    assert by_level == {"province": 5, "district": 30, "sector": 416, "cell": 2148, "village": 14816}
    village = next(r for r in rows if r["level"] == "village")
    assert len(village["code"]) == 8 and village["parent"] == village["code"][:6]


def test_hierarchy_paths_and_names() -> None:
    village = OrgUnit.objects.filter(level__code="village", code__startswith="1101").order_by("code").first()
    assert village is not None
    assert village.path == f"/RW/1/11/1101/{village.code[:6]}/{village.code}/"
    assert village.depth == 6
    assert village.ancestor_codes == ["RW", "1", "11", "1101", village.code[:6]]
    assert ancestor_paths("/RW/1/11/") == ["/RW/", "/RW/1/", "/RW/1/11/"]
    kigali = OrgUnit.objects.get(code="1")
    assert (kigali.name_fr, kigali.name_rw) == ("Ville de Kigali", "Umujyi wa Kigali")
    assert (
        OrgUnit.objects.descendants_of(OrgUnit.objects.get(code="11")).filter(level__code="sector").count()
        == 10
    )


def test_orgunit_create_computes_the_path_and_audits() -> None:
    sector = OrgUnit.objects.get(code="1101")
    unit = services.orgunit_create(
        actor=policy.SYSTEM,
        code="11019901",
        name="New village",
        level=services.level_get("village"),
        parent=sector,
        opened_on=dt.date(2025, 1, 1),
    )
    assert unit.path == "/RW/1/11/1101/11019901/"
    assert AuditEvent.objects.filter(
        action="create", object_type="geo.orgunit", object_id=str(unit.pk)
    ).exists()
    with pytest.raises(ValidationFailed, match="already exists") as exc:
        services.orgunit_create(
            actor=policy.SYSTEM,
            code="11019901",
            name="Again",
            level=services.level_get("village"),
            parent=sector,
        )
    assert exc.value.field == "code"


def test_orgunit_close_keeps_history() -> None:
    sector = OrgUnit.objects.get(code="1101")
    old = services.orgunit_create(
        actor=policy.SYSTEM,
        code="OLD1",
        name="Old",
        level=services.level_get("cell"),
        parent=sector,
        opened_on=dt.date(2010, 1, 1),
    )
    new = services.orgunit_create(
        actor=policy.SYSTEM,
        code="NEW1",
        name="New",
        level=services.level_get("cell"),
        parent=sector,
        opened_on=dt.date(2024, 1, 1),
    )
    with pytest.raises(ValidationFailed, match="after the opening date"):
        services.orgunit_close(actor=policy.SYSTEM, unit=old, closed_on=dt.date(2009, 1, 1))
    services.orgunit_close(actor=policy.SYSTEM, unit=old, closed_on=dt.date(2024, 1, 1), replaced_by=new)
    old.refresh_from_db()
    assert (
        old.replaced_by == new
        and not old.is_active_on(dt.date(2024, 6, 1))
        and old.is_active_on(dt.date(2020, 1, 1))
    )
    valid_2020 = set(
        OrgUnit.objects.filter(code__in=["OLD1", "NEW1"])
        .valid_on(dt.date(2020, 1, 1))
        .values_list("code", flat=True)
    )
    assert valid_2020 == {"OLD1"}


def test_level_get_and_org_unit_by_code_errors() -> None:
    from amahoro.geo.selectors import org_unit_by_code

    with pytest.raises(ValidationFailed, match="unknown level 'county'") as exc:
        services.level_get("county")
    assert exc.value.field == "level"
    with pytest.raises(ValidationFailed, match="unknown org unit 'XX'") as unknown:
        org_unit_by_code("XX")
    assert unknown.value.field == "org_unit"
    assert org_unit_by_code("43").name == "Musanze"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kigali City", "kigali"),
        ("Musanze District", "musanze"),
        ("Southern Province", "southern"),
        ("Nyarugenge", "nyarugenge"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert services.normalise_name(raw) == expected


def test_boundaries_by_code_with_prefix_from_a_dict() -> None:
    result = services.boundaries_import(
        actor=policy.SYSTEM,
        source=collection(({"ADM2": "11"}, polygon(30.0, -2.0))),
        level="district",
        code_property="ADM2",
        code_prefix="",
    )
    assert result.matched == ["11"]
    result = services.boundaries_import(
        actor=policy.SYSTEM,
        source=collection(({"n": "01"}, polygon(30.0, -2.0))),
        level="sector",
        code_property="n",
        code_prefix="11",
    )
    assert result.matched == ["1101"]
    unit = OrgUnit.objects.get(code="1101")
    assert unit.latitude == pytest.approx(-2.0 + 0.08) and unit.longitude == pytest.approx(30.0 + 0.08)


def test_boundaries_by_name_ignore_accents_case_and_suffixes() -> None:
    data = json.dumps(
        collection(
            ({"name": "KIGALI CITY"}, polygon(30.0, -2.0)),
            (
                {"name": "Northern Province"},
                {"type": "MultiPolygon", "coordinates": [polygon(29.6, -1.6)["coordinates"]]},
            ),
            ({"name": "Atlantis"}, polygon(1, 1)),
        )
    ).encode()
    result = services.boundaries_import(actor=policy.SYSTEM, source=data, level="province", match="name")
    assert sorted(result.matched) == ["1", "4"]
    assert result.unmatched == [
        {"feature": 3, "value": "Atlantis", "reason": "no province with name 'Atlantis'"}
    ]


def test_boundaries_point_geometry_sets_the_coordinates() -> None:
    services.boundaries_import(
        actor=policy.SYSTEM,
        source=collection(({"id": "12"}, {"type": "Point", "coordinates": [30.1, -1.9]})),
        level="district",
    )
    unit = OrgUnit.objects.get(code="12")
    assert (unit.latitude, unit.longitude) == (-1.9, 30.1)


def test_boundaries_bad_arguments() -> None:
    with pytest.raises(ValidationFailed, match="match must be") as exc:
        services.boundaries_import(actor=policy.SYSTEM, source=collection(), level="district", match="shape")
    assert exc.value.field == "match"
    with pytest.raises(ValidationFailed, match="FeatureCollection"):
        services.boundaries_import(actor=policy.SYSTEM, source=b"[]", level="district")
    with pytest.raises(ValidationFailed, match="not valid JSON"):
        services.boundaries_import(actor=policy.SYSTEM, source=b"\xff\xfe", level="district")


def test_failed_import_changes_nothing() -> None:
    before = OrgUnit.objects.filter(geometry__isnull=False).count()
    with pytest.raises(ValidationFailed):
        services.boundaries_import(
            actor=policy.SYSTEM, source={"type": "FeatureCollection"}, level="district"
        )
    assert OrgUnit.objects.filter(geometry__isnull=False).count() == before
    assert not AuditEvent.objects.filter(object_repr="district boundaries").exists()


def test_a_missing_actor_is_refused_and_the_system_actor_is_audited_as_system() -> None:
    from amahoro.core.errors import PermissionDenied

    village = services.level_get("village")
    sector = OrgUnit.objects.get(code="1101")
    refusals = (
        lambda: services.rwanda_load(actor=None),  # type: ignore[arg-type]
        lambda: services.orgunit_create(actor=None, code="X1", name="X", level=village, parent=sector),  # type: ignore[arg-type]
        lambda: services.orgunit_close(actor=None, unit=sector, closed_on=dt.date(2030, 1, 1)),  # type: ignore[arg-type]
        lambda: services.boundaries_import(actor=None, source=collection(), level="district"),  # type: ignore[arg-type]
    )
    for call in refusals:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.code == "no_actor"
    assert not OrgUnit.objects.filter(code="X1").exists()
    assert OrgUnit.objects.get(code="1101").closed_on is None
    unit = services.orgunit_create(actor=policy.SYSTEM, code="X1", name="X", level=village, parent=sector)
    event = AuditEvent.objects.get(object_type="geo.orgunit", object_id=str(unit.pk))
    assert event.actor is None and event.actor_username == ""
