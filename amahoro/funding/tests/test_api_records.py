"""Budget lines, transactions and mapping rules one at a time through the API: creation, scoping, refusals
and errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.funding.models import BudgetLine, MappingRule, Transaction

pytestmark = pytest.mark.django_db

BUDGET = {"organisation": "NGO1", "framework": "RW-NAP1325-2018", "node": "P2.O1", "fiscal_year": "2024July",
          "amount": "1500000", "currency": "RWF", "published": True}  # fmt: skip
TX = {"organisation": "NGO1", "framework": "RW-NAP1325-2018", "node": "P2.O1", "kind": "expenditure",
      "date": "2024-10-01", "amount": "250000", "currency": "RWF", "org_unit": "11"}  # fmt: skip


def test_create_and_list(cast: Any, nap: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    r = api_client.post("/api/v1/funding/budget-lines", BUDGET, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["fiscal_year"], r.json()["period_end"], r.json()["published"]) == (
        "2024July",
        "2025-06-30",
        True,
    )
    api_client.force_authenticate(cast.me_nyarugenge)
    t = api_client.post("/api/v1/funding/transactions", TX, format="json")
    assert t.status_code == 201, t.content
    assert Transaction.objects.get().org_unit.code == "11"
    listed = api_client.get("/api/v1/funding/transactions?framework=RW-NAP1325-2018&node=P2.O1").json()
    assert [x["amount"] for x in listed["transactions"]] == ["250000.00"]
    # the Gasabo officer of the same NGO does not see the Nyarugenge expenditure, but sees the national budget
    api_client.force_authenticate(cast.me_gasabo)
    assert api_client.get("/api/v1/funding/transactions").json()["transactions"] == []
    assert len(api_client.get("/api/v1/funding/budget-lines").json()["budget_lines"]) == 1


def test_refusals_and_errors(cast: Any, nap: Any, api_client: Any) -> None:
    assert api_client.get("/api/v1/funding/budget-lines").status_code == 401
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert api_client.post("/api/v1/funding/budget-lines", BUDGET, format="json").status_code == 403
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.post("/api/v1/funding/transactions", TX, format="json").status_code == 403
    api_client.force_authenticate(cast.me_gasabo)
    assert (
        api_client.post("/api/v1/funding/transactions", TX, format="json").status_code == 403
    )  # district 11
    api_client.force_authenticate(cast.ngo_admin)
    bad = api_client.post("/api/v1/funding/transactions", TX | {"date": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "date"
    bad = api_client.post("/api/v1/funding/transactions", TX | {"kind": "pledge"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    bad = api_client.post("/api/v1/funding/budget-lines", BUDGET | {"currency": "RWX"}, format="json")
    assert bad.status_code == 400 and "unknown currency 'RWX'" in bad.json()["error"]
    bad = api_client.post("/api/v1/funding/budget-lines", BUDGET | {"amount": "-5"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "amount"
    bad = api_client.post("/api/v1/funding/budget-lines", BUDGET | {"funder": "NOPE"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "funder"
    assert BudgetLine.objects.count() == 0 and Transaction.objects.count() == 0


def test_mapping_rules(cast: Any, nap: Any, api_client: Any) -> None:
    rule = {"framework": "RW-NAP1325-2018", "node": "P3.O2", "kind": "keyword", "value": "Isange"}
    api_client.force_authenticate(cast.ngo_admin)
    assert api_client.post("/api/v1/funding/mapping-rules", rule, format="json").status_code == 403  # shared
    own = api_client.post("/api/v1/funding/mapping-rules", rule | {"organisation": "NGO1"}, format="json")
    assert own.status_code == 201 and own.json()["organisation"] == "NGO1"
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert (
        api_client.post(
            "/api/v1/funding/mapping-rules", rule | {"organisation": "NGO1"}, format="json"
        ).status_code
        == 403
    )
    assert api_client.get("/api/v1/funding/mapping-rules").json()["rules"] == []
    bad = api_client.post(
        "/api/v1/funding/mapping-rules", rule | {"organisation": "RNP", "kind": "colour"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    api_client.force_authenticate(cast.sysadmin)
    assert api_client.post("/api/v1/funding/mapping-rules", rule, format="json").status_code == 201
    assert MappingRule.objects.count() == 2


def test_get_and_delete_one(cast: Any, nap: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    tx = api_client.post("/api/v1/funding/transactions", TX, format="json").json()
    url = f"/api/v1/funding/transactions/{tx['id']}"
    assert api_client.get(url).json()["amount"] == "250000.00"
    api_client.force_authenticate(cast.me_gasabo)  # same NGO, other district
    assert api_client.get(url).status_code == 404
    assert api_client.delete(url).status_code == 404
    api_client.force_authenticate(cast.viewer_nyarugenge)  # sees it, may not delete it
    assert api_client.get(url).status_code == 200
    assert api_client.delete(url).status_code == 403
    api_client.force_authenticate(cast.me_nyarugenge)
    assert api_client.delete(url).status_code == 204
    assert Transaction.objects.count() == 0
    from amahoro.audit.models import AuditEvent

    assert AuditEvent.objects.filter(object_type="funding.transaction", action="delete").count() == 1


def test_bodies_and_filters_are_parsed_by_their_contract(cast: Any, nap: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    bad = api_client.post("/api/v1/funding/transactions", TX | {"colour": "red"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "colour"
    bad = api_client.post("/api/v1/funding/transactions", TX | {"published": "maybe"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "published"
    bad = api_client.post("/api/v1/funding/mapping-rules", {"node": "P1", "kind": "tag", "value": "x",
                          "priority": "high"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "priority"
    assert api_client.get("/api/v1/funding/transactions?colour=red").json()["field"] == "colour"
    assert BudgetLine.objects.count() == 0 and Transaction.objects.count() == 0
