"""CSV/XLSX template download and upload: round trip, row-level errors, all-or-nothing unless the valid rows
are asked for, the one-column-per-category layout, and refusal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.data.models import DataValue

TEMPLATE = "/api/v1/dataValues/template"
IMPORT = "/api/v1/dataValues/import"


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Any, content: bytes, name: str, **flags: str) -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content), **flags}, format="multipart")


def test_xlsx_template_round_trip(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    response = client.get(
        f"{TEMPLATE}.xlsx", {"dataElement": ["GBV_CASES", "GBV_TOTAL"], "orgUnit": "1101", "period": "202401"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["data", "codes", "README"]
    rows = [list(r) for r in wb["data"].iter_rows(values_only=True)]
    assert rows[0] == [
        "data_element",
        "org_unit",
        "period",
        "category_option_combo",
        "attribute_option_combo",
        "value",
        "comment",
    ]
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("GBV_CASES", "1101", "202401", "F"),
        ("GBV_CASES", "1101", "202401", "M"),
        ("GBV_TOTAL", "1101", "202401", "default"),
    ]
    ws = wb["data"]
    for i, value in enumerate((5, 6, 11), start=2):
        ws.cell(row=i, column=6, value=value)  # numbers, as Excel stores them
    ws.cell(row=2, column=7, value="checked")
    out = io.BytesIO()
    wb.save(out)
    result = upload(client, out.getvalue(), "filled.xlsx")
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["status"] == "SUCCESS" and body["imported"] == 3 and body["errors"] == [] and body["saved"]
    stored = {
        (v.data_element.code, v.category_option_combo.code): (v.value, v.comment)
        for v in DataValue.objects.select_related("data_element", "category_option_combo")
    }
    assert stored == {
        ("GBV_CASES", "F"): ("5", "checked"),
        ("GBV_CASES", "M"): ("6", ""),
        ("GBV_TOTAL", "default"): ("11", ""),
    }


def test_csv_template_and_upload(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    text = client.get(
        f"{TEMPLATE}.csv", {"dataElement": "GBV_TOTAL", "orgUnit": "1101", "period": "202401"}
    ).content.decode()
    lines = text.splitlines()
    assert (
        lines[0] == "data_element,org_unit,period,category_option_combo,attribute_option_combo,value,comment"
    )
    lines[1] = lines[1].replace("default,,,", "default,,7,")
    result = upload(client, "\n".join(lines).encode(), "filled.csv")
    assert result.json()["imported"] == 1, result.json()
    assert DataValue.objects.get().value == "7"


def test_row_errors_and_all_or_nothing(cast, meta) -> None:
    content = workbook_bytes(
        [
            ["data_element", "org_unit", "period", "category_option_combo", "value", "comment"],
            ["GBV_TOTAL", "1101", "202401", "default", 7, None],
            ["NOPE", "1101", "202401", "default", 1, None],
            ["GBV_TOTAL", "1101", "2014W53", "default", 1, None],
            ["GBV_TOTAL", "1101", "202402", "default", "many", None],
            ["GBV_TOTAL", "1201", "202402", "default", 1, None],
            ["GBV_CASES", "1101", "202402", "NGO1", 1, None],
        ]
    )
    client = api_as(cast.me_nyarugenge)
    result = upload(client, content, "bad.xlsx")
    assert result.status_code == 400
    body = result.json()
    assert body["status"] == "ERROR" and not body["saved"] and body["imported"] == 0
    errors = [(e["row"], e["column"]) for e in body["errors"]]
    assert errors == [
        (3, "data_element"),
        (4, "period"),
        (5, "value"),
        (6, "org_unit"),
        (7, "category_option_combo"),
    ]
    assert "2014 has only 52 ISO weeks" in body["errors"][1]["message"]
    assert not DataValue.objects.exists()
    partial = upload(client, content, "bad.xlsx", import_valid_rows="true")
    assert partial.status_code == 200
    assert (
        partial.json()["status"] == "WARNING"
        and partial.json()["imported"] == 1
        and len(partial.json()["errors"]) == 5
    )
    assert DataValue.objects.get().value == "7"


def test_dry_run_upload_saves_nothing(cast, meta) -> None:
    content = workbook_bytes(
        [["data_element", "org_unit", "period", "value"], ["GBV_TOTAL", "1101", "202401", 7]]
    )
    result = upload(api_as(cast.me_nyarugenge), content, "x.xlsx", dry_run="true")
    assert result.json()["imported"] == 1 and result.json()["dryRun"] and not result.json()["saved"]
    assert not DataValue.objects.exists()


def test_one_column_per_category_layout(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    response = client.get(f"{TEMPLATE}.xlsx", {"dataElement": "GBV_CASES", "layout": "options"})
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content))["data"].iter_rows(values_only=True)]
    assert rows[0] == [
        "data_element",
        "org_unit",
        "period",
        "sex_cat",
        "attribute_option_combo",
        "value",
        "comment",
    ]
    assert [r[3] for r in rows[1:]] == ["F", "M"]
    content = workbook_bytes(
        [
            rows[0],
            ["GBV_CASES", "1101", "202401", "F", None, 2, None],
            ["GBV_CASES", "1101", "202401", "M", None, 3, None],
            ["GBV_CASES", "1101", "202401", "X", None, 3, None],
            ["GBV_CASES", "1101", "202401", None, None, 3, None],
        ]
    )
    body = upload(client, content, "opts.xlsx", import_valid_rows="true").json()
    assert body["imported"] == 2
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "sex_cat"), (5, "sex_cat")]
    assert "no category option combo of GBV_CASES has the options X" in body["errors"][0]["message"]


def test_bad_files_are_named(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    assert_error(client.post(IMPORT, {}, format="multipart"), 400, "file")
    assert_error(upload(client, b"PK\x03\x04 broken", "x.xlsx"), 400, "file")
    assert_error(upload(client, b"\x00\x01", "x.pdf"), 400, "file")
    body = upload(client, b"data_element,period,valeur\n", "x.csv").json()
    assert body["status"] == "ERROR"
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(1, "org_unit"), (1, "value"), (1, "valeur")}
    assert (
        upload(client, b"data_element,org_unit,period,value\n", "x.csv").json()["errors"][0]["message"]
        == "the file has no data rows"
    )
    assert_error(client.get(f"{TEMPLATE}.xlsx"), 400, "dataElement")
    assert_error(client.get(f"{TEMPLATE}.xlsx", {"dataElement": "NOPE"}), 400, "dataElement")
    assert_error(
        client.get(f"{TEMPLATE}.xlsx", {"dataElement": "GBV_TOTAL", "period": "201407B"}), 400, "period"
    )


def test_refusal(cast, meta) -> None:
    content = workbook_bytes(
        [["data_element", "org_unit", "period", "value"], ["GBV_TOTAL", "1101", "202401", 7]]
    )
    assert_error(api_as().get(f"{TEMPLATE}.xlsx", {"dataElement": "GBV_TOTAL"}), 401)
    assert_error(upload(api_as(), content, "x.xlsx"), 401)
    assert_error(upload(api_as(cast.viewer_nyarugenge), content, "x.xlsx"), 403)
    assert_error(api_as(cast.viewer_nyarugenge).get(f"{TEMPLATE}.xlsx", {"dataElement": "GBV_TOTAL"}), 403)
    body = upload(api_as(cast.me_gasabo), content, "x.xlsx").json()
    assert body["status"] == "ERROR" and body["errors"][0]["column"] == "org_unit"
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("bad", ['=HYPERLINK("http://x")', "+1+2", "@SUM(A1)"])
def test_template_cells_are_never_formulas(cast, meta, bad) -> None:
    meta.total.name = bad
    meta.total.save()
    response = api_as(cast.me_nyarugenge).get(f"{TEMPLATE}.xlsx", {"dataElement": "GBV_TOTAL"})
    codes = load_workbook(io.BytesIO(response.content))["codes"]
    assert codes.cell(row=2, column=2).value == "'" + bad
