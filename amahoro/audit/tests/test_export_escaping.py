"""Both audit log CSV URLs (the page's and the API's) escape formula-like text (issue 11 item 9) and give the
same columns (one export, audit.export)."""

from __future__ import annotations

import csv
import io

import pytest

from amahoro.api.tests.conftest import api_as
from amahoro.audit.services import audit_record
from conftest import client_for

pytestmark = pytest.mark.django_db

HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]


def _body(response) -> str:
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("export", ["page", "api"])
def test_audit_csv_exports_escape_formulas(cast, export: str, text: str) -> None:
    audit_record(
        actor=cast.ngo_admin,
        action="create",
        object_type="organisations.contact",
        object_id="3",
        object_repr=text,
        organisation_id=cast.ngo.pk,
    )
    if export == "page":
        body = _body(client_for(cast.ngo_admin).get("/audit/export.csv"))
    else:
        body = _body(
            api_as(cast.ngo_admin).get("/api/v1/audit.csv", {"object_type": "organisations.contact"})
        )
    rows = list(csv.reader(io.StringIO(body)))
    column = rows[0].index("object_repr")
    cells = [r[column] for r in rows[1:] if r[column].lstrip("'") == text]
    assert cells == ["'" + text]


def test_the_page_and_the_api_give_the_same_csv(cast) -> None:
    audit_record(
        actor=cast.ngo_admin,
        action="update",
        object_type="organisations.contact",
        object_id="3",
        object_repr="=1+1",
        organisation_id=cast.ngo.pk,
        changes={"name": ["a", "b"]},
    )
    page = _body(
        client_for(cast.ngo_admin).get("/audit/export.csv", {"object_type": "organisations.contact"})
    )
    api = _body(api_as(cast.ngo_admin).get("/api/v1/audit.csv", {"object_type": "organisations.contact"}))
    page_rows, api_rows = list(csv.DictReader(io.StringIO(page))), list(csv.DictReader(io.StringIO(api)))
    assert list(page_rows[0]) == list(api_rows[0]) == [
        "at", "actor", "action", "object_type", "object_id", "object_repr", "organisation", "org_unit_path",
        "sensitive", "changes", "message", "ip_address", "request_id",
    ]  # fmt: skip
    assert page_rows == api_rows
    assert page_rows[0]["object_repr"] == "'=1+1" and page_rows[0]["changes"] == '{"name": ["a", "b"]}'
