"""The place pages: tree (htmx partials), search, a place's page, the district map and its GeoJSON."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client

from amahoro import policy
from amahoro.geo.services import boundaries_import
from conftest import assert_login_redirect, assert_page_ok, client_for

pytestmark = pytest.mark.django_db

BOUNDARIES = "/work/shared/reference/rw-admin-boundary/{province}/district.geojson"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def kigali_shapes(db) -> list[str]:
    """Geometries of Kigali's three districts (11 Nyarugenge, 12 Gasabo, 13 Kicukiro)."""
    return boundaries_import(
        actor=policy.SYSTEM, source=BOUNDARIES.format(province=1), level="district"
    ).matched


@pytest.mark.parametrize(
    "url",
    [
        "/places/",
        "/places/map/",
        "/places/search?q=gasabo",
        "/places/11/",
        "/places/11/children",
        "/places/districts.geojson",
    ],
)
def test_anonymous_is_sent_to_login(url: str) -> None:
    assert_login_redirect(Client().get(url))


@pytest.mark.parametrize(
    "url", ["/places/", "/places/map/", "/places/search?q=x", "/places/districts.geojson"]
)
def test_user_without_place_role_is_refused(cast, url: str) -> None:
    assert client_for(cast.nobody).get(url).status_code == 403


def test_tree_starts_at_the_users_subtree(cast) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/places/"))
    assert 'id="place-tree"' in html and 'data-code="11"' in html
    assert 'data-code="RW"' not in html and 'data-code="12"' not in html
    assert 'hx-get="/places/11/children"' in html and 'hx-trigger="toggle once"' in html


def test_national_user_tree_starts_at_rwanda(cast) -> None:
    html = client_for(cast.ngo_admin).get("/places/").content.decode()
    assert 'data-code="RW"' in html


def test_children_partial_lists_children(cast) -> None:
    c = client_for(cast.me_nyarugenge)
    response = c.get("/places/11/children", **HTMX)
    html = assert_page_ok(response)
    assert "<html" not in html and 'data-code="1101"' in html and html.count("<details") == 10  # 10 sectors
    assert c.get("/places/11/children").status_code == 302  # without htmx: the place's page


def test_children_of_a_place_outside_the_scope_is_404(cast) -> None:
    c = client_for(cast.me_nyarugenge)
    assert c.get("/places/12/children", **HTMX).status_code == 404
    assert c.get("/places/RW/children", **HTMX).status_code == 404


def test_search_partial_and_full_page(cast) -> None:
    c = client_for(cast.ngo_admin)
    partial = assert_page_ok(c.get("/places/search?q=Kimironko", **HTMX))
    assert "<html" not in partial and 'href="/places/1209/"' in partial and "Gasabo" in partial  # breadcrumb
    full = assert_page_ok(c.get("/places/search?q=Kimironko"))
    assert "<html" in full and 'href="/places/1209/"' in full and 'value="Kimironko"' in full


def test_search_is_narrowed_to_the_scope(cast) -> None:
    html = client_for(cast.me_nyarugenge).get("/places/search?q=Kimironko", **HTMX).content.decode()
    assert "/places/1209/" not in html and "No place matches" in html


def test_search_too_long_is_a_400_naming_the_problem(cast) -> None:
    response = client_for(cast.ngo_admin).get("/places/search?q=" + "x" * 101, **HTMX)
    assert response.status_code == 400 and "longer than 100 characters" in response.content.decode()


def test_search_results_are_escaped(cast) -> None:
    html = (
        client_for(cast.ngo_admin).get("/places/search?q=<script>alert(1)</script>", **HTMX).content.decode()
    )
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_detail_page_shows_names_codes_and_organisations(cast) -> None:
    c = client_for(cast.me_nyarugenge)
    html = assert_page_ok(c.get("/places/11/"))
    assert "Nyarugenge" in html and "<code>11</code>" in html and 'id="children-count">10<' in html
    assert "NGO1 organisation" in html and "RNP organisation" in html  # both work in district 11
    province = assert_page_ok(client_for(cast.ngo_admin).get("/places/1/"))
    assert (
        "Kigali City" in province
        and "Ville de Kigali" in province
        and "Umujyi wa Kigali" in province
        and "RW-01" in province
    )


def test_detail_breadcrumbs_show_only_visible_ancestors(cast) -> None:
    html = client_for(cast.clerk_sector).get("/places/110101/").content.decode()
    assert (
        'href="/places/1101/"' in html
        and 'href="/places/11/"' not in html
        and 'href="/places/RW/"' not in html
    )


def test_detail_outside_the_scope_is_404(cast) -> None:
    c = client_for(cast.me_nyarugenge)
    assert c.get("/places/12/").status_code == 404
    assert c.get("/places/1209/").status_code == 404
    assert c.get("/places/NOPE/").status_code == 404
    assert client_for(cast.clerk_sector).get("/places/11/").status_code == 404


def test_detail_hides_organisations_the_user_cannot_see(cast) -> None:
    from conftest import make_org

    make_org("GASABO_ONLY", areas=("12",))
    html = client_for(cast.ngo_admin).get("/places/12/").content.decode()
    assert "GASABO_ONLY organisation" in html  # NGO admin over Rwanda sees organisations working in Rwanda
    html = client_for(cast.me_gasabo).get("/places/1209/").content.decode()
    assert "GASABO_ONLY organisation" in html
    assert "GASABO_ONLY" not in client_for(cast.me_nyarugenge).get("/places/11/").content.decode()


def test_district_geojson_only_visible_districts(cast, kigali_shapes) -> None:
    assert kigali_shapes == ["11", "12", "13"]
    data = client_for(cast.me_nyarugenge).get("/places/districts.geojson").json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in data["features"]] == ["11"]
    assert data["features"][0]["properties"]["name"] == "Nyarugenge"
    coords = json.dumps(data["features"][0]["geometry"]["coordinates"])
    assert all(len(x.split(".")[-1].strip("]")) <= 5 for x in coords.split(",")[:20])  # rounded
    everything = client_for(cast.ngo_admin).get("/places/districts.geojson").json()
    assert sorted(f["properties"]["code"] for f in everything["features"]) == ["11", "12", "13"]
    assert client_for(cast.clerk_sector).get("/places/districts.geojson").json()["features"] == []


def test_district_geojson_is_gzipped_when_asked(cast, kigali_shapes) -> None:
    response = client_for(cast.ngo_admin).get("/places/districts.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["features"]


def test_map_pages_include_the_map_when_shapes_exist(cast, kigali_shapes) -> None:
    c = client_for(cast.me_nyarugenge)
    for url in ("/places/", "/places/map/"):
        html = assert_page_ok(c.get(url))
        assert (
            'id="district-map"' in html
            and 'data-geojson-url="/places/districts.geojson?level=district&amp;lang=en"' in html
        )
        assert 'data-detail-url="/places/__CODE__/"' in html and "vendor/leaflet/leaflet.js" in html


def test_map_pages_without_shapes_say_so(cast) -> None:
    html = assert_page_ok(client_for(cast.me_nyarugenge).get("/places/map/"))
    assert 'id="district-map"' not in html and "No boundaries have been imported yet" in html


def test_places_in_kinyarwanda(cast) -> None:
    c = client_for(cast.me_nyarugenge)
    c.post("/i18n/setlang/", {"language": "rw", "next": "/"})
    html = c.get("/places/").content.decode()
    assert "Ahantu" in html and "Shakisha" in html and "Akarere" in html  # level name from the database


def test_map_falls_back_to_provinces_without_district_shapes(cast) -> None:
    boundaries_import(
        actor=policy.SYSTEM,
        source="/work/shared/reference/rw-admin-boundary/province.geojson",
        level="province",
    )
    html = assert_page_ok(client_for(cast.ngo_admin).get("/places/map/"))
    assert (
        'data-geojson-url="/places/districts.geojson?level=province&amp;lang=en"' in html
        and "Map of provinces" in html
    )
    data = client_for(cast.ngo_admin).get("/places/districts.geojson?level=province").json()
    assert sorted(f["properties"]["code"] for f in data["features"]) == ["1", "2", "3", "4", "5"]
    # a district user cannot see any province, so gets no map rather than someone else's outline
    html = client_for(cast.me_gasabo).get("/places/map/").content.decode()
    assert 'id="district-map"' not in html


def test_geojson_unknown_level_is_a_400_naming_the_parameter(cast) -> None:
    response = client_for(cast.ngo_admin).get("/places/districts.geojson?level=village")
    assert response.status_code == 400 and response.json()["field"] == "level"
