"""IATI import: 2.03 and 1.05 files, rules and the unmapped queue, re-import without duplicates, hostile and
malformed files refused with a clear 400 and nothing saved, and the endpoint's refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from amahoro import policy
from amahoro.frameworks.models import Node
from amahoro.funding import iati, selectors, services
from amahoro.funding.models import BudgetLine, IatiActivity, Transaction
from conftest import client_for

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
FILE_203 = (DATA / "demo-donor-activities-2.03.xml").read_bytes()
FILE_105 = (DATA / "demo-donor-activities-1.05.xml").read_bytes()
URL = "/api/v1/funding/iati"


@pytest.fixture
def mapped(cast: Any, nap: Any, rates: None) -> Any:
    """Rules: DAC sector 15180 -> P2.O1; keyword "local governance" -> P1.O1."""
    services.mapping_rule_create(
        actor=policy.SYSTEM, node=Node.objects.get(framework=nap, code="P2.O1"), kind="sector", value="15180"
    )
    services.mapping_rule_create(
        actor=policy.SYSTEM,
        node=Node.objects.get(framework=nap, code="P1.O1"),
        kind="keyword",
        value="local governance",
    )
    cast.ngo.iati_identifier = "RW-RGB-DEMO-0001"
    cast.ngo.save()
    return cast


def _post(user: Any, content: bytes, name: str = "activities.xml", **extra: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client_for(user).post(URL, {"file": SimpleUploadedFile(name, content, "application/xml"), **extra})


def test_import_203_counts_skips_and_mapping(mapped: Any) -> None:
    r = _post(mapped.ngo_admin, FILE_203)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["iati_version"] == "2.03"
    assert body["organisation"] == "NGO1"
    assert body["activities"] == {"imported": 3, "updated": 0, "unchanged": 0, "skipped": 0, "removed": 0}
    # 5 + 2 + 1 transactions; the incoming funds one is skipped
    assert body["transactions"] == {"imported": 7, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    # 3 + 1 budgets; the original 2024July budget is superseded by the revised one
    assert body["budgets"] == {"imported": 3, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    reasons = {(s["activity"], s["item"]): s["reason"] for s in body["skipped"]}
    assert (
        reasons[("XM-DAC-99999-RW-GBV-2024", "transaction 5")]
        == "transaction type 1 (Incoming Funds) is not tracked"
    )
    assert reasons[("XM-DAC-99999-RW-GBV-2024", "budget 1")] == "original budget superseded by a revised one"
    assert body["unmapped"] == ["XM-DAC-99999-RW-PB-2025"]
    gbv = IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-GBV-2024")
    assert gbv.node.code == "P2.O1" and gbv.mapping_method == "rule"
    assert gbv.title.startswith("Engaging men and boys")
    assert {s["code"] for s in gbv.sectors} == {"15180", "15160"}
    assert gbv.tags[0]["code"] == "5.2"
    assert gbv.recipient_countries[0]["code"] == "RW"
    assert gbv.start == date(2024, 7, 15)
    assert IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-WPS-2025").node.code == "P1.O1"
    pb = IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-PB-2025")
    assert pb.recipient_regions[0]["code"] == "289"
    # the transaction date (its fiscal year), the value date (its exchange rate) and the default currency
    d1 = Transaction.objects.get(iati_activity=gbv, kind="disbursement", date=date(2024, 8, 5))
    assert d1.rate_date == date(2024, 8, 1) == d1.value_date
    assert (d1.currency, str(d1.amount), d1.funder_name) == ("USD", "100000.00", "Demo Donor Fund")
    assert d1.implementing_partner == mapped.ngo
    budget = BudgetLine.objects.get(iati_activity=gbv, fiscal_year="2024July")
    assert str(budget.amount) == "150000.00"


def test_transactions_appear_under_mapped_nap_nodes_and_reimport_updates(mapped: Any, nap: Any) -> None:
    assert _post(mapped.ngo_admin, FILE_203).status_code == 200
    rows = {
        r["node_code"]: r
        for r in selectors.pillar_funding_summary(framework_code=nap.code, user=mapped.sysadmin)
    }
    # P2: committed 250,000 USD at 1,300 = 325,000,000; disbursed 100,000 x 1,300 + 75,000 x 1,400 = 235,000,000;
    # spent 84,000,000 RWF; planned 150,000 x 1,300 + 130,000 x 1,400 = 377,000,000
    assert rows["P2"]["committed"] == 325_000_000.0
    assert rows["P2"]["disbursed"] == 235_000_000.0
    assert rows["P2"]["spent"] == 84_000_000.0
    assert rows["P2"]["planned"] == 377_000_000.0
    assert rows["P2"]["gap"] == 52_000_000.0
    assert rows["P2"]["burn_rate"] == round(84 / 235, 4)
    # P1 (EUR at 1,500): planned 80,000 = 120,000,000; committed 120,000,000; disbursed 60,000,000
    assert (rows["P1"]["planned"], rows["P1"]["committed"], rows["P1"]["disbursed"]) == (
        120_000_000.0, 120_000_000.0, 60_000_000.0,
    )  # fmt: skip
    counts = (IatiActivity.objects.count(), Transaction.objects.count(), BudgetLine.objects.count())
    again = _post(mapped.ngo_admin, FILE_203).json()
    assert again["activities"] == {"imported": 0, "updated": 0, "unchanged": 3, "skipped": 0, "removed": 0}
    assert again["transactions"]["imported"] == 0 and again["transactions"]["updated"] == 0
    assert again["transactions"]["unchanged"] == 7
    assert (IatiActivity.objects.count(), Transaction.objects.count(), BudgetLine.objects.count()) == counts
    assert selectors.pillar_funding_summary(framework_code=nap.code, user=mapped.sysadmin)[1] == rows["P2"]


def test_reimport_removes_transactions_no_longer_in_the_file(mapped: Any) -> None:
    _post(mapped.ngo_admin, FILE_203)
    shorter = FILE_203.replace(
        b'<value value-date="2025-02-01">75000</value>', b'<value value-date="2025-02-01">70000</value>'
    )
    body = _post(mapped.ngo_admin, shorter).json()
    assert body["transactions"]["imported"] == 1 and body["transactions"]["removed"] == 1
    assert not Transaction.objects.filter(amount=75000).exists()
    assert Transaction.objects.filter(amount=70000).count() == 1


def test_manual_mapping_from_queue_survives_reimport(mapped: Any, nap: Any) -> None:
    _post(mapped.ngo_admin, FILE_203)
    pb = IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-PB-2025")
    c = client_for(mapped.ngo_admin)
    queue = c.get("/api/v1/funding/iati/activities?unmapped=true").json()["activities"]
    assert [a["iati_identifier"] for a in queue] == ["XM-DAC-99999-RW-PB-2025"]
    r = c.post(
        f"/api/v1/funding/iati/activities/{pb.uuid}/map",
        {"framework": nap.code, "node": "P4.O1"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["mapping"] == "manual"
    assert Transaction.objects.get(iati_activity=pb).node.code == "P4.O1"
    _post(mapped.ngo_admin, FILE_203)
    pb.refresh_from_db()
    assert pb.node.code == "P4.O1" and pb.mapping_method == "manual"
    bad = c.post(
        f"/api/v1/funding/iati/activities/{pb.uuid}/map",
        {"framework": nap.code, "node": "NOPE"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "NOPE" in bad.json()["error"]


def test_map_refused_for_other_organisation(mapped: Any, nap: Any) -> None:
    _post(mapped.ngo_admin, FILE_203)
    pb = IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-PB-2025")
    r = client_for(mapped.police_me_nyarugenge).post(
        f"/api/v1/funding/iati/activities/{pb.uuid}/map", {"framework": nap.code, "node": "P4.O1"},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 404


def test_import_105(mapped: Any, nap: Any) -> None:
    body = _post(mapped.ngo_admin, FILE_105).json()
    assert body["iati_version"] == "1.05"
    assert body["activities"]["imported"] == 1
    assert body["transactions"] == {"imported": 3, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    act = IatiActivity.objects.get(iati_identifier="GB-DEMO-42-RW-ISANGE")
    assert act.title == "Support to Isange One Stop Centres"
    assert act.node.code == "P2.O1"  # DAC sector 15180
    assert act.start == date(2018, 10, 1) and act.end == date(2020, 9, 30)
    assert {po["role"] for po in act.participating_orgs} == {"funding", "implementing"}
    kinds = sorted(Transaction.objects.filter(iati_activity=act).values_list("kind", flat=True))
    assert kinds == ["commitment", "disbursement", "expenditure"]
    assert BudgetLine.objects.get(iati_activity=act).fiscal_year == "2018July"


HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><iati-activities version="2.03"><iati-activity><iati-identifier>&x;</iati-identifier></iati-activity></iati-activities>',
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><iati-activities version="2.03">&lol3;</iati-activities>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_refused_with_400(mapped: Any, name: str) -> None:
    r = _post(mapped.ngo_admin, HOSTILE[name])
    assert r.status_code == 400
    assert r.json()["code"] == "xml_forbidden"
    assert "DTD or entities" in r.json()["error"]
    assert IatiActivity.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<iati-activities version='2.03'><iati-activity>", "not well-formed XML"),
        (b"<iati-organisations version='2.03'/>", "root element is <iati-organisations>"),
        (
            b"<iati-activities version='3.01'><iati-activity/></iati-activities>",
            "version 3.01 is not supported",
        ),
        (b"<iati-activities><iati-activity/></iati-activities>", "version (none) is not supported"),
    ],
)
def test_malformed_files_named(mapped: Any, content: bytes, message: str) -> None:
    r = _post(mapped.ngo_admin, content)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_transaction_without_date_refuses_whole_file(mapped: Any) -> None:
    broken = FILE_203.replace(
        b'<transaction-date iso-date="2025-02-03"/>\n      <value value-date="2025-02-01">75000</value>',
        b"<value>75000</value>",
    )
    assert broken != FILE_203
    r = _post(mapped.ngo_admin, broken)
    assert r.status_code == 400
    assert r.json()["error"] == (
        "activity 1 (XM-DAC-99999-RW-GBV-2024), transaction 3 (type 3, disbursement): no date "
        "(neither transaction-date/@iso-date nor value/@value-date)"
    )
    assert IatiActivity.objects.count() == 0 and Transaction.objects.count() == 0


def test_unknown_currency_refuses_whole_file(mapped: Any) -> None:
    broken = FILE_203.replace(b'default-currency="EUR"', b'default-currency="EUX"')
    r = _post(mapped.ngo_admin, broken)
    assert r.status_code == 400
    assert (
        "activity 2 (XM-DAC-99999-RW-WPS-2025), transaction 1 (type 2, commitment): unknown currency 'EUX'"
        in r.json()["error"]
    )
    assert IatiActivity.objects.count() == 0


def test_country_share_rules() -> None:
    from decimal import Decimal

    share = iati.country_share
    assert share([], "a").fraction == 1  # regional or global: counted in full
    assert share([{"code": "RW", "percentage": "100"}], "a").fraction == 1
    assert share([{"code": "RW", "percentage": "40"}, {"code": "UG", "percentage": "60"}], "a") == iati.Share(
        Decimal("0.4"), "RW share 40%"
    )
    assert share([{"code": "rw"}], "a").fraction == 1  # one country without a percentage: all of it
    half = share([{"code": "RW"}, {"code": "BI"}], "a")
    assert half.fraction == Decimal("0.5") and "equal" in half.note
    assert share([{"code": "UG", "percentage": "100"}], "a") == iati.Share(
        None, "recipient countries UG do not include RW"
    )
    assert share([{"code": "UG", "percentage": "100"}], "a", "UG").fraction == 1
    for bad in ("forty", "120", "-5"):
        with pytest.raises(iati.IatiError, match="activity 9: recipient-country RW percentage"):
            share([{"code": "RW", "percentage": bad}], "activity 9")


def test_multi_country_activity_counts_rwandas_share(mapped: Any) -> None:
    shared = FILE_203.replace(
        b'<recipient-country code="RW" percentage="100"/>',
        b'<recipient-country code="RW" percentage="40"/><recipient-country code="BI" percentage="60"/>',
        1,
    )
    assert shared != FILE_203
    r = _post(mapped.ngo_admin, shared)
    assert r.status_code == 200, r.content
    full = {
        t.iati_key: t.amount
        for t in Transaction.objects.filter(iati_activity__iati_identifier__endswith="GBV-2024")
    }
    BudgetLine.objects.all().delete()
    Transaction.objects.all().delete()
    IatiActivity.objects.all().delete()
    r = _post(mapped.ngo_admin, FILE_203)
    assert r.status_code == 200, r.content
    whole = {
        t.iati_key: t.amount
        for t in Transaction.objects.filter(iati_activity__iati_identifier__endswith="GBV-2024")
    }
    assert full and full.keys() == whole.keys()
    for key, amount in whole.items():
        assert full[key] == (amount * 40 / 100).quantize(amount)  # 40% of each transaction


def test_bad_country_percentage_refuses_whole_file(mapped: Any) -> None:
    broken = FILE_203.replace(
        b'<recipient-country code="RW" percentage="100"/>',
        b'<recipient-country code="RW" percentage="lots"/>',
        1,
    )
    r = _post(mapped.ngo_admin, broken)
    assert r.status_code == 400
    assert "recipient-country RW percentage 'lots' is not a number" in r.json()["error"]
    assert "activity 1 (XM-DAC-99999-RW-GBV-2024)" in r.json()["error"]
    assert IatiActivity.objects.count() == 0 and Transaction.objects.count() == 0


def test_refusals(mapped: Any, api_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    anon = api_client.post(URL, {"file": SimpleUploadedFile("a.xml", FILE_203)}, format="multipart")
    assert anon.status_code == 401
    assert _post(mapped.viewer_nyarugenge, FILE_203).status_code == 403
    # the police M&E officer may not import for NGO1; NGO1's district officer may not import nationally
    assert _post(mapped.police_me_nyarugenge, FILE_203, organisation="NGO1").status_code in (403, 404)
    assert _post(mapped.me_nyarugenge, FILE_203, organisation="NGO1").status_code == 403
    assert _post(mapped.nobody, FILE_203).status_code == 403
    missing = client_for(mapped.ngo_admin).post(URL, {})
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    assert IatiActivity.objects.count() == 0


def test_activity_of_another_organisation_skipped(mapped: Any) -> None:
    _post(mapped.ngo_admin, FILE_105)
    body = iati.iati_import(actor=policy.SYSTEM, content=FILE_105, organisation=mapped.police).as_dict()
    assert body["activities"]["skipped"] == 1
    assert body["skipped"][0]["reason"] == "already imported for another organisation"


def test_import_command(mapped: Any, tmp_path: Path) -> None:
    import io
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("import_iati", str(DATA / "demo-donor-activities-1.05.xml"), organisation="RNP", stdout=out)
    assert json.loads(out.getvalue())["activities"]["imported"] == 1
    bad = tmp_path / "bad.xml"
    bad.write_bytes(HOSTILE["xxe"])
    with pytest.raises(CommandError, match="DTD or entities"):
        call_command("import_iati", str(bad), organisation="RNP")
