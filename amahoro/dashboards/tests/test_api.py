"""/api/v1/favourites and /api/v1/dashboards: CRUD, and refusal (401 anonymous, 403 without data.view or
not the owner, 404 for what is not shared with the caller, 400 naming the field)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as
from amahoro.dashboards.models import DashboardItem, Favourite, Sharing

from .conftest import QUERY

pytestmark = pytest.mark.django_db


def create(user: Any, **body: Any) -> Any:
    return api_as(user).post("/api/v1/favourites", {"name": "View", "query": QUERY, **body}, format="json")


def test_favourite_crud(meta: Any) -> None:
    c = api_as(meta.me_nyarugenge)
    r = create(meta.me_nyarugenge, sharing="organisation", description="People reached")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["query"], body["sharing"], body["owner"], body["organisation"]) == (
        "View",
        QUERY,
        "organisation",
        "me_nyarugenge",
        "NGO1",
    )
    url = f"/api/v1/favourites/{body['id']}"
    assert c.get(url).json()["description"] == "People reached"
    assert [f["id"] for f in c.get("/api/v1/favourites").json()["favourites"]] == [body["id"]]
    r = c.patch(url, {"name": "Renamed", "sharing": "private"}, format="json")
    assert r.status_code == 200 and (r.json()["name"], r.json()["sharing"]) == ("Renamed", "private")
    assert c.delete(url).status_code == 204
    assert not Favourite.objects.exists()
    assert c.get(url).status_code == 404


def test_favourite_refusals(meta: Any) -> None:
    body = create(meta.me_nyarugenge, sharing="organisation").json()
    url = f"/api/v1/favourites/{body['id']}"
    assert api_as(None).get("/api/v1/favourites").status_code in (401, 403)
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(meta.nobody).get("/api/v1/favourites").status_code == 403
    # Another organisation: not found; a colleague sees it but may not change it.
    assert api_as(meta.police_me_nyarugenge).get(url).status_code == 404
    assert api_as(meta.police_me_nyarugenge).patch(url, {"name": "x"}, format="json").status_code == 404
    assert api_as(meta.me_gasabo).get(url).status_code == 200
    assert api_as(meta.me_gasabo).patch(url, {"name": "x"}, format="json").status_code == 403
    assert api_as(meta.me_gasabo).delete(url).status_code == 403
    # Publishing needs framework.manage.
    assert create(meta.viewer_nyarugenge, sharing="public").status_code == 403
    assert Favourite.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "named"),
    [
        ({"query": "dimension=dx:NOPE&dimension=pe:2024"}, "query", "NOPE"),
        ({"query": "dimension=dx:GBV_AWARE&dimension=pe:2024&type=radar"}, "query", "radar"),
        ({"name": ""}, "name", ""),
        ({"sharing": "friends"}, "sharing", "friends"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_favourite_bad_input_is_400_naming_the_field(
    meta: Any, body: dict[str, Any], field: str, named: str
) -> None:
    r = create(meta.me_nyarugenge, **body)
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field
    assert named in r.json()["error"]
    assert not Favourite.objects.exists()


def test_dashboard_create_get_and_add_items(meta: Any) -> None:
    c = api_as(meta.me_nyarugenge)
    fav = create(meta.me_nyarugenge).json()
    r = c.post("/api/v1/dashboards", {"name": "Board", "sharing": "organisation"}, format="json")
    assert r.status_code == 201, r.content
    board = r.json()
    assert (board["name"], board["organisation"], board["items"]) == ("Board", "NGO1", [])
    items_url = f"/api/v1/dashboards/{board['id']}/items"
    r = c.post(items_url, {"favourite": fav["id"]}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["kind"], r.json()["favourite"], r.json()["order"]) == ("favourite", fav["id"], 0)
    r = c.post(items_url, {"kind": "text", "text": "A note"}, format="json")
    assert (r.status_code, r.json()["order"]) == (201, 1)
    detail = c.get(f"/api/v1/dashboards/{board['id']}").json()
    assert [(i["kind"], i["text"]) for i in detail["items"]] == [("favourite", ""), ("text", "A note")]
    assert [d["id"] for d in c.get("/api/v1/dashboards").json()["dashboards"]] == [board["id"]]


def test_dashboard_refusals(meta: Any) -> None:
    c = api_as(meta.me_nyarugenge)
    board = c.post("/api/v1/dashboards", {"name": "Board", "sharing": "organisation"}, format="json").json()
    url = f"/api/v1/dashboards/{board['id']}"
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(meta.police_me_nyarugenge).get(url).status_code == 404
    assert (
        api_as(meta.police_me_nyarugenge).post(f"{url}/items", {"kind": "due"}, format="json").status_code
        == 404
    )
    # A colleague sees it but does not own it.
    assert api_as(meta.me_gasabo).get(url).status_code == 200
    assert api_as(meta.me_gasabo).post(f"{url}/items", {"kind": "due"}, format="json").status_code == 403
    # Someone else's private favourite cannot be added: 404 naming the field.
    private = create(meta.me_gasabo).json()
    r = c.post(f"{url}/items", {"favourite": private["id"]}, format="json")
    assert (r.status_code, r.json()["field"]) == (404, "favourite")
    r = c.post(f"{url}/items", {"kind": "text"}, format="json")
    assert (r.status_code, r.json()["field"]) == (400, "text")
    r = c.post(f"{url}/items", {"favourite": "not-a-uuid"}, format="json")
    assert (r.status_code, r.json()["field"]) == (400, "favourite")
    assert api_as(meta.nobody).post("/api/v1/dashboards", {"name": "x"}, format="json").status_code == 403
    r = c.post("/api/v1/dashboards", {"name": "x", "sharing": "everyone"}, format="json")
    assert (r.status_code, r.json()["field"]) == (400, "sharing")
    assert not DashboardItem.objects.exists()


def test_the_openapi_document_types_every_dashboards_operation(meta: Any) -> None:
    schema = api_as(meta.viewer_nyarugenge).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/favourites": {"get", "post"},
        "/api/v1/favourites/{uuid}": {"get", "patch", "delete"},
        "/api/v1/dashboards": {"get", "post"},
        "/api/v1/dashboards/{uuid}": {"get"},
        "/api/v1/dashboards/{uuid}/items": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            ok = [code for code in paths[path][method]["responses"] if code.startswith("2")]
            assert ok, (path, method)
    assert Sharing.PUBLIC.value in str(schema["components"]["schemas"]["FavouriteIn"])
