"""Hostile spreadsheets against collection (issue 11 items 5 and 9): a zip bomb posted as an XLSForm or as
records is refused quickly with a short 400 naming the limit; submission exports (CSV and XLSX) escape
answers a spreadsheet would run, and the XLSX holds no formula cells."""

from __future__ import annotations

import csv
import io
import time
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amahoro.collection import services
from amahoro.collection.models import Submission, XForm
from amahoro.core.tests.xlsx_files import zip_bomb

from .factories import instance_xml, upload

pytestmark = pytest.mark.django_db

HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]


def _assert_refused_fast(response: Any, started: float, setting: str) -> None:
    assert time.monotonic() - started < 10
    assert response.status_code == 400, response.content[:300]
    assert len(response.content) < 1000  # a short reply, not the sheet echoed back
    assert setting in response.json()["error"]


@pytest.mark.parametrize(
    ("content", "setting"),
    [
        (zip_bomb, "AMAHORO_XLSX_MAX_MEMBER"),
    ],
)
def test_xlsform_zip_bomb_is_refused_before_pyxform_reads_it(
    cast: Any, api_client: Any, content: Any, setting: str
) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    hostile = content()
    api_client.get("/api/v1/forms")  # the first request of a process loads every URL and view
    started = time.monotonic()
    resp = api_client.post(
        "/api/v1/forms",
        {"xlsform": SimpleUploadedFile("bomb.xlsx", hostile), "organisation": "NGO1"},
        format="multipart",
    )
    _assert_refused_fast(resp, started, setting)
    assert resp.json()["field"] == "xlsform"
    assert not XForm.objects.exists()


def test_submissions_import_zip_bomb_is_refused(cast: Any, api_client: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    api_client.force_authenticate(cast.ngo_admin)
    hostile = zip_bomb()
    api_client.get("/api/v1/forms")
    started = time.monotonic()
    resp = api_client.post(
        "/api/v1/forms/dialogue/submissions/import",
        {"file": SimpleUploadedFile("records.xlsx", hostile)},
        format="multipart",
    )
    _assert_refused_fast(resp, started, "AMAHORO_XLSX_MAX_MEMBER")
    assert not Submission.objects.exists()


def test_submissions_import_errors_are_capped(cast: Any, api_client: Any, settings: Any) -> None:
    settings.AMAHORO_TABLE_MAX_ERRORS = 5
    upload(cast.ngo_admin, cast.ngo)
    api_client.force_authenticate(cast.ngo_admin)
    body = "session_date,men\n" + "".join(f"not a date,{i}\n" for i in range(300))
    resp = api_client.post(
        "/api/v1/forms/dialogue/submissions/import",
        {"file": SimpleUploadedFile("records.csv", body.encode())},
        format="multipart",
    )
    assert resp.status_code == 400
    reply = resp.json()
    assert len(reply["errors"]) == 5 and reply["error_count"] >= 300
    assert reply["more_errors"] == reply["error_count"] - 5
    assert not Submission.objects.exists()


def _hostile_submission(cast: Any, village: Any, text: str) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    value = escape(text, {"\r": "&#13;", "\t": "&#9;"})
    xml = instance_xml(village=village.code, instance_id="uuid:h1").replace(
        b"<topics_other>land</topics_other>", f"<topics_other>{value}</topics_other>".encode()
    )
    services.submission_receive(xml=xml, user=cast.clerk_sector)


def _exported(api_client: Any, fmt: str) -> str:
    resp = api_client.get(f"/api/v1/forms/dialogue/export.{fmt}")
    assert resp.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(resp.content.decode())))
        return rows[1][rows[0].index("topics_other")]
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content))["dialogue"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    header = [c.value for c in sheet[1]]
    return str(sheet.cell(row=2, column=header.index("topics_other") + 1).value)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("text", HOSTILE)
def test_submission_exports_escape_formulas(
    cast: Any, api_client: Any, village: Any, fmt: str, text: str
) -> None:
    _hostile_submission(cast, village, text)
    api_client.force_authenticate(cast.ngo_admin)
    cell = _exported(api_client, fmt)
    # Answers are stored stripped of surrounding white space, so a leading TAB or CR may be gone; what
    # matters is the apostrophe in front of what remains.
    assert cell == "'" + text or cell == "'" + text.strip()
