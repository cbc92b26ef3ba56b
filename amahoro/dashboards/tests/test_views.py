"""Dashboard pages: the list, a dashboard whose items arrive lazily (each a partial fetched by htmx), the
editing forms, the visualizer's "Save as favourite" endpoint, the public data of a public favourite, the
portal's listing, and the landing dashboard on the home page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from amahoro import policy
from amahoro.dashboards import services
from amahoro.dashboards.models import DashboardItem, Favourite, ItemKind, Sharing
from amahoro.frameworks.tests.factories import put
from conftest import assert_login_redirect, assert_page_ok, client_for

from .conftest import QUERY

pytestmark = pytest.mark.django_db


def board(owner: Any, sharing: str = Sharing.ORGANISATION) -> Any:
    d = services.dashboard_create(actor=owner, name="Board", sharing=sharing)
    f = services.favourite_create(
        actor=owner, name="Reached by sex", query=QUERY, sharing=Sharing.ORGANISATION
    )
    services.dashboard_item_add(actor=owner, dashboard=d, favourite=f)
    services.dashboard_item_add(actor=owner, dashboard=d, kind=ItemKind.TEXT, text="Read **this** <b>now</b>")
    return d


def test_the_list_needs_a_sign_in_and_data_view(meta: Any) -> None:
    assert_login_redirect(Client().get("/dashboards/"))
    assert client_for(meta.nobody).get("/dashboards/").status_code == 403
    board(meta.me_nyarugenge)
    html = assert_page_ok(client_for(meta.me_gasabo).get("/dashboards/"))
    assert "Board" in html and "Reached by sex" in html
    assert "Board" not in client_for(meta.police_me_nyarugenge).get("/dashboards/").content.decode()


def test_a_dashboard_is_made_from_the_list_page(meta: Any) -> None:
    r = client_for(meta.me_nyarugenge).post("/dashboards/new", {"name": "Mine", "sharing": "private"})
    d = services.Dashboard.objects.get(name="Mine")
    assert r.status_code == 302 and r.headers["Location"] == f"/dashboards/{d.uuid}/"
    r = client_for(meta.me_nyarugenge).post("/dashboards/new", {"name": "", "sharing": "private"})
    assert r.headers["Location"] == "/dashboards/"
    assert "name is required" in " ".join(str(m) for m in get_messages(r.wsgi_request))


def test_the_dashboard_page_loads_its_items_lazily(meta: Any) -> None:
    d = board(meta.me_nyarugenge)
    html = assert_page_ok(client_for(meta.me_gasabo).get(f"/dashboards/{d.uuid}/"))
    items = list(d.items.all())
    urls = [
        u for u in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', html) if u.startswith("/dashboards/")
    ]
    assert urls == [f"/dashboards/{d.uuid}/items/{i.uuid}/" for i in items]
    # The items' content is not in the page itself: each arrives on its own request.
    assert "viz-item" not in html and "<strong>this</strong>" not in html
    assert "dashboards/dashboards.js" in html and "visualizer/viz.js" in html
    assert '<script id="viz-texts" type="application/json">{"loading": ' in html  # the renderer's words
    assert 'id="add-favourite"' not in html  # a colleague does not own it
    assert client_for(meta.police_me_nyarugenge).get(f"/dashboards/{d.uuid}/").status_code == 404


def test_an_item_endpoint_returns_the_partial(meta: Any) -> None:
    d = board(meta.me_nyarugenge)
    fav_item, text_item = list(d.items.all())
    c = client_for(meta.me_gasabo)
    html = c.get(f"/dashboards/{d.uuid}/items/{fav_item.uuid}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    query = QUERY.replace("&", "&amp;")
    assert f'<div class="viz-item" data-viz-query="{query}"></div>' in html
    assert "Reached by sex" in html and f'href="/analytics/?{query}"' in html
    text = c.get(f"/dashboards/{d.uuid}/items/{text_item.uuid}/").content.decode()
    assert "Read <strong>this</strong> &lt;b&gt;now&lt;/b&gt;" in text
    # Another organisation sees neither the dashboard nor its items.
    other = client_for(meta.police_me_nyarugenge)
    assert other.get(f"/dashboards/{d.uuid}/items/{fav_item.uuid}/").status_code == 404


def test_an_item_whose_favourite_is_private_says_so(meta: Any) -> None:
    owner = meta.me_nyarugenge
    d = services.dashboard_create(actor=owner, name="Board", sharing=Sharing.ORGANISATION)
    f = services.favourite_create(actor=owner, name="Secret view", query=QUERY)
    item = services.dashboard_item_add(actor=owner, dashboard=d, favourite=f)
    html = client_for(meta.me_gasabo).get(f"/dashboards/{d.uuid}/items/{item.uuid}/").content.decode()
    assert "not shared with you" in html and "viz-item" not in html


def test_the_owner_adds_moves_and_removes_items(meta: Any) -> None:
    owner = meta.me_nyarugenge
    d = board(owner)
    c = client_for(owner)
    page = assert_page_ok(c.get(f"/dashboards/{d.uuid}/"))
    assert 'id="add-favourite"' in page and 'id="add-text"' in page
    fav = Favourite.objects.get()
    r = c.post(f"/dashboards/{d.uuid}/items/add", {"kind": "favourite", "favourite": str(fav.uuid)})
    assert r.status_code == 302
    assert d.items.count() == 3
    r = c.post(f"/dashboards/{d.uuid}/items/add", {"kind": "favourite", "favourite": "nonsense"})
    assert "Choose one of your favourites" in " ".join(str(m) for m in get_messages(r.wsgi_request))
    first, second, third = d.items.all()
    c.post(f"/dashboards/{d.uuid}/items/{third.uuid}/move", {"direction": "up"})
    assert list(d.items.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    c.post(f"/dashboards/{d.uuid}/items/{first.uuid}/remove")
    assert list(d.items.values_list("pk", flat=True)) == [third.pk, second.pk]
    # A colleague's attempt changes nothing.
    client_for(meta.me_gasabo).post(f"/dashboards/{d.uuid}/items/{third.uuid}/remove")
    assert d.items.count() == 2


def test_save_as_favourite_goes_back_to_the_view_with_a_message(meta: Any) -> None:
    c = client_for(meta.me_nyarugenge)
    r = c.post("/dashboards/favourites/save", {"name": "Saved", "query": QUERY, "sharing": "organisation"})
    assert r.status_code == 302 and r.headers["Location"] == "/analytics/?" + QUERY
    saved = Favourite.objects.get()
    assert (saved.name, saved.query, saved.sharing, saved.owner) == (
        "Saved",
        QUERY,
        "organisation",
        meta.me_nyarugenge,
    )
    assert "Saved as favourite" in " ".join(str(m) for m in get_messages(r.wsgi_request))
    bad = "dimension=dx:NOPE&dimension=pe:2024"
    r = c.post("/dashboards/favourites/save", {"name": "Bad", "query": bad})
    assert r.headers["Location"] == "/analytics/?" + bad
    assert "NOPE" in " ".join(str(m) for m in get_messages(r.wsgi_request))
    assert Favourite.objects.count() == 1
    assert_login_redirect(Client().post("/dashboards/favourites/save", {"name": "x", "query": QUERY}))
    assert client_for(meta.me_nyarugenge).get("/dashboards/favourites/save").status_code == 405


PUBLIC_QUERY = "dimension=dx:PARTICIPANTS&dimension=pe:202401;202402&filter=ou:11&type=column&rows=pe"


def test_a_public_favourites_data_is_computed_as_the_public_reader(meta: Any) -> None:
    put("PARTICIPANTS", "1101", "202401", 5)
    put("PARTICIPANTS", "1102", "202401", 2)
    put("PARTICIPANTS", "1101", "202402", 3)
    put("PARTICIPANTS", "1201", "202402", 100)  # outside district 11
    put("PARTICIPANTS", "1103", "202401", 40, organisation=meta.ngo)  # the NGO's own: not public
    public = services.favourite_create(
        actor=meta.me_nyarugenge, name="Public", query=PUBLIC_QUERY, sharing=Sharing.PUBLIC
    )
    r = Client().get(f"/dashboards/favourites/{public.uuid}/data")
    assert r.status_code == 200, r.content
    answer = r.json()
    assert [h["name"] for h in answer["headers"]] == ["dx", "pe", "value"]
    expected = {"202401": 5 + 2, "202402": 3}  # values of no organisation inside district 11
    assert {row[1]: float(row[2]) for row in answer["rows"]} == expected
    assert answer["height"] == 2 and answer["width"] == 3
    for sharing in (Sharing.ORGANISATION, Sharing.PRIVATE):
        hidden = services.favourite_create(
            actor=meta.me_nyarugenge, name=sharing, query=PUBLIC_QUERY, sharing=sharing
        )
        assert Client().get(f"/dashboards/favourites/{hidden.uuid}/data").status_code == 404
        assert (
            client_for(meta.me_nyarugenge).get(f"/dashboards/favourites/{hidden.uuid}/data").status_code
            == 404
        )


def test_the_portal_lists_public_favourites_only(meta: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    public = services.favourite_create(
        actor=meta.me_nyarugenge, name="Women reached", query=PUBLIC_QUERY, sharing=Sharing.PUBLIC
    )
    org = services.favourite_create(
        actor=meta.me_nyarugenge, name="Internal view", query=PUBLIC_QUERY, sharing=Sharing.ORGANISATION
    )
    html = Client().get("/public/").content.decode()
    assert "Women reached" in html and "Internal view" not in html
    assert f'href="/public/views/{public.uuid}/"' in html
    page = Client().get(f"/public/views/{public.uuid}/").content.decode()
    assert f'data-viz-data="/dashboards/favourites/{public.uuid}/data"' in page
    assert "me_nyarugenge" not in page  # who saved it is not published
    assert Client().get(f"/public/views/{org.uuid}/").status_code == 404


def test_the_home_page_shows_the_landing_dashboard_lazily(meta: Any) -> None:
    nap = services.dashboard_create(
        actor=policy.SYSTEM, name="NAP overview", sharing=Sharing.ORGANISATION, landing_role="viewer"
    )
    item = services.dashboard_item_add(actor=policy.SYSTEM, dashboard=nap, kind=ItemKind.TEXT, text="Welcome")
    html = assert_page_ok(client_for(meta.viewer_nyarugenge).get("/"))
    assert 'id="landing"' in html and "NAP overview" in html
    assert f'hx-get="/dashboards/{nap.uuid}/items/{item.uuid}/"' in html
    assert 'id="my-roles"' in html  # the rest of the home page stays
    # The clerk has no landing dashboard here (none for data clerks): the home page is as before.
    assert 'id="landing"' not in client_for(meta.nobody).get("/").content.decode()
    assert DashboardItem.objects.count() == 1
