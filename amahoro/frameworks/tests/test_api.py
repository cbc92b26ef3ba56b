"""/api/v1/frameworks and /api/v1/indicators: lists, trees, progress, links; refusal for anonymous users,
wrong roles and other organisations or districts."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.frameworks import services
from amahoro.frameworks.models import NodeLink
from amahoro.geo.models import OrgUnit

from .factories import indicator, ngo_framework, node, put

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(cast: Any, nap: Any, sex_age: None) -> Any:
    ngo_framework(cast.ngo, code="NGO1-NYA", org_unit="11")
    ngo_framework(cast.police, code="RNP-PLAN")
    put("GBV_AWARE", "1101", "2024", 45, "F_15_24")
    services.target_set(
        actor=policy.SYSTEM,
        indicator=indicator("NGO1-NYA-REACH"),
        org_unit=OrgUnit.objects.get(code="11"),
        period="2024",
        value=50,
    )
    return nap


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return [r["code"] for r in (body["results"] if isinstance(body, dict) else body)]


def test_anonymous_gets_401_everywhere(plans: Any) -> None:
    client = api_as(None)
    for url in (
        "/api/v1/frameworks",
        "/api/v1/frameworks/RW-NAP1325-2018",
        "/api/v1/frameworks/RW-NAP1325-2018/progress",
        "/api/v1/indicators",
        "/api/v1/indicators/NGO1-NYA-REACH/progress",
    ):
        assert client.get(url).status_code == 401, url
    assert client.post("/api/v1/frameworks/NGO1-NYA/links", {}, format="json").status_code == 401


def test_framework_list_is_narrowed_by_the_policy(cast: Any, plans: Any) -> None:
    assert codes(api_as(cast.me_nyarugenge).get("/api/v1/frameworks")) == ["NGO1-NYA", "RW-NAP1325-2018"]
    assert codes(api_as(cast.me_gasabo).get("/api/v1/frameworks")) == ["RW-NAP1325-2018"]
    assert codes(api_as(cast.police_me_nyarugenge).get("/api/v1/frameworks")) == [
        "RNP-PLAN",
        "RW-NAP1325-2018",
    ]
    assert len(codes(api_as(cast.sysadmin).get("/api/v1/frameworks"))) == 3
    assert codes(api_as(cast.sysadmin).get("/api/v1/frameworks?organisation=none")) == ["RW-NAP1325-2018"]
    assert_error(api_as(cast.nobody).get("/api/v1/frameworks"), 403)
    assert_error(api_as(cast.me_nyarugenge).get("/api/v1/frameworks?organsation=NGO1"), 400, "organsation")


def test_framework_detail_is_a_tree(cast: Any, plans: Any) -> None:
    r = api_as(cast.viewer_nyarugenge).get("/api/v1/frameworks/RW-NAP1325-2018")
    assert r.status_code == 200
    body = r.json()
    assert body["organisation"] is None and body["org_unit"] == "RW"
    assert [p["code"] for p in body["nodes"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert [o["code"] for o in body["nodes"][1]["children"]] == ["P2.O1", "P2.O2", "P2.O3"]
    ngo = api_as(cast.viewer_nyarugenge).get("/api/v1/frameworks/NGO1-NYA").json()
    outcome = ngo["nodes"][0]["children"][0]
    assert (
        outcome["code"] == "O1"
        and outcome["indicators"] == ["NGO1-NYA-REACH"]
        and outcome["kind"] == "outcome"
    )


def test_other_organisation_or_district_gets_404(cast: Any, plans: Any) -> None:
    assert_error(api_as(cast.police_me_nyarugenge).get("/api/v1/frameworks/NGO1-NYA"), 404)
    assert_error(api_as(cast.me_gasabo).get("/api/v1/frameworks/NGO1-NYA"), 404)
    assert_error(api_as(cast.me_gasabo).get("/api/v1/frameworks/NGO1-NYA/progress"), 404)
    assert_error(api_as(cast.me_gasabo).get("/api/v1/indicators/NGO1-NYA-REACH/progress"), 404)
    assert_error(api_as(cast.me_nyarugenge).get("/api/v1/frameworks/NOPE"), 404)


def test_framework_progress(cast: Any, plans: Any) -> None:
    r = api_as(cast.me_nyarugenge).get("/api/v1/frameworks/NGO1-NYA/progress?period=2024&org_unit=11")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["period"]["code"] == "2024" and body["org_unit"]["code"] == "11"
    outcome = body["nodes"][0]["children"][0]
    assert outcome["indicators"][0]["actual"] == 45 and outcome["indicators"][0]["target"] == 50
    assert outcome["indicators"][0]["status"] == "on_track"
    nap = api_as(cast.me_nyarugenge).get("/api/v1/frameworks/RW-NAP1325-2018/progress").json()
    assert nap["period"] == {"code": None, "start": "2018-01-01", "end": "2022-12-31"}  # the plan's span
    assert nap["org_unit"]["code"] == "11"  # the user's part of the country
    assert nap["status"] == "no_data"
    # The outcomes without data or target are counted apart (issue 17), never in an "on track" headline.
    assert nap["outcomes"]["outcomes"] >= 1
    assert (
        nap["outcomes"]["no_data"] + nap["outcomes"]["no_target"] + nap["outcomes"]["assessed"]
        == (nap["outcomes"]["outcomes"])
    )


def test_progress_parameters_are_checked(cast: Any, plans: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    assert_error(client.get("/api/v1/frameworks/NGO1-NYA/progress?period=2014W53"), 400, "period")
    assert_error(client.get("/api/v1/frameworks/NGO1-NYA/progress?org_unit=12"), 404, "org_unit")
    assert_error(client.get("/api/v1/frameworks/NGO1-NYA/progress?org_unit=NOPE"), 404, "org_unit")
    assert_error(client.get("/api/v1/frameworks/NGO1-NYA/progress?perod=2024"), 400, "perod")
    assert_error(client.get("/api/v1/indicators/NGO1-NYA-REACH/progress?breakdown=week"), 400, "breakdown")
    assert_error(
        client.get("/api/v1/indicators/NGO1-NYA-REACH/progress?breakdown=period&period_type=Fortnightly"),
        400,
        "period_type",
    )
    assert_error(
        client.get("/api/v1/indicators/NGO1-NYA-REACH/progress?period_type=Monthly"), 400, "period_type"
    )


def test_indicator_list_detail_and_progress(cast: Any, plans: Any) -> None:
    assert codes(api_as(cast.me_nyarugenge).get("/api/v1/indicators")) == ["NGO1-NYA-REACH", "NGO1-NYA-WOMEN"]
    assert codes(api_as(cast.police_me_nyarugenge).get("/api/v1/indicators")) == [
        "RNP-PLAN-REACH",
        "RNP-PLAN-WOMEN",
    ]
    assert codes(api_as(cast.sysadmin).get("/api/v1/indicators?framework=NGO1-NYA")) == [
        "NGO1-NYA-REACH",
        "NGO1-NYA-WOMEN",
    ]
    detail = api_as(cast.viewer_nyarugenge).get("/api/v1/indicators/NGO1-NYA-REACH").json()
    assert detail["numerator"] == "#{GBV_AWARE}" and detail["framework"] == "NGO1-NYA"
    assert detail["targets"] == [
        {
            "org_unit": "11",
            "period": "2024",
            "start": "2024-01-01",
            "end": "2024-12-31",
            "value": 50.0,
            "lower": None,
            "upper": None,
            "note": "",
        }
    ]
    r = api_as(cast.viewer_nyarugenge).get(
        "/api/v1/indicators/NGO1-NYA-REACH/progress?period=2024&org_unit=11&breakdown=period&period_type=Quarterly"
    )
    body = r.json()
    assert body["actual"] == 45 and body["status"] == "on_track"
    assert [p["period"] for p in body["by_period"]] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    by_district = (
        api_as(cast.sysadmin)
        .get("/api/v1/indicators/NGO1-NYA-REACH/progress?period=2024&breakdown=district")
        .json()["by_district"]
    )
    assert {d["code"]: d["actual"] for d in by_district}["11"] == 45
    assert_error(api_as(cast.nobody).get("/api/v1/indicators"), 403)


def test_link_an_ngo_outcome_to_nap_p2_o1(cast: Any, plans: Any) -> None:
    url = "/api/v1/frameworks/NGO1-NYA/links"
    body = {"source": "O1", "target": {"framework": "RW-NAP1325-2018", "node": "P2.O1"}, "note": "awareness"}
    r = api_as(cast.me_nyarugenge).post(url, body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json() == {
        "source": {"framework": "NGO1-NYA", "node": "O1"},
        "target": {"framework": "RW-NAP1325-2018", "node": "P2.O1"},
        "note": "awareness",
    }
    assert api_as(cast.me_nyarugenge).post(url, body, format="json").status_code == 200  # again: harmless
    assert (
        NodeLink.objects.filter(
            source=node("NGO1-NYA", "O1"), target=node("RW-NAP1325-2018", "P2.O1")
        ).count()
        == 1
    )
    assert api_as(cast.viewer_nyarugenge).get(url).json()[0]["target"]["node"] == "P2.O1"
    tree = api_as(cast.viewer_nyarugenge).get("/api/v1/frameworks/NGO1-NYA").json()
    assert tree["nodes"][0]["children"][0]["contributes_to"] == [
        {"framework": "RW-NAP1325-2018", "node": "P2.O1"}
    ]


def test_link_refusals_and_bad_input(cast: Any, plans: Any) -> None:
    url = "/api/v1/frameworks/NGO1-NYA/links"
    body = {"source": "O1", "target": {"framework": "RW-NAP1325-2018", "node": "P2.O1"}}
    assert_error(api_as(cast.viewer_nyarugenge).post(url, body, format="json"), 403)  # wrong role
    assert_error(api_as(cast.police_me_nyarugenge).post(url, body, format="json"), 404)  # other organisation
    assert_error(api_as(cast.me_gasabo).post(url, body, format="json"), 404)  # other district
    client = api_as(cast.me_nyarugenge)
    assert_error(client.post(url, {"target": body["target"]}, format="json"), 400, "source")
    assert_error(client.post(url, {"source": "O1", "target": "P2.O1"}, format="json"), 400, "target")
    assert_error(client.post(url, {"source": "NOPE", "target": body["target"]}, format="json"), 404, "code")
    assert_error(
        client.post(
            url, {"source": "O1", "target": {"framework": "RW-NAP1325-2018", "node": "P9"}}, format="json"
        ),
        400,
        "target",
    )
    assert_error(
        client.post(url, {"source": "O1", "target": {"framework": "RNP-PLAN", "node": "O1"}}, format="json"),
        400,
        "target",
    )
    assert_error(
        client.post(url, {"source": "O1", "target": {"framework": "NGO1-NYA", "node": "G1"}}, format="json"),
        400,
        "target",
    )
    assert not NodeLink.objects.exists()
