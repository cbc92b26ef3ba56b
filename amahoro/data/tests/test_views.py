"""The data-entry grid and the upload page: rendering, saving a cell with htmx, validation and locks shown,
approval buttons, and refusal (anonymous, no role, other district, read-only roles)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from amahoro.data import services
from amahoro.data.models import DataApproval, DataValue
from amahoro.geo.models import OrgUnit
from conftest import client_for

ENTRY = "/data/entry/"
SAVE = "/data/entry/save/"
GRID = {"org_unit": "1101", "period": "202401", "data_element": ["GBV_CASES", "GBV_TOTAL"]}
HTMX = {"HTTP_HX_REQUEST": "true"}


def save(client: Any, de: str, coc: str, value: str, unit: str = "1101", **extra: str) -> Any:
    data = {
        "org_unit": unit,
        "period": "202401",
        "attribute_option_combo": "default",
        "data_element": de,
        "category_option_combo": coc,
        "value": value,
        **extra,
    }
    return client.post(SAVE, data, **HTMX)


def test_grid_shows_disaggregations_and_stored_values(cast, meta) -> None:
    services.datavalues_import(
        actor=cast.me_nyarugenge,
        payload={
            "dataValues": [
                {
                    "dataElement": "GBV_CASES",
                    "categoryOptionCombo": "F",
                    "period": "202401",
                    "orgUnit": "1101",
                    "value": "4",
                }
            ]
        },
    )
    response = client_for(cast.me_nyarugenge).get(ENTRY, GRID)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-de="GBV_CASES" data-coc="F"' in html and 'data-de="GBV_CASES" data-coc="M"' in html
    assert 'data-de="GBV_TOTAL" data-coc="default"' in html
    assert 'value="4"' in html
    assert (
        'data-editable="true"' in html
        and "disabled" not in html.split('id="entry-grid"')[1].split("</div>")[0]
    )


def test_chooser_without_parameters(cast, meta) -> None:
    response = client_for(cast.me_nyarugenge).get(ENTRY)
    assert response.status_code == 200
    assert b'id="entry-data-set"' in response.content and b'id="entry-place"' in response.content
    assert b'id="entry-grid"' not in response.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({**GRID, "period": "2014W53"}, "period"),
        ({**GRID, "data_element": ["NOPE"]}, "data_element"),
        ({"org_unit": "1101", "period": "202401"}, "data_element"),
        ({"org_unit": "1101"}, "period"),
        ({**GRID, "attribute_option_combo": "NOPE"}, "attribute_option_combo"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(cast, meta, params, field) -> None:
    response = client_for(cast.me_nyarugenge).get(ENTRY, params)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_saving_a_cell_stores_the_value_and_shows_validation(cast, meta) -> None:
    services.validation_rule_create(
        actor=cast.sysadmin,
        code="SUM",
        name="F + M = total",
        left="#{GBV_CASES}",
        operator="==",
        right="#{GBV_TOTAL}",
    )
    client = client_for(cast.me_nyarugenge)
    response = save(client, "GBV_TOTAL", "default", "10")
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    response = save(client, "GBV_CASES", "F", "4")
    html = response.content.decode()
    assert 'hx-swap-oob="true"' in html and "F + M = total</strong>: 4 must be equal to 10" in html
    value = DataValue.objects.get(data_element=meta.cases)
    assert (value.value, value.stored_by) == ("4", cast.me_nyarugenge)
    assert "No validation rule is violated" in save(client, "GBV_CASES", "M", "6").content.decode()
    # Clearing a cell deletes the value (softly).
    assert "Deleted" in save(client, "GBV_CASES", "M", "").content.decode()
    assert DataValue.objects.get(data_element=meta.cases, category_option_combo=meta.male).deleted


def test_a_bad_value_is_refused_with_the_reason(cast, meta) -> None:
    response = save(client_for(cast.me_nyarugenge), "GBV_CASES", "F", "-3")
    assert "must be a whole number, 0 or more" in response.content.decode()
    assert not DataValue.objects.exists()
    plain = client_for(cast.me_nyarugenge).post(
        SAVE,
        {
            "org_unit": "1101",
            "period": "202401",
            "data_element": "GBV_CASES",
            "category_option_combo": "F",
            "value": "x",
        },
    )
    assert plain.status_code == 400


def test_locked_period_shows_the_reason_and_refuses_saving(cast, meta) -> None:
    services.data_lock_create(
        actor=cast.me_nyarugenge,
        period=services.period_ensure(code="202401"),
        org_unit=OrgUnit.objects.get(code="11"),
    )
    client = client_for(cast.me_nyarugenge)
    html = client.get(ENTRY, GRID).content.decode()
    assert "Period is locked" in html
    grid = html.split('id="entry-grid"')[1].split("</table>")[0]
    assert "disabled" in grid and 'data-editable="false"' in html
    response = save(client, "GBV_TOTAL", "default", "3")
    assert "this period is closed for data entry here" in response.content.decode()
    assert not DataValue.objects.exists()


def test_approve_and_unapprove_from_the_page(cast, meta) -> None:
    client = client_for(cast.me_nyarugenge)
    html = client.get(ENTRY, GRID).content.decode()
    assert "/data/entry/approval/approve/" in html
    response = client.post(
        "/data/entry/approval/approve/",
        {
            "org_unit": "1101",
            "period": "202401",
            "return_query": "org_unit=1101&period=202401&data_element=GBV_TOTAL",
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/data/entry/?org_unit=1101")
    assert DataApproval.objects.get().state == "approved"
    page = client.get(ENTRY, {**GRID, "data_element": ["GBV_TOTAL"]}).content.decode()
    assert "Data is approved" in page and "/data/entry/approval/unapprove/" in page
    assert "this data is approved" in save(client, "GBV_TOTAL", "default", "3").content.decode()
    # A clerk may not approve or unapprove.
    assert (
        client_for(cast.clerk_sector)
        .post("/data/entry/approval/unapprove/", {"org_unit": "1101", "period": "202401"})
        .status_code
        == 403
    )
    client.post("/data/entry/approval/unapprove/", {"org_unit": "1101", "period": "202401"})
    assert not DataApproval.objects.exists()


def test_refusal(cast, meta) -> None:
    from django.test import Client

    anonymous = Client()
    response = anonymous.get(ENTRY, GRID)
    assert response.status_code == 302 and "login" in response["Location"]
    assert anonymous.post(SAVE, {}).status_code == 302
    assert client_for(cast.nobody).get(ENTRY, GRID).status_code == 403
    # Other district: the org unit is "not found", for the page and for saving.
    assert client_for(cast.me_gasabo).get(ENTRY, GRID).status_code == 404
    assert save(client_for(cast.me_gasabo), "GBV_TOTAL", "default", "1").status_code == 404
    # A viewer sees the grid read-only and cannot save.
    html = client_for(cast.viewer_nyarugenge).get(ENTRY, GRID).content.decode()
    assert "Read only" in html and 'data-editable="false"' in html
    assert save(client_for(cast.viewer_nyarugenge), "GBV_TOTAL", "default", "1").status_code == 403
    # Other organisation: the NGO's attribute is refused.
    response = save(
        client_for(cast.police_me_nyarugenge), "GBV_TOTAL", "default", "1", attribute_option_combo="NGO1"
    )
    assert "may not enter data" in response.content.decode()
    assert not DataValue.objects.exists()


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_upload_page(cast, meta) -> None:
    client = client_for(cast.me_nyarugenge)
    assert client.get("/data/upload/").status_code == 200
    bad = _xlsx(
        [
            ["data_element", "org_unit", "period", "value"],
            ["GBV_TOTAL", "1101", "202401", 3],
            ["GBV_TOTAL", "1101", "2014Q5", 3],
        ]
    )
    response = client.post("/data/upload/", {"file": SimpleUploadedFile("x.xlsx", bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html and "2014Q5" in html and "<td>3</td><td>period</td>" in html
    assert not DataValue.objects.exists()
    response = client.post(
        "/data/upload/", {"file": SimpleUploadedFile("x.xlsx", bad), "import_valid_rows": "on"}
    )
    assert response.status_code == 200 and DataValue.objects.count() == 1
    assert client.post("/data/upload/", {}).status_code == 400
    assert client_for(cast.viewer_nyarugenge).get("/data/upload/").status_code == 403
    from django.test import Client

    assert Client().get("/data/upload/").status_code == 302


def test_admin_lists_values_through_the_policy_read_only(cast, meta) -> None:
    services.datavalues_import(
        actor=cast.sysadmin,
        payload={
            "dataValues": [
                {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101", "value": "111"},
                {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1201", "value": "222"},
            ]
        },
    )
    cast.me_gasabo.is_staff = True
    cast.me_gasabo.save()
    html = client_for(cast.me_gasabo).get("/admin/data/datavalue/").content.decode()
    assert "222" in html and "111" not in html
    value = DataValue.objects.get(value="111")
    assert client_for(cast.me_gasabo).get(f"/admin/data/datavalue/{value.pk}/change/").status_code in (
        302,
        403,
        404,
    )
    assert client_for(cast.me_gasabo).post("/admin/data/datavalue/add/", {}).status_code == 403
    assert client_for(cast.me_nyarugenge).get("/admin/data/datavalue/").status_code == 302  # not staff
