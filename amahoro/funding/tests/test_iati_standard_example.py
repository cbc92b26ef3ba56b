"""IATI import of a file we did not write: the IATI Standard's own 2.02 activity example (provenance in
data/iati-standard/README.md). Through the service and through POST /api/v1/funding/iati; re-import without
duplicates; a sector rule maps it to a NAP node, whose figures the dashboard's selector shows converted at
dated rates. Variants derived in memory (never on disk) exercise the elements the unmodified file carries
but does not make count: its one transaction is incoming funds, which the platform does not track."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from amahoro import policy
from amahoro.frameworks.models import Node
from amahoro.funding import iati, selectors, services
from amahoro.funding.models import BudgetLine, IatiActivity, Transaction
from conftest import client_for

pytestmark = pytest.mark.django_db
EXAMPLE_PATH = Path(__file__).parent / "data" / "iati-standard" / "iati-standard-example-2.02.xml"
EXAMPLE = EXAMPLE_PATH.read_bytes()
EXAMPLE_SHA256 = "c51fdc93e27a3e0be2dcda98992890de6271f9688440047325a348413967ac10"  # as in the README
IDENT = "AA-AAA-123456789-ABC123"
URL = "/api/v1/funding/iati"

# Counted by hand in the file and re-counted with xml.etree (not with our importer), see
# test_counts_derived_independently: 1 <iati-activity> (version 2.02, default-currency USD);
# 1 <transaction>, by <transaction-type code>: "1" (Incoming Funds) x 1, "2" (Commitment) x 0,
# "3" (Disbursement) x 0, "4" (Expenditure) x 0; its value: EUR 1000, value-date 2012-01-01;
# 1 <budget> (type 1 original, status 1 indicative): EUR 3000 for 2014-01-01..2014-12-31;
# 2 <planned-disbursement>, EUR 3000 each.
ACTIVITIES = 1
TRANSACTIONS_BY_TYPE = {"1": 1}
BUDGETS = 1
PLANNED_DISBURSEMENTS = 2

# A variant: the same transaction as a disbursement (type 3), everything else as published.
AS_DISBURSEMENT = EXAMPLE.replace(b'<transaction-type code="1" />', b'<transaction-type code="3" />')


@pytest.fixture
def setup(cast: Any, nap: Any, settings: Any) -> Any:
    """A shared rule (DAC 3-digit sector 111, which the example reports with vocabulary 2) -> NAP P4.O2,
    an arbitrary node for the test; EUR rates dated around the file's dates (test values, not official):
    1 EUR = 800 RWF from 2012-01-01, 900 from 2014-01-01, 1,000 from 2015-01-01. The example is not about
    Rwanda (recipient countries AF 25%, AG 25%, regions for the rest): the installation tracks AF here."""
    settings.AMAHORO_IATI_COUNTRY = "AF"
    services.mapping_rule_create(
        actor=policy.SYSTEM, node=Node.objects.get(framework=nap, code="P4.O2"), kind="sector", value="111"
    )
    for valid_from, rate in (
        (date(2012, 1, 1), "800"),
        (date(2014, 1, 1), "900"),
        (date(2015, 1, 1), "1000"),
    ):
        services.exchange_rate_set(actor=policy.SYSTEM, currency="EUR", rate=rate, valid_from=valid_from)
    return cast


def _post(user: Any, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("iati-standard-example-2.02.xml", content, "application/xml")
    return client_for(user).post(URL, {"file": upload})


def _rows() -> tuple[int, int, int]:
    return IatiActivity.objects.count(), Transaction.objects.count(), BudgetLine.objects.count()


def _node_totals(nap: Any, user: Any, code: str) -> dict[str, Any]:
    """A node's figures (own + descendants) from the selector the funding dashboard renders, in RWF."""
    result = selectors.framework_funding(framework=nap, user=user, currency="RWF")
    assert result.unconverted == []
    node = next(n for n in result.nodes if n.node.code == code)
    return node.total.as_dict(result.currency)


def test_file_is_the_unmodified_package_copy() -> None:
    assert hashlib.sha256(EXAMPLE).hexdigest() == EXAMPLE_SHA256
    assert AS_DISBURSEMENT != EXAMPLE


def test_counts_derived_independently() -> None:
    root = ET.fromstring(EXAMPLE)  # noqa: S314 (our own committed test file; the importer uses defusedxml)
    assert root.get("version") == "2.02"
    activities = root.findall("iati-activity")
    assert len(activities) == ACTIVITIES
    types = Counter(t.find("transaction-type").get("code") for t in root.iter("transaction"))  # type: ignore[union-attr]
    assert dict(types) == TRANSACTIONS_BY_TYPE
    assert len(list(root.iter("budget"))) == BUDGETS
    assert len(list(root.iter("planned-disbursement"))) == PLANNED_DISBURSEMENTS


def test_service_import_reads_the_example_and_reimports_without_duplicates(setup: Any) -> None:
    summary = iati.iati_import(
        actor=policy.SYSTEM, content=EXAMPLE, organisation=setup.ngo, filename="example.xml"
    )
    body = summary.as_dict()
    assert body["iati_version"] == "2.02"
    assert body["activities"] == {
        "imported": ACTIVITIES,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "removed": 0,
    }
    # the only transaction is incoming funds: skipped, with its reason
    assert body["transactions"] == {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    assert body["budgets"] == {"imported": BUDGETS, "updated": 0, "unchanged": 0, "skipped": 0, "removed": 0}
    assert body["skipped"] == [
        {
            "activity": IDENT,
            "item": "transaction 1",
            "reason": "transaction type 1 (Incoming Funds) is not tracked",
        },
        {"activity": IDENT, "item": "planned-disbursement 1", "reason": iati.PLANNED_DISBURSEMENT_SKIP},
        {"activity": IDENT, "item": "planned-disbursement 2", "reason": iati.PLANNED_DISBURSEMENT_SKIP},
    ]
    assert body["unmapped"] == []

    act = IatiActivity.objects.get(iati_identifier=IDENT)
    # the unlabelled (English) narrative, not the French or Spanish one
    assert act.title == "Activity title"
    assert act.reporting_org_name == "Organisation name"
    assert act.description.startswith("General activity description text.")
    assert (act.iati_version, act.default_currency, act.activity_status) == ("2.02", "USD", "2")
    assert (act.start, act.end) == (date(2012, 4, 28), date(2015, 12, 31))  # actual start, planned end
    assert [(p["ref"], p["role"]) for p in act.participating_orgs] == [
        ("BB-BBB-123456789", "funding"), ("CC-CCC-123456789", "accountable"), ("AA-AAA-123456789", "extending"),
    ]  # fmt: skip
    assert [(s["vocabulary"], s["code"], s["percentage"]) for s in act.sectors] == [
        ("2", "111", "50"), ("2", "112", "50"), ("99", "A1", "100"),
    ]  # fmt: skip
    # several recipient countries and regions, percentages kept; amounts count AF's 25% (below)
    assert [(c["code"], c["percentage"]) for c in act.recipient_countries] == [("AF", "25"), ("AG", "25")]
    assert [(r["vocabulary"], r["code"]) for r in act.recipient_regions] == [("1", "489"), ("99", "A1")]
    assert (
        act.node.code == "P4.O2"
        and act.mapping_method == "rule"
        and act.mapping_note == "rule: Sector code 111"
    )

    budget = BudgetLine.objects.get(iati_activity=act)
    # the value's own currency (EUR), not the activity's default (USD); Rwanda's fiscal year of 2014-01-01;
    # AF's 25% of EUR 3,000
    assert (budget.amount, budget.currency) == (Decimal("750.00"), "EUR")
    assert budget.description.endswith("(AF share 25% of 3000.00 EUR)")
    assert (budget.period_start, budget.period_end, budget.fiscal_year) == (
        date(2014, 1, 1), date(2014, 12, 31), "2013July",
    )  # fmt: skip
    assert budget.funder_name == "Name of Agency B" and budget.node.code == "P4.O2"
    assert Transaction.objects.count() == 0

    rows = _rows()
    again = iati.iati_import(actor=policy.SYSTEM, content=EXAMPLE, organisation=setup.ngo).as_dict()
    assert again["activities"] == {"imported": 0, "updated": 0, "unchanged": 1, "skipped": 0, "removed": 0}
    assert again["budgets"] == {"imported": 0, "updated": 0, "unchanged": 1, "skipped": 0, "removed": 0}
    assert again["transactions"] == {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    assert _rows() == rows == (1, 0, 1)


def test_api_import_maps_the_example_to_a_nap_node_and_reimport_updates(setup: Any, nap: Any) -> None:
    r = _post(setup.ngo_admin, EXAMPLE)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["iati_version"], body["organisation"]) == ("2.02", "NGO1")
    assert body["activities"]["imported"] == ACTIVITIES and body["budgets"]["imported"] == BUDGETS
    assert body["transactions"]["skipped"] == sum(TRANSACTIONS_BY_TYPE.values())

    # planned: AF's 25% of EUR 3,000 at the rate of 2014-01-01 (900), not 2012's 800 nor 2015's 1,000
    # = 675,000 RWF. committed, disbursed, spent: 0, as the file holds no commitment, disbursement or
    # expenditure.
    expected = {"planned": 675_000.0, "committed": 0.0, "disbursed": 0.0, "spent": 0.0, "gap": 675_000.0}
    p4o2 = _node_totals(nap, setup.sysadmin, "P4.O2")
    assert {k: p4o2[k] for k in expected} == expected
    assert _node_totals(nap, setup.sysadmin, "P4")["planned"] == 675_000.0  # rolled up to the pillar
    assert _node_totals(nap, setup.sysadmin, "P2")["planned"] == 0.0

    rows = _rows()
    again = _post(setup.ngo_admin, EXAMPLE)
    assert again.status_code == 200, again.content
    assert again.json()["activities"] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 1,
        "skipped": 0,
        "removed": 0,
    }
    assert again.json()["budgets"] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 1,
        "skipped": 0,
        "removed": 0,
    }
    assert _rows() == rows
    assert _node_totals(nap, setup.sysadmin, "P4.O2") == p4o2


def test_transaction_elements_read_when_the_type_is_tracked(setup: Any, nap: Any, settings: Any) -> None:
    """The example's transaction as a disbursement: its own currency (EUR, while the default is USD), value
    date, ref, description, provider org (the funder), and the transaction-level humanitarian flag, sector
    and region, which the importer does not use and must not trip over. The transaction names its own
    recipient country (TM): it counts for TM in full, and not at all for AF."""
    r = _post(setup.ngo_admin, AS_DISBURSEMENT)
    assert r.status_code == 200, r.content
    assert r.json()["transactions"] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "removed": 0,
    }
    assert {"activity": IDENT, "item": "transaction 1", "reason": "transaction for TM, not AF"} in r.json()[
        "skipped"
    ]
    settings.AMAHORO_IATI_COUNTRY = "TM"  # the activity's countries (AF, AG) leave TM out: no budget
    r = _post(setup.ngo_admin, AS_DISBURSEMENT)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["transactions"] == {"imported": 1, "updated": 0, "unchanged": 0, "skipped": 0, "removed": 0}
    assert body["budgets"] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "removed": 1,
    }  # AF's budget goes
    assert {
        "activity": IDENT,
        "item": "budget 1",
        "reason": "recipient countries AF, AG do not include TM",
    } in (body["skipped"])
    tx = Transaction.objects.get(iati_activity__iati_identifier=IDENT)
    assert (tx.kind, tx.amount, tx.currency, tx.date) == (
        "disbursement",
        Decimal("1000.00"),
        "EUR",
        date(2012, 1, 1),
    )
    assert (tx.reference, tx.description, tx.funder_name) == (
        "1234",
        "Transaction description text",
        "Agency B",
    )
    assert tx.node.code == "P4.O2" and tx.iati_key == "ref|1234"
    # disbursed: EUR 1,000 at the rate of its value date 2012-01-01 (800) = 800,000 RWF; no planned money
    p4o2 = _node_totals(nap, setup.sysadmin, "P4.O2")
    assert (p4o2["planned"], p4o2["disbursed"], p4o2["committed"], p4o2["spent"]) == (
        0.0, 800_000.0, 0.0, 0.0,
    )  # fmt: skip

    rows = _rows()
    again = _post(setup.ngo_admin, AS_DISBURSEMENT).json()
    assert again["transactions"] == {"imported": 0, "updated": 0, "unchanged": 1, "skipped": 0, "removed": 0}
    assert _rows() == rows == (1, 1, 0)


def test_rwanda_installation_counts_none_of_the_example(setup: Any, settings: Any) -> None:
    """By default the tracked country is Rwanda, which the example's recipient countries leave out: the
    activity is recorded (and mapped) but none of its money counts, each item with its reason."""
    settings.AMAHORO_IATI_COUNTRY = "RW"
    body = iati.iati_import(actor=policy.SYSTEM, content=AS_DISBURSEMENT, organisation=setup.ngo).as_dict()
    assert body["activities"]["imported"] == 1
    assert body["budgets"] == {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    assert body["transactions"] == {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 1, "removed": 0}
    reasons = {(x["item"], x["reason"]) for x in body["skipped"]}
    assert ("budget 1", "recipient countries AF, AG do not include RW") in reasons
    assert ("transaction 1", "transaction for TM, not RW") in reasons
    assert _rows() == (1, 0, 0)


def test_sectors_reported_on_transactions_only_map_the_activity(setup: Any) -> None:
    """IATI 2.x lets a publisher report sectors on its transactions instead of the activity: without the
    activity-level <sector> elements, the transaction's sector 111 is what the rule matches."""
    root = ET.fromstring(EXAMPLE)  # noqa: S314 (our own committed test file)
    act_el = root.find("iati-activity")
    assert act_el is not None
    for sector in act_el.findall("sector"):
        act_el.remove(sector)
    content = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert b"<sector" in content  # the transaction's own sector is still there
    body = iati.iati_import(actor=policy.SYSTEM, content=content, organisation=setup.ngo).as_dict()
    assert body["unmapped"] == []
    act = IatiActivity.objects.get(iati_identifier=IDENT)
    assert act.sectors == [{"code": "111", "vocabulary": "2", "percentage": "", "level": "transaction"}]
    assert act.node.code == "P4.O2"
