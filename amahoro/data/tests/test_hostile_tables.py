"""Hostile spreadsheets against the data values import (issue 11 item 5): a zip bomb or a sheet declaring
a million rows gets a quick, short 400 naming the limit; 100,000 bad rows give the first errors and a count,
and nothing is written. Exports escape formula-like text (item 9)."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.core.tests.xlsx_files import sheet_declaring, text_rows, wide_row, zip_bomb
from amahoro.data.models import DataValue

IMPORT = "/api/v1/dataValues/import"
HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]


def _post(client: Any, content: bytes, name: str = "values.xlsx") -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.mark.parametrize(
    ("build", "setting"),
    [
        (zip_bomb, "AMAHORO_XLSX_MAX_MEMBER"),
        (lambda: wide_row(5000), "AMAHORO_TABLE_MAX_COLUMNS"),
    ],
)
def test_hostile_xlsx_is_refused_quickly_with_a_short_reply(cast, meta, build: Any, setting: str) -> None:
    content = build()
    client = api_as(cast.me_nyarugenge)
    _post(client, b"", "warm-up.csv")  # the first request of a process loads every URL and view
    started = time.monotonic()
    response = _post(client, content)
    assert time.monotonic() - started < 10
    body = assert_error(response, 400, field="file")
    assert setting in body["error"] and len(response.content) < 1000
    assert not DataValue.objects.exists()


def test_a_sheet_declaring_a_million_rows_is_read_by_its_real_rows(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    _post(client, b"", "warm-up.csv")
    started = time.monotonic()
    response = _post(client, sheet_declaring("A1:XFD1048576"))
    assert time.monotonic() - started < 10
    assert response.status_code == 400  # refused for its content (no header row), not for its size
    assert b"AMAHORO_TABLE" not in response.content and len(response.content) < 2000


def test_ratio_limit_alone_refuses_a_bomb_under_the_size_limits(cast, meta, settings) -> None:
    settings.AMAHORO_XLSX_MAX_MEMBER = settings.AMAHORO_XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
    body = assert_error(_post(api_as(cast.me_nyarugenge), zip_bomb()), 400, field="file")
    assert "AMAHORO_XLSX_MAX_RATIO" in body["error"]


def test_100000_bad_rows_give_a_capped_reply_and_write_nothing(cast, meta) -> None:
    header = ["data_element", "org_unit", "period", "category_option_combo", "value"]
    content = text_rows([header] + [["GBV_TOTAL", "1101", "202401", "default", "many"]] * 100_000)
    response = _post(api_as(cast.me_nyarugenge), content)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "ERROR" and not body["saved"]
    assert len(body["errors"]) == 100 and body["errorCount"] == 100_000 and body["moreErrors"] == 99_900
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["column"] == "value"
    assert len(response.content) < 50_000
    assert not DataValue.objects.exists()


def test_csv_over_the_row_limit_is_refused(cast, meta, settings) -> None:
    settings.AMAHORO_TABLE_MAX_ROWS = 10
    body = "data_element,org_unit,period,value\n" + "GBV_TOTAL,1101,202401,1\n" * 20
    error = assert_error(_post(api_as(cast.me_nyarugenge), body.encode(), "v.csv"), 400, field="file")
    assert "AMAHORO_TABLE_MAX_ROWS" in error["error"]
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_exports_escape_formulas(cast, meta, text: str, fmt: str) -> None:
    meta.total.name = text
    meta.total.save()
    client = api_as(cast.me_nyarugenge)
    if fmt == "xlsx":
        response = client.get("/api/v1/dataValues/template.xlsx", {"dataElement": "GBV_TOTAL"})
        book = load_workbook(io.BytesIO(response.content))
        assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
        # XML reads a CR back as a line feed; what matters is the apostrophe in front.
        assert book["codes"].cell(row=2, column=2).value == "'" + text.replace("\r", "\n")
    else:
        # The CSV template holds codes only; a code is never formula-like, so check the dataValueSets CSV.
        from amahoro.data.sheets import dhis2_csv_write

        line = "".join(
            dhis2_csv_write(
                [
                    {
                        "dataElement": "GBV_TOTAL",
                        "period": "202401",
                        "orgUnit": "1101",
                        "categoryOptionCombo": "default",
                        "attributeOptionCombo": "default",
                        "value": "1",
                        "comment": text,
                    }
                ]
            )
        )
        rows = list(csv.reader(io.StringIO(line)))
        # This CSV ends lines with LF, so a CR inside a cell is written as LF (quoted), never a row break.
        assert len(rows) == 2 and rows[1][8] == "'" + text.replace("\r", "\n")
