"""Routing rules kept on a page and through the API by holders of signal.configure, within their places:
list, create, edit, deactivate; clear 400s naming the field; the routing follows the rules kept there."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.warning.models import RoutingRule
from conftest import client_for, make_org, make_user

from .conftest import EwerCast, create

URL = "/api/v1/ewer/routing-rules"


@pytest.fixture
def admin_nyarugenge(ec: EwerCast) -> Any:
    """signal.configure over district 11 only (a system administrator's role held over a subtree)."""
    return make_user("admin_nyarugenge", ("system_admin", make_org("PLATFORM2", "ministry"), "11"))


def post(user: Any, data: dict[str, Any]) -> Any:
    return client_for(user).post(URL, data, content_type="application/json")


def rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"signal_type": "gbv", "org_unit": "1101", "responder": "RIB", "hours_high": 12}
    body.update(overrides)
    return body


def test_create_list_edit_deactivate_through_the_api_and_signals_follow(ec: EwerCast) -> None:
    r = post(ec.sysadmin, rule_body())
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["signal_type"] == "gbv" and out["org_unit"] == "1101" and out["responder"] == "RIB"
    assert (out["hours_immediate"], out["hours_high"], out["hours_routine"]) == (4, 12, 72)
    assert out["is_active"] is True
    assert AuditEvent.objects.filter(object_id=out["id"], action="create").exists()
    signal = create()
    assert signal.assigned_to == ec.rib
    listed = client_for(ec.sysadmin).get(URL).json()
    assert [r["id"] for r in listed] == [out["id"]]
    r = client_for(ec.sysadmin).patch(
        f"{URL}/{out['id']}", {"responder": "MAJ", "signal_type": None}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["responder"] == "MAJ" and r.json()["signal_type"] is None
    assert r.json()["hours_high"] == 12  # unchanged
    assert create(description="another").assigned_to == ec.maj
    r = client_for(ec.sysadmin).delete(f"{URL}/{out['id']}")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert RoutingRule.objects.filter(uuid=out["id"]).exists()  # kept for the history
    assert create(description="a third").assigned_to is None
    assert client_for(ec.sysadmin).get(URL, {"active": "true"}).json() == []
    assert len(client_for(ec.sysadmin).get(URL, {"active": "false"}).json()) == 1


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (rule_body(signal_type="fire"), "signal_type", "unknown signal type 'fire'"),
        (rule_body(org_unit="9999"), "org_unit", "unknown place '9999'"),
        (rule_body(responder="NOPE"), "responder", "unknown organisation 'NOPE'"),
        (rule_body(hours_high=-3), "hours_high", "at least 1 hour"),
        (rule_body(hours_routine=0), "hours_routine", "at least 1 hour"),
        (rule_body(hours_immediate=10**6), "hours_immediate", "at most"),
        (rule_body(hours_high="soon"), "hours_high", ""),
        (rule_body(colour="red"), "colour", ""),
        ({"signal_type": "gbv", "responder": "RIB"}, "org_unit", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    ec: EwerCast, body: dict[str, Any], field: str, words: str
) -> None:
    r = post(ec.sysadmin, body)
    assert r.status_code == 400, r.content
    text = str(r.json())
    assert field in text and words in text
    assert not RoutingRule.objects.exists()


def test_a_negative_hour_in_an_edit_is_refused_and_nothing_changes(ec: EwerCast) -> None:
    ident = post(ec.sysadmin, rule_body()).json()["id"]
    r = client_for(ec.sysadmin).patch(f"{URL}/{ident}", {"hours_high": -1}, content_type="application/json")
    assert r.status_code == 400 and "hours_high" in str(r.json())
    assert RoutingRule.objects.get(uuid=ident).hours_high == 12


def test_scoped_to_the_places_of_the_configure_grant(ec: EwerCast, admin_nyarugenge: Any) -> None:
    gasabo = post(ec.sysadmin, rule_body(org_unit="1201")).json()["id"]
    r = post(admin_nyarugenge, rule_body())
    assert r.status_code == 201, r.content
    mine = r.json()["id"]
    assert [x["id"] for x in client_for(admin_nyarugenge).get(URL).json()] == [mine]
    assert client_for(admin_nyarugenge).get(f"{URL}/{gasabo}").status_code == 404
    assert client_for(admin_nyarugenge).delete(f"{URL}/{gasabo}").status_code == 404
    # Neither a rule in Gasabo, nor moving one's own rule there.
    r = post(admin_nyarugenge, rule_body(org_unit="1201"))
    assert r.status_code == 403 and "org_unit" in str(r.json())
    r = client_for(admin_nyarugenge).patch(
        f"{URL}/{mine}", {"org_unit": "12"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert RoutingRule.objects.get(uuid=mine).org_unit.code == "1101"


@pytest.mark.parametrize("who", ["focal", "responder", "me_officer", "nobody"])
def test_without_signal_configure_the_api_and_pages_refuse(ec: EwerCast, who: str) -> None:
    ident = post(ec.sysadmin, rule_body()).json()["id"]
    client = client_for(getattr(ec, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, rule_body(), content_type="application/json").status_code == 403
    assert client.delete(f"{URL}/{ident}").status_code == 403
    assert client.get("/warning/routing/").status_code == 403
    assert client.post(f"/warning/routing/{ident}/active/", {"active": "0"}).status_code == 403
    assert RoutingRule.objects.get(uuid=ident).is_active


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "signal_type": "gbv",
        "org_unit": "1101",
        "responder": "RIB",
        "hours_immediate": "2",
        "hours_high": "12",
        "hours_routine": "48",
    }
    data.update(overrides)
    return data


def test_the_page_lists_creates_edits_and_deactivates(ec: EwerCast) -> None:
    client = client_for(ec.sysadmin)
    assert "/warning/routing/" in client.get("/warning/").content.decode()
    r = client.post("/warning/routing/", form())
    assert r.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.signal_type, rule.responder, rule.hours_immediate) == (ec.gbv, ec.rib, 2)
    html = client.get("/warning/routing/").content.decode()
    assert f"rule-{rule.uuid}" in html and "RIB" in html
    r = client.post(f"/warning/routing/{rule.uuid}/", form(responder="MAJ", signal_type=""))
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.responder == ec.maj and rule.signal_type is None
    r = client.post(f"/warning/routing/{rule.uuid}/active/", {"active": "0"})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    client.post(f"/warning/routing/{rule.uuid}/active/", {"active": "1"})
    rule.refresh_from_db()
    assert rule.is_active


def test_the_page_shows_each_refusal_beside_its_field(ec: EwerCast) -> None:
    client = client_for(ec.sysadmin)
    for data, marker, words in (
        (form(org_unit="9999"), "id_org_unit_errors", "unknown place"),
        (form(responder="NOPE"), "id_responder_errors", "unknown organisation"),
        (form(hours_high="-5"), "id_hours_high_errors", "at least 1 hour"),
    ):
        r = client.post("/warning/routing/", data)
        assert r.status_code == 400
        html = r.content.decode()
        assert marker in html and words in html
    assert not RoutingRule.objects.exists()


def test_the_page_is_scoped(ec: EwerCast, admin_nyarugenge: Any) -> None:
    other = post(ec.sysadmin, rule_body(org_unit="1201")).json()["id"]
    client = client_for(admin_nyarugenge)
    assert other not in client.get("/warning/routing/").content.decode()
    assert client.get(f"/warning/routing/{other}/").status_code == 404
    assert client.post(f"/warning/routing/{other}/active/", {"active": "0"}).status_code == 404
    r = client.post("/warning/routing/", form(org_unit="1201"))
    assert r.status_code == 400 and "id_org_unit_errors" in r.content.decode()
