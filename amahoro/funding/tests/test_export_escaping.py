"""Funding record exports (CSV and XLSX) escape formula-like text; the XLSX has no formula cells."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from amahoro import policy
from amahoro.funding import services, spreadsheet
from conftest import client_for

HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_funding_exports_escape_formulas(cast: Any, nap: Any, fmt: str, text: str) -> None:
    services.transaction_create(
        actor=policy.SYSTEM, organisation=cast.ngo, node=None, kind="commitment", amount="-25", currency="RWF",
        date=date(2024, 9, 1), description=text,
    )  # fmt: skip
    response = client_for(cast.ngo_admin).get(f"/funding/records.{fmt}")
    assert response.status_code == 200
    column = spreadsheet.COLUMNS.index("description")
    if fmt == "csv":
        cell = list(csv.reader(io.StringIO(response.content.decode())))[2][column]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        cell = sheet.cell(row=2, column=column + 1).value
        text = text.replace("\r", "\n")  # XML reads a CR back as a line feed
    assert cell == "'" + text


def test_summary_csv_escapes_formulas_under_its_hxl_row(cast: Any, nap: Any) -> None:
    from amahoro.frameworks.models import Node

    Node.objects.filter(framework=nap, code="P1").update(name="=1+1")
    r = client_for(cast.ngo_admin).get("/funding/summary.csv?framework=RW-NAP1325-2018&currency=RWF")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[1][0] == "#activity+framework+code"  # the HXL row, written by the one writer
    p1 = next(row for row in rows[2:] if row[1] == "P1")
    assert p1[rows[0].index("node_name")] == "'=1+1"
