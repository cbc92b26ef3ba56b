"""The XLSX/CSV template: all rows or none, errors naming row and column; exports with HXL hashtags."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amahoro import policy
from amahoro.funding import services, spreadsheet
from amahoro.funding.models import BudgetLine, Transaction
from conftest import client_for

pytestmark = pytest.mark.django_db

HEADER = ",".join(spreadsheet.COLUMNS)


def _csv(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows)).encode()


GOOD = _csv(
    "budget,RW-NAP1325-2018,P2.O1,NGO1,,,Demo Donor Fund,2024July,,12000000,RWF,,Dialogue sessions,yes,no",
    "commitment,RW-NAP1325-2018,P2.O1,NGO1,,RNP,,,2024-08-01,5000,usd,,,no,no",
    "expenditure,RW-NAP1325-2018,P2.O1,NGO1,,,,,2025-01-15,1500000,RWF,11,Sessions in Nyarugenge,,",
)


def test_import_all_rows(cast: Any, nap: Any) -> None:
    result = spreadsheet.funding_table_import(actor=cast.ngo_admin, content=GOOD, filename="f.csv")
    assert result["imported"] == {"budget": 1, "commitment": 1, "disbursement": 0, "expenditure": 1}
    line = BudgetLine.objects.get()
    assert (line.amount, line.fiscal_year, line.is_published, line.funder_name) == (
        Decimal("12000000.00"), "2024July", True, "Demo Donor Fund",
    )  # fmt: skip
    c = Transaction.objects.get(kind="commitment")
    assert (c.currency, c.funder, c.date) == ("USD", cast.police, date(2024, 8, 1))
    assert Transaction.objects.get(kind="expenditure").org_unit.code == "11"


def test_errors_name_row_and_column_and_nothing_saved(cast: Any, nap: Any) -> None:
    bad = _csv(
        "budget,RW-NAP1325-2018,P2.O1,NGO1,,,,2024July,,100,RWF,,,yes,no",
        "budget,RW-NAP1325-2018,P9,NGO1,,,,2024July,,100,RWF,,,yes,no",
        "commitment,RW-NAP1325-2018,P2.O1,NGO1,,,,,,100,RWF,,,no,no",
        "disbursement,RW-NAP1325-2018,P2.O1,NGO1,,,,,2024-13-01,100,RWF,,,no,no",
        "expenditure,RW-NAP1325-2018,P2.O1,NGO1,,,,,2024-10-01,100,XYZ,,,no,no",
        "budget,RW-NAP1325-2018,P2.O1,NGO1,,,,2024July,,abc,RWF,,,maybe,no",
    )
    with pytest.raises(spreadsheet.SpreadsheetInvalid) as info:
        spreadsheet.funding_table_import(actor=cast.ngo_admin, content=bad, filename="f.csv")
    got = [(e.row, e.column) for e in info.value.errors]
    assert got == [(3, "node"), (4, "date"), (5, "date"), (6, "currency"), (7, "published")]
    messages = {(e.row, e.column): e.message for e in info.value.errors}
    assert (
        messages[(6, "currency")]
        == "unknown currency 'XYZ' (expected an ISO 4217 code such as RWF, USD, EUR)"
    )
    assert messages[(4, "date")] == "required for a commitment"
    assert BudgetLine.objects.count() == 0 and Transaction.objects.count() == 0


def test_wrong_columns(cast: Any) -> None:
    with pytest.raises(spreadsheet.SpreadsheetInvalid, match="row 1, column amout: unknown column"):
        spreadsheet.funding_table_import(
            actor=cast.ngo_admin, content=b"record_type,organisation,amout,currency\n", filename="f.csv"
        )
    with pytest.raises(
        spreadsheet.SpreadsheetInvalid, match="row 1, column currency: required column missing"
    ):
        spreadsheet.funding_table_import(
            actor=cast.ngo_admin, content=b"record_type,organisation,amount\n", filename="f.csv"
        )


def test_other_organisation_refused_per_row(cast: Any, nap: Any) -> None:
    with pytest.raises(spreadsheet.SpreadsheetInvalid) as info:
        spreadsheet.funding_table_import(actor=cast.police_me_nyarugenge, content=GOOD, filename="f.csv")
    assert info.value.errors[0].column == "organisation"
    assert "may not manage funding of NGO1" in info.value.errors[0].message


def test_xlsx_round_trip_and_hxl_csv(cast: Any, nap: Any) -> None:
    spreadsheet.funding_table_import(actor=cast.ngo_admin, content=GOOD, filename="f.csv")
    c = client_for(cast.ngo_admin)
    xlsx = c.get("/funding/records.xlsx")
    assert xlsx.status_code == 200
    BudgetLine.objects.all().delete()
    Transaction.objects.all().delete()
    result = spreadsheet.funding_table_import(actor=cast.ngo_admin, content=xlsx.content, filename="r.xlsx")
    assert result["rows"] == 3
    out = c.get("/funding/records.csv")
    rows = list(csv.reader(io.StringIO(out.content.decode())))
    assert rows[0] == list(spreadsheet.COLUMNS)
    assert rows[1][:4] == ["#meta+type", "#activity+framework+code", "#activity+code", "#org+prog+code"]
    assert {"#org+funder+name", "#value", "#currency", "#date"} <= set(rows[1])
    # a CSV export (with its HXL row) imports back too
    BudgetLine.objects.all().delete()
    Transaction.objects.all().delete()
    again = spreadsheet.funding_table_import(actor=cast.ngo_admin, content=out.content, filename="r.csv")
    assert again["rows"] == 3


def test_template_and_upload_page(cast: Any, nap: Any) -> None:
    c = client_for(cast.ngo_admin)
    t = c.get("/funding/template.xlsx")
    assert t.status_code == 200 and t.content[:2] == b"PK"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(t.content))
    assert [c.value for c in wb["funding"][1]] == list(spreadsheet.COLUMNS)
    bad = c.post(
        "/funding/import/",
        {"file": SimpleUploadedFile("f.csv", _csv("budget,,,NOPE,,,,2024July,,1,RWF,,,,"))},
    )
    assert bad.status_code == 400
    assert b"unknown organisation" in bad.content and b"NOPE" in bad.content
    ok = c.post("/funding/import/", {"file": SimpleUploadedFile("f.csv", GOOD)})
    assert ok.status_code == 302 and BudgetLine.objects.count() == 1


def test_upload_page_refusals(cast: Any) -> None:
    assert client_for(cast.viewer_nyarugenge).get("/funding/import/").status_code == 403
    from django.test import Client

    assert Client().get("/funding/import/").status_code == 302


def test_summary_csv_has_hxl(cast: Any, nap: Any, rates: None) -> None:
    services.budget_line_create(
        actor=policy.SYSTEM,
        organisation=cast.ngo,
        node=None,
        amount="1",
        currency="RWF",
        fiscal_year="2024July",
    )
    from amahoro.frameworks.models import Node

    services.budget_line_create(
        actor=policy.SYSTEM, organisation=cast.ngo, node=Node.objects.get(framework=nap, code="P1"), amount="1000",
        currency="USD", fiscal_year="2024July",
    )  # fmt: skip
    r = client_for(cast.ngo_admin).get("/funding/summary.csv?framework=RW-NAP1325-2018&currency=RWF")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[1][rows[0].index("planned")] == "#value+planned"
    p1 = next(row for row in rows[2:] if row[1] == "P1")
    assert p1[rows[0].index("planned")] == "1300000.0"
    assert p1[rows[0].index("currency")] == "RWF"


def test_exports_neutralise_formulas(cast: Any, nap: Any) -> None:
    services.transaction_create(
        actor=policy.SYSTEM, organisation=cast.ngo, node=None, kind="commitment", amount="-25", currency="RWF",
        date=date(2024, 9, 1), description='=HYPERLINK("http://evil.example","x")',
    )  # fmt: skip
    out = client_for(cast.ngo_admin).get("/funding/records.csv").content.decode()
    row = list(csv.reader(io.StringIO(out)))[2]
    assert row[spreadsheet.COLUMNS.index("description")].startswith("'=HYPERLINK")
    assert row[spreadsheet.COLUMNS.index("amount")] == "-25.00"
