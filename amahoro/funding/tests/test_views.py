"""Funding pages and the summary API: who sees what, and refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from amahoro import policy
from amahoro.frameworks.models import Node
from amahoro.funding import services
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(cast: Any, nap: Any, rates: None) -> Any:
    node = Node.objects.get(framework=nap, code="P2.O1")
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=cast.ngo,
        node=node,
        amount="7777777",
        currency="RWF",
        fiscal_year="2024July",
    )
    services.transaction_create(
        actor=policy.SYSTEM,
        organisation=cast.ngo,
        node=node,
        kind="disbursement",
        amount="1000",
        currency="USD",
        date=date(2024, 9, 1),
    )
    return cast


def test_overview_shows_pillars_and_agencies(figures: Any) -> None:
    r = client_for(figures.me_gasabo).get("/funding/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-node="P2"' in body and 'data-agency="NGO1"' in body
    assert "7,777,777" in body
    assert 'id="funding-chart-data"' in body


def test_overview_other_organisation_does_not_see_figures(figures: Any) -> None:
    r = client_for(figures.police_me_nyarugenge).get("/funding/")
    assert r.status_code == 200
    assert "7,777,777" not in r.content.decode()
    assert 'data-agency="NGO1"' not in r.content.decode()


def test_overview_bad_currency_is_400_with_message(figures: Any) -> None:
    r = client_for(figures.me_gasabo).get("/funding/?currency=XYZ")
    assert r.status_code == 400
    assert "unknown currency" in r.content.decode()


def test_overview_refusals(figures: Any) -> None:
    assert Client().get("/funding/").status_code == 302
    assert client_for(figures.nobody).get("/funding/").status_code == 403
    assert client_for(figures.me_gasabo).get("/funding/?framework=NOPE").status_code == 404


def test_summary_api(figures: Any, api_client: Any) -> None:
    assert api_client.get("/api/v1/funding/summary?framework=RW-NAP1325-2018").status_code == 401
    api_client.force_authenticate(figures.nobody)
    assert api_client.get("/api/v1/funding/summary?framework=RW-NAP1325-2018").status_code == 403
    api_client.force_authenticate(figures.ngo_admin)
    body = api_client.get("/api/v1/funding/summary?framework=RW-NAP1325-2018&currency=RWF").json()
    p2 = next(n for n in body["nodes"] if n["node_code"] == "P2")
    assert (p2["planned"], p2["disbursed"], p2["burn_rate"]) == (7_777_777.0, 1_300_000.0, 0.0)
    assert body["agencies"][0]["organisation"] == "NGO1"
    api_client.force_authenticate(figures.police_me_nyarugenge)
    police = api_client.get("/api/v1/funding/summary?framework=RW-NAP1325-2018").json()
    assert police["total"]["planned"] == 0.0
    bad = api_client.get("/api/v1/funding/summary?framework=RW-NAP1325-2018&currency=EURO")
    assert bad.status_code == 400 and bad.json()["field"] == "currency"
    assert api_client.get("/api/v1/funding/summary").json()["field"] == "framework"


def test_rates_api(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    refused = api_client.post(
        "/api/v1/funding/rates", {"currency": "USD", "rate": "1300", "valid_from": "2024-01-01"}
    )
    assert refused.status_code == 403
    api_client.force_authenticate(cast.sysadmin)
    ok = api_client.post(
        "/api/v1/funding/rates", {"currency": "USD", "rate": "1300", "valid_from": "2024-01-01"}
    )
    assert ok.status_code == 201
    bad = api_client.post(
        "/api/v1/funding/rates", {"currency": "USD", "rate": "1300", "valid_from": "01/01/2024"}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "valid_from"
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert api_client.get("/api/v1/funding/rates").json()["rates"][0]["rate"] == "1300.0000000000"


def test_iati_page_refusals_and_queue(cast: Any, nap: Any) -> None:
    assert Client().get("/funding/iati/").status_code == 302
    assert client_for(cast.nobody).get("/funding/iati/").status_code == 403
    viewer = client_for(cast.viewer_nyarugenge)
    assert viewer.get("/funding/iati/").status_code == 200
    assert viewer.post("/funding/iati/", {}).status_code == 403
    assert b'id="iati-form"' not in viewer.get("/funding/iati/").content
    assert b'id="iati-form"' in client_for(cast.ngo_admin).get("/funding/iati/").content


def test_nav_link(cast: Any) -> None:
    assert b'href="/funding/"' in client_for(cast.viewer_nyarugenge).get("/").content
    assert b'href="/funding/"' not in client_for(cast.nobody).get("/").content


def test_rule_form_on_iati_page(cast: Any, nap: Any) -> None:
    from amahoro.funding.models import MappingRule

    node = Node.objects.get(framework=nap, code="P3.O2")
    c = client_for(cast.ngo_admin)
    r = c.post(
        "/funding/iati/rules/",
        {"kind": "keyword", "value": "Isange", "node": str(node.uuid), "organisation": "NGO1"},
    )
    assert r.status_code == 302
    assert MappingRule.objects.get().organisation == cast.ngo
    page = c.get("/funding/iati/").content.decode()
    assert 'id="iati-rules"' in page and "Isange" in page
    # a shared rule is for system administrators: refused with a message, nothing saved
    c.post(
        "/funding/iati/rules/",
        {"kind": "keyword", "value": "police", "node": str(node.uuid), "organisation": ""},
    )
    assert MappingRule.objects.count() == 1
    assert client_for(cast.viewer_nyarugenge).post("/funding/iati/rules/", {}).status_code == 403


def test_malformed_node_ids_are_not_found(cast: Any, nap: Any) -> None:
    c = client_for(cast.ngo_admin)
    r = c.post(
        "/funding/iati/rules/",
        {"kind": "keyword", "value": "x", "node": "not-a-uuid", "organisation": "NGO1"},
    )
    assert r.status_code == 302  # back to the page with "Choose a framework node."
    import uuid

    assert c.post(f"/funding/iati/{uuid.uuid4()}/map/", {"node": "zzz"}).status_code == 404


def test_iati_page_hostile_file_is_400_with_message(cast: Any, nap: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><iati-activities version="2.03">&x;</iati-activities>'
    r = client_for(cast.ngo_admin).post("/funding/iati/", {"file": SimpleUploadedFile("x.xml", xxe)})
    assert r.status_code == 400
    assert "DTD or entities" in r.content.decode()
    assert "root:" not in r.content.decode()
