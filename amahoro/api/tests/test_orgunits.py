"""/api/v1/orgunits: lists, detail, children and GeoJSON, narrowed to the user's part of the hierarchy."""

from __future__ import annotations

import pytest

from amahoro.geo.models import OrgUnit

from .conftest import api_as, assert_error

SQUARE = {"type": "Polygon", "coordinates": [[[30.0, -1.9], [30.1, -1.9], [30.1, -2.0], [30.0, -1.9]]]}


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [u["code"] for u in response.json()["results"]]


# --- national users ----------------------------------------------------------------------------------


def test_national_user_gets_all_30_districts_on_one_page(cast) -> None:
    body = api_as(cast.ngo_admin).get("/api/v1/orgunits?level=district").json()
    assert body["count"] == 30
    assert len(body["results"]) == 30
    assert body["next"] is None and body["previous"] is None


def test_national_user_gets_all_416_sectors_on_one_page(cast) -> None:
    body = api_as(cast.sysadmin).get("/api/v1/orgunits", {"level": "sector"}).json()
    assert body["count"] == 416
    assert len(body["results"]) == 416


def test_list_item_shape(cast) -> None:
    results = (
        api_as(cast.ngo_admin)
        .get("/api/v1/orgunits", {"level": "district", "q": "Nyarugenge"})
        .json()["results"]
    )
    assert results == [
        {
            "code": "11",
            "name": "Nyarugenge",
            "name_en": "Nyarugenge",
            "name_fr": "",
            "name_rw": "Nyarugenge",
            "level": "district",
            "parent": "1",
            "path": "/RW/1/11/",
            "iso_code": "",
            "opened_on": None,
            "closed_on": None,
            "latitude": None,
            "longitude": None,
            "has_geometry": False,
        }
    ]


def test_country_has_no_parent(cast) -> None:
    results = api_as(cast.ngo_admin).get("/api/v1/orgunits", {"level": "country"}).json()["results"]
    assert [(u["code"], u["parent"]) for u in results] == [("RW", None)]


def test_filter_by_parent_and_search(cast) -> None:
    client = api_as(cast.ngo_admin)
    assert len(_codes(client.get("/api/v1/orgunits", {"parent": "11"}))) == 10
    assert _codes(client.get("/api/v1/orgunits", {"level": "district", "q": "gasa"})) == ["12"]


def test_pagination_with_page_size(cast) -> None:
    client = api_as(cast.ngo_admin)
    first = client.get("/api/v1/orgunits", {"level": "district", "page_size": 7}).json()
    assert first["count"] == 30 and len(first["results"]) == 7
    assert "page=2" in first["next"]
    last = client.get("/api/v1/orgunits", {"level": "district", "page_size": 7, "page": 5}).json()
    assert len(last["results"]) == 2 and last["next"] is None
    assert (
        client.get("/api/v1/orgunits", {"level": "district", "page_size": 7, "page": "last"}).status_code
        == 200
    )


# --- scoping to the user's part of the hierarchy -----------------------------------------------------


def test_district_user_lists_only_their_district(cast) -> None:
    client = api_as(cast.me_nyarugenge)
    assert _codes(client.get("/api/v1/orgunits", {"level": "district"})) == ["11"]
    sectors = _codes(client.get("/api/v1/orgunits", {"level": "sector"}))
    assert len(sectors) == 10 and all(c.startswith("11") for c in sectors)
    assert _codes(client.get("/api/v1/orgunits", {"parent": "12"})) == []
    assert _codes(client.get("/api/v1/orgunits", {"level": "district", "q": "Gasabo"})) == []
    assert _codes(client.get("/api/v1/orgunits", {"level": "province"})) == []  # ancestors are not theirs


def test_district_user_cannot_read_another_district(cast) -> None:
    client = api_as(cast.me_nyarugenge)
    assert client.get("/api/v1/orgunits/11").json()["code"] == "11"
    assert client.get("/api/v1/orgunits/110101").status_code == 200
    for code in ("12", "1201", "1", "RW"):
        assert_error(client.get(f"/api/v1/orgunits/{code}"), 404)
        assert_error(client.get(f"/api/v1/orgunits/{code}/children"), 404)


def test_missing_and_forbidden_look_the_same(cast) -> None:
    client = api_as(cast.me_nyarugenge)
    assert client.get("/api/v1/orgunits/12").json() == client.get("/api/v1/orgunits/NOPE").json()


def test_same_role_other_district_sees_the_mirror_image(cast) -> None:
    client = api_as(cast.me_gasabo)
    assert _codes(client.get("/api/v1/orgunits", {"level": "district"})) == ["12"]
    assert_error(client.get("/api/v1/orgunits/11"), 404)


def test_sector_clerk_sees_only_their_sector(cast) -> None:
    client = api_as(cast.clerk_sector)
    assert _codes(client.get("/api/v1/orgunits", {"level": "sector"})) == ["1101"]
    assert_error(client.get("/api/v1/orgunits/1102"), 404)


def test_user_without_role_gets_an_empty_list_and_404(cast) -> None:
    client = api_as(cast.nobody)
    assert client.get("/api/v1/orgunits").json()["count"] == 0
    assert_error(client.get("/api/v1/orgunits/11"), 404)
    assert_error(client.get("/api/v1/orgunits/11/children"), 404)
    assert client.get("/api/v1/orgunits.geojson").json()["features"] == []


# --- children ----------------------------------------------------------------------------------------


def test_children_with_counts(cast) -> None:
    body = api_as(cast.me_nyarugenge).get("/api/v1/orgunits/11/children").json()
    assert body["count"] == 10
    first = body["results"][0]
    assert first["parent"] == "11" and first["level"] == "sector"
    assert first["child_count"] == OrgUnit.objects.get(code=first["code"]).children.count() > 0


def test_children_of_a_village_are_empty(cast) -> None:
    village = OrgUnit.objects.filter(level__code="village", path__startswith="/RW/1/11/").first()
    assert api_as(cast.me_nyarugenge).get(f"/api/v1/orgunits/{village.code}/children").json()["count"] == 0


# --- geometry and GeoJSON ----------------------------------------------------------------------------


@pytest.fixture
def boundaries(cast) -> None:
    OrgUnit.objects.filter(code__in=["11", "12"]).update(geometry=SQUARE)


def test_detail_geometry_only_on_request(cast, boundaries) -> None:
    client = api_as(cast.me_nyarugenge)
    plain = client.get("/api/v1/orgunits/11").json()
    assert plain["has_geometry"] is True and "geometry" not in plain
    assert client.get("/api/v1/orgunits/11", {"geometry": "true"}).json()["geometry"] == SQUARE
    assert "geometry" not in client.get("/api/v1/orgunits/11", {"geometry": "false"}).json()
    listed = client.get("/api/v1/orgunits", {"level": "district"}).json()["results"]
    assert listed[0]["has_geometry"] is True and "geometry" not in listed[0]


def test_geojson_has_only_visible_units(cast, boundaries) -> None:
    national = api_as(cast.ngo_admin).get("/api/v1/orgunits.geojson", {"level": "district"}).json()
    assert national["type"] == "FeatureCollection"
    assert sorted(f["properties"]["code"] for f in national["features"]) == ["11", "12"]
    district = api_as(cast.me_nyarugenge).get("/api/v1/orgunits.geojson").json()
    assert [f["properties"]["code"] for f in district["features"]] == ["11"]
    assert district["features"][0]["geometry"] == SQUARE


# --- bad parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "distrct"}, "level"),
        ({"parent": "../etc"}, "parent"),
        ({"parent": "99999999"}, "parent"),
        ({"q": "x" * 101}, "q"),
        ({"levle": "district"}, "levle"),
        ({"level": "district", "sort": "name"}, "sort"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page_size": "lots"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"include_closed": "maybe"}, "include_closed"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(cast, params, field) -> None:
    assert_error(api_as(cast.ngo_admin).get("/api/v1/orgunits", params), 400, field)


def test_typo_gets_a_suggestion(cast) -> None:
    body = assert_error(api_as(cast.ngo_admin).get("/api/v1/orgunits", {"levle": "district"}), 400, "levle")
    assert "level" in body["error"]


def test_page_past_the_end_is_404_naming_page(cast) -> None:
    assert_error(
        api_as(cast.ngo_admin).get("/api/v1/orgunits", {"level": "district", "page": 2}), 404, "page"
    )


def test_page_size_is_capped(cast) -> None:
    body = api_as(cast.ngo_admin).get("/api/v1/orgunits", {"level": "sector", "page_size": 10**9}).json()
    assert len(body["results"]) == 416


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/orgunits/11", {"geometry": "perhaps"}, "geometry"),
        ("/api/v1/orgunits/11", {"level": "district"}, "level"),
        ("/api/v1/orgunits/11/children", {"page": "x"}, "page"),
        ("/api/v1/orgunits/11/children", {"q": "x"}, "q"),
        ("/api/v1/orgunits.geojson", {"level": "distrct"}, "level"),
        ("/api/v1/orgunits.geojson", {"lvl": "district"}, "lvl"),
    ],
)
def test_bad_parameters_elsewhere_are_400(cast, url, params, field) -> None:
    assert_error(api_as(cast.ngo_admin).get(url, params), 400, field)


def test_closed_units_can_be_left_out(cast) -> None:
    from datetime import date

    OrgUnit.objects.filter(code="1101").update(closed_on=date(2024, 1, 1))
    client = api_as(cast.me_nyarugenge)
    assert "1101" in _codes(client.get("/api/v1/orgunits", {"level": "sector"}))
    assert "1101" not in _codes(
        client.get("/api/v1/orgunits", {"level": "sector", "include_closed": "false"})
    )
