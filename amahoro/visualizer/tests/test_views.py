"""The /analytics/ page and its lookups over HTTP: who may open it, and that every search answers only
within the user's grants (places by data.view scope, data elements and indicators by visibility)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from amahoro.frameworks.tests.factories import load_sex_age, ngo_framework
from conftest import assert_login_redirect, assert_page_ok, client_for

pytestmark = pytest.mark.django_db

LOOKUPS = ["/analytics/search/data?q=a", "/analytics/search/places?q=a", "/analytics/periods?year=2024"]


@pytest.fixture
def meta(cast: Any) -> Any:
    load_sex_age()
    return ngo_framework(cast.ngo)


def state_of(html: str) -> dict[str, Any]:
    m = re.search(r'<script id="viz-state" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the page embeds its state as JSON"
    return json.loads(m.group(1))


def items(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    return response.json()["items"]


def test_anonymous_is_sent_to_login(client: Any) -> None:
    assert_login_redirect(client.get("/analytics/"))
    for url in LOOKUPS:
        assert_login_redirect(client.get(url))


def test_an_account_without_data_view_is_refused(cast: Any) -> None:
    c = client_for(cast.nobody)
    assert c.get("/analytics/").status_code == 403
    for url in LOOKUPS:
        assert c.get(url).status_code == 403


def test_a_data_viewer_gets_the_page_with_the_menu_entry(cast: Any) -> None:
    html = assert_page_ok(client_for(cast.viewer_nyarugenge).get("/analytics/"))
    assert 'href="/analytics/" aria-current="page"' in html
    assert 'id="viz-builder"' in html and 'id="favourite-form"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'action="/dashboards/favourites/save"' in html
    state = state_of(html)
    assert [r["code"] for r in state["roots"]] == ["11"]
    assert "THIS_MONTH" in [r["code"] for r in state["relative"]]


def test_the_menu_offers_analytics_only_to_data_viewers(cast: Any) -> None:
    home = client_for(cast.viewer_nyarugenge).get("/").content.decode()
    assert 'href="/analytics/"' in home
    assert 'href="/analytics/"' not in client_for(cast.nobody).get("/").content.decode()


def test_place_search_stays_within_the_grants(cast: Any) -> None:
    viewer = client_for(cast.viewer_nyarugenge)  # district 11 Nyarugenge
    found = items(viewer.get("/analytics/search/places", {"q": "Nyarugenge"}))
    assert "11" in [p["code"] for p in found]
    # Gasabo (12) and its sector Kimironko are outside the viewer's district: not found.
    # (a village of Nyarugenge is also called Gasabo: that one is found, and nothing outside district 11).
    gasabo_named = items(viewer.get("/analytics/search/places", {"q": "Gasabo"}))
    assert "12" not in [p["code"] for p in gasabo_named]
    assert all(p["code"].startswith("11") for p in gasabo_named)
    assert items(viewer.get("/analytics/search/places", {"q": "Kimironko"})) == []
    # ... but found by someone whose grant covers them.
    gasabo = items(client_for(cast.me_gasabo).get("/analytics/search/places", {"q": "Kimironko"}))
    assert [p["kind"] for p in gasabo] == ["sector"] and gasabo[0]["name"].startswith("Kimironko")
    clerk = items(client_for(cast.clerk_sector).get("/analytics/search/places", {"q": "a"}))
    assert clerk and all(p["code"].startswith("1101") for p in clerk)


def test_search_text_too_long_is_a_400_naming_q(cast: Any) -> None:
    r = client_for(cast.viewer_nyarugenge).get("/analytics/search/places", {"q": "x" * 101})
    assert r.status_code == 400 and r.json()["field"] == "q"


def test_data_search_finds_elements_and_indicators_by_name(cast: Any, meta: Any) -> None:
    found = items(client_for(cast.me_nyarugenge).get("/analytics/search/data", {"q": "reached"}))
    by_code = {d["code"]: d for d in found}
    assert by_code["GBV_AWARE"]["kind"] == "data element" and by_code["GBV_AWARE"]["additive"] is True
    assert by_code["NGO1-SP-REACH"]["kind"] == "indicator" and by_code["NGO1-SP-REACH"]["additive"] is False
    # The police's M&E officer does not see the NGO's plan indicators.
    police = items(client_for(cast.police_me_nyarugenge).get("/analytics/search/data", {"q": "reached"}))
    assert "NGO1-SP-REACH" not in [d["code"] for d in police]


def test_periods_have_readable_labels(cast: Any) -> None:
    c = client_for(cast.viewer_nyarugenge)
    quarters = items(c.get("/analytics/periods", {"type": "Quarterly", "year": "2024"}))
    assert [(p["code"], p["name"]) for p in quarters] == [
        ("2024Q1", "Q1 2024"),
        ("2024Q2", "Q2 2024"),
        ("2024Q3", "Q3 2024"),
        ("2024Q4", "Q4 2024"),
    ]
    months = items(c.get("/analytics/periods", {"type": "Monthly", "year": "2024"}))
    assert len(months) == 12 and months[2] == {"code": "202403", "name": "March 2024", "kind": "Monthly"}
    assert items(c.get("/analytics/periods", {"type": "Yearly", "year": "2024"}))[0]["name"] == "2024"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "Monthly", "year": "soon"}, "year"), ({"type": "Fortnightly", "year": "2024"}, "type")],
)
def test_bad_period_lookups_are_400_naming_the_parameter(
    cast: Any, params: dict[str, str], field: str
) -> None:
    r = client_for(cast.viewer_nyarugenge).get("/analytics/periods", params)
    assert r.status_code == 400 and r.json()["field"] == field


def test_a_shared_link_restores_names_only_within_the_readers_grants(cast: Any, meta: Any) -> None:
    url = (
        "/analytics/?dimension=dx:GBV_AWARE&dimension=pe:2024Q1;LAST_12_MONTHS&dimension=ou:11;12&type=pivot"
    )
    labels = state_of(assert_page_ok(client_for(cast.viewer_nyarugenge).get(url)))["labels"]
    assert labels["dx"]["GBV_AWARE"]["name"] == "People reached by GBV awareness sessions"
    assert labels["pe"]["2024Q1"]["name"] == "Q1 2024"
    assert labels["pe"]["LAST_12_MONTHS"]["name"] == "Last 12 months"
    assert set(labels["ou"]) == {"11"}  # Gasabo is not named to a Nyarugenge viewer
    everywhere = state_of(client_for(cast.ngo_admin).get(url).content.decode())["labels"]
    assert set(everywhere["ou"]) == {"11", "12"}


def test_items_lookup_tells_which_data_add_up(cast: Any, meta: Any) -> None:
    r = client_for(cast.me_nyarugenge).get("/analytics/items", {"dimension": "dx:GBV_AWARE;NGO1-SP-WOMEN"})
    dx = items(r)["dx"]
    assert dx["GBV_AWARE"]["additive"] is True and dx["NGO1-SP-WOMEN"]["additive"] is False
