"""DHIS2 compatibility: identifier schemes (UID, CODE, NAME, ATTRIBUTE:<x>), DHIS2's default option combo
uid, DHIS2 import parameters, data sets in dataValueSets and metadata, DHIS2-exported metadata (references
by id, objects without codes, organisation units), and the DHIS2-compatible /api/ paths."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from amahoro.accounts.services import token_create
from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.data.models import DataSet, DataValue
from amahoro.data.services import dataset_create
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import CategoryOption, DataElement

URL = "/api/v1/dataValueSets"
DEFAULT_COC = "HllvX50cXC0"


def post(client: Any, payload: Any, query: str = "", url: str = URL) -> Any:
    return client.post(f"{url}{query}", data=json.dumps(payload), content_type="application/json")


def one(de: str, ou: str, value: str = "5", **kw: str) -> dict[str, Any]:
    return {"dataValues": [{"dataElement": de, "period": "202401", "orgUnit": ou, "value": value, **kw}]}


# ---------------------------------------------------------------------------------------------------------
# Identifier schemes


def test_org_unit_uid_scheme_is_honoured_not_ignored(cast: Any, meta: Any) -> None:
    OrgUnit.objects.filter(code="1101").update(uid="OuNyarug001")
    client = api_as(cast.me_nyarugenge)
    body = post(client, one("GBV_TOTAL", "OuNyarug001"), "?orgUnitIdScheme=UID").json()
    assert body["importCount"]["imported"] == 1, body
    assert DataValue.objects.get(org_unit__code="1101").value == "5"
    # Under UID, a code is not a uid: refused, never matched as a code behind the client's back.
    response = post(client, one("GBV_TOTAL", "1101", "6"), "?orgUnitIdScheme=uid")
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["errorCode"] == "E7612"
    assert DataValue.objects.get(org_unit__code="1101").value == "5"


def test_name_and_attribute_schemes_and_dhis2_default_option_combo_uid(cast: Any, meta: Any) -> None:
    DataElement.objects.filter(code="GBV_TOTAL").update(attribute_values={"HMIS": "X1", "AtHmis0001a": "X1"})
    client = api_as(cast.me_nyarugenge)
    payload = {
        "dataValues": [
            {
                "dataElement": "GBV_TOTAL name",
                "period": "202401",
                "orgUnit": "1101",
                "categoryOptionCombo": DEFAULT_COC,
                "attributeOptionCombo": DEFAULT_COC,
                "value": "7",
            },
            {"dataElement": "GBV_CASES name", "period": "202401", "orgUnit": "1101", "value": "1"},
        ]
    }
    body = post(client, payload, "?dataElementIdScheme=NAME").json()
    assert body["importCount"]["imported"] == 1
    assert body["conflicts"][0]["errorCode"] == "E7630"  # GBV_CASES is by sex: no default cell
    body = post(client, one("X1", "1101", "8"), "?dataElementIdScheme=ATTRIBUTE:HMIS").json()
    assert body["importCount"]["updated"] == 1, body
    body = post(client, one("X1", "1101", "9"), "?idScheme=attribute:AtHmis0001a&orgUnitIdScheme=CODE").json()
    assert body["importCount"]["updated"] == 1, body
    assert DataValue.objects.get(data_element__code="GBV_TOTAL").value == "9"
    # Exported under the same schemes.
    rows = client.get(
        URL, {"dataElement": "X1", "period": "202401", "orgUnit": "1101", "idScheme": "ATTRIBUTE:HMIS"}
    ).json()["dataValues"]
    assert rows[0]["dataElement"] == "X1"


def test_a_name_naming_two_data_elements_is_ambiguous_not_guessed(cast: Any, meta: Any) -> None:
    DataElement.objects.filter(code="POP").update(name="GBV_TOTAL name")
    body = post(api_as(cast.me_nyarugenge), one("GBV_TOTAL name", "1101"), "?dataElementIdScheme=NAME").json()
    assert body["status"] == "ERROR"
    assert "several" in body["conflicts"][0]["value"]
    assert not DataValue.objects.exists()


def test_unknown_scheme_is_a_400_naming_the_parameter(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    assert_error(post(client, one("GBV_TOTAL", "1101"), "?orgUnitIdScheme=LABEL"), 400, "orgUnitIdScheme")
    assert_error(post(client, one("GBV_TOTAL", "1101"), "?idScheme=ATTRIBUTE:"), 400, "idScheme")


def test_dhis2_import_parameters_are_accepted_with_notes(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    query = "?async=true&skipAudit=true&preheatCache=false&strictPeriods=true&importStrategy=NEW_AND_UPDATES"
    response = post(client, one("GBV_TOTAL", "1101"), query)
    assert response.status_code == 200, response.content
    notes = " ".join(response.json()["notes"])
    assert "skipAudit" in notes and "async" in notes and "strictPeriods" in notes
    # atomicMode=ALL: one bad value and nothing is saved.
    bad = one("GBV_TOTAL", "1101", "10")
    bad["dataValues"].append({"dataElement": "NOPE", "period": "202401", "orgUnit": "1101", "value": "1"})
    body = post(client, bad, "?atomicMode=ALL").json()
    assert body["status"] == "ERROR"
    assert DataValue.objects.get(data_element__code="GBV_TOTAL").value == "5"
    body = post(client, bad, "?atomicMode=NONE").json()
    assert body["status"] == "WARNING"
    assert DataValue.objects.get(data_element__code="GBV_TOTAL").value == "10"
    assert_error(post(client, bad, "?atomicMode=SOMETIMES"), 400, "atomicMode")


# ---------------------------------------------------------------------------------------------------------
# Data sets


def test_payload_naming_a_data_set_by_uid_works_and_its_places_are_checked(cast: Any, meta: Any) -> None:
    ds = dataset_create(
        actor=cast.sysadmin,
        code="MONTHLY",
        name="Monthly",
        data_elements=[meta.total],
        period_type="Monthly",
        uid="DsMonthly01",
    )
    client = api_as(cast.me_nyarugenge)
    body = post(client, {"dataSet": "DsMonthly01", **one("GBV_TOTAL", "1101")}).json()
    assert body["importCount"]["imported"] == 1, body
    ds.org_units.set([OrgUnit.objects.get(code="110101")])
    response = post(client, {"dataSet": "DsMonthly01", **one("GBV_TOTAL", "1101", "6")})
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["errorCode"] == "E7603"
    response = post(client, {"dataSet": "NoSuchSet01", **one("GBV_TOTAL", "1101", "6")})
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["errorCode"] == "E7600"


DHIS2_EXPORT: dict[str, Any] = {
    "system": {"id": "eed3d451-4ff5-4193-b951-ffcc68954299", "version": "2.39.1"},
    "organisationUnits": [{"id": "OuNyarug001", "code": "1101", "name": "Nyarugenge", "level": 3}],
    "categoryOptions": [
        {"id": "xYerKDKCefk", "name": "default"},
        {"id": "CoFemale001", "name": "Female", "shortName": "Female"},
        {"id": "CoMale00001", "name": "Male", "shortName": "Male", "code": "MALE"},
    ],
    "categories": [
        {"id": "GLevLNI9wkl", "name": "default"},
        {
            "id": "CaSex000001",
            "name": "Sex",
            "categoryOptions": [{"id": "CoFemale001"}, {"id": "CoMale00001"}],
        },
    ],
    "categoryCombos": [
        {"id": "bjDvmb4bfuf", "name": "default"},
        {"id": "CcSex000001", "name": "Sex", "categories": [{"id": "CaSex000001"}]},
    ],
    "categoryOptionCombos": [
        {"id": "HllvX50cXC0", "name": "default", "categoryCombo": {"id": "bjDvmb4bfuf"}},
        {
            "id": "CocFemale01",
            "name": "Female",
            "categoryCombo": {"id": "CcSex000001"},
            "categoryOptions": [{"id": "CoFemale001"}],
        },
    ],
    "dataElements": [
        {
            "id": "DeVisits001",
            "name": "Visits",
            "shortName": "Visits",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "domainType": "AGGREGATE",
            "categoryCombo": {"id": "CcSex000001"},
        },
        {
            "id": "DeReports01",
            "code": "REPORTS",
            "name": "Reports",
            "valueType": "INTEGER",
            "categoryCombo": {"id": "bjDvmb4bfuf"},
            "attributeValues": [{"attribute": {"id": "AtHmis0001a"}, "value": "HMIS-7"}],
        },
    ],
    "dataSets": [
        {
            "id": "DsClinic001",
            "name": "Clinic monthly",
            "periodType": "Monthly",
            "categoryCombo": {"id": "bjDvmb4bfuf"},
            "dataSetElements": [
                {"dataElement": {"id": "DeVisits001"}, "dataSet": {"id": "DsClinic001"}},
                {"dataElement": {"id": "DeReports01"}},
            ],
            "organisationUnits": [{"id": "OuNyarug001"}],
        }
    ],
}


def test_a_dhis2_export_imports_with_id_references_and_no_codes(cast: Any, meta: Any) -> None:
    response = api_as(cast.sysadmin).post("/api/v1/metadata", DHIS2_EXPORT, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "OK", response.json()
    visits = DataElement.objects.get(uid="DeVisits001")
    assert visits.code == "DeVisits001" and visits.category_combo.uid == "CcSex000001"
    assert CategoryOption.objects.get(uid="CoFemale001").code == "CoFemale001"
    assert DataElement.objects.get(code="REPORTS").category_combo.code == "default"
    assert DataElement.objects.get(code="REPORTS").attribute_values == {"AtHmis0001a": "HMIS-7"}
    assert OrgUnit.objects.get(code="1101").uid == "OuNyarug001"
    ds = DataSet.objects.get(uid="DsClinic001")
    assert ds.period_type == "Monthly"
    assert set(ds.data_elements.values_list("uid", flat=True)) == {"DeVisits001", "DeReports01"}
    assert list(ds.org_units.values_list("code", flat=True)) == ["1101"]
    # Re-importing the same file changes nothing.
    again = api_as(cast.sysadmin).post("/api/v1/metadata", DHIS2_EXPORT, format="json").json()
    assert again["stats"]["created"] == 0 and again["stats"]["updated"] == 0, again
    # A DHIS2 client then sends data for it, all by uid.
    female = visits.category_combo.option_combos.get(options__uid="CoFemale001")
    assert (female.uid, female.code) == ("CocFemale01", "CoFemale001")  # generated code kept, uid recorded
    payload = {
        "dataSet": "DsClinic001",
        "period": "202401",
        "orgUnit": "OuNyarug001",
        "dataValues": [
            {"dataElement": "DeVisits001", "categoryOptionCombo": "CocFemale01", "value": "4"},
            {"dataElement": "DeReports01", "categoryOptionCombo": DEFAULT_COC, "value": "2"},
        ],
    }
    body = post(api_as(cast.me_nyarugenge), payload, "?idScheme=UID").json()
    assert body["importCount"]["imported"] == 2, body
    # And the export has the data set, as DHIS2 shapes it.
    exported = api_as(cast.sysadmin).get("/api/v1/metadata").json()["dataSets"]
    clinic = next(d for d in exported if d["id"] == "DsClinic001")
    assert {e["dataElement"]["id"] for e in clinic["dataSetElements"]} == {"DeVisits001", "DeReports01"}
    assert clinic["organisationUnits"] == [{"code": "1101", "id": "OuNyarug001"}]


def test_organisation_units_that_match_no_place_are_refused_not_dropped(cast: Any, meta: Any) -> None:
    payload = {
        "organisationUnits": [{"id": "OuUnknown01", "name": "Somewhere else", "code": "ZZ99"}],
        "dataSets": [{"id": "DsOther0001", "name": "Other", "organisationUnits": [{"id": "OuUnknown01"}]}],
    }
    response = api_as(cast.sysadmin).post("/api/v1/metadata", payload, format="json")
    assert response.status_code == 409
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert "ZZ99" in messages and "OuUnknown01" in messages
    assert not DataSet.objects.exists()
    no_code = {"organisationUnits": [{"id": "OuUnknown02", "name": "Nowhere"}]}
    response = api_as(cast.sysadmin).post("/api/v1/metadata", no_code, format="json")
    assert response.status_code == 409 and "Nowhere" in response.json()["errors"][0]["message"]


def test_only_place_managers_record_a_dhis2_uid_on_a_place(cast: Any, meta: Any) -> None:
    payload = {"organisationUnits": [{"id": "OuNyarug001", "code": "1101", "name": "Nyarugenge"}]}
    response = api_as(cast.me_nyarugenge).post("/api/v1/metadata", payload, format="json")
    assert response.status_code in (403, 409)
    assert OrgUnit.objects.get(code="1101").uid is None


# ---------------------------------------------------------------------------------------------------------
# DHIS2-compatible paths


@pytest.mark.parametrize("prefix", ["/api/", "/api/38/"])
def test_dhis2_paths_answer_with_a_base_url(cast: Any, meta: Any, prefix: str) -> None:
    _, key = token_create(actor=cast.me_nyarugenge, user=cast.me_nyarugenge, name="dhis2.py")
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION=f"ApiToken {key}")
    info = client.get(f"{prefix}system/info").json()
    assert info["version"].startswith("2.")
    me = client.get(f"{prefix}me").json()
    assert me["username"] == cast.me_nyarugenge.username and "data.enter" in me["authorities"]
    body = post(client, one("GBV_TOTAL", "1101"), url=f"{prefix}dataValueSets").json()
    assert body["response"]["importCount"]["imported"] == 1
    got = client.get(
        f"{prefix}dataValueSets.json", {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101"}
    )
    assert got.json()["dataValues"][0]["value"] == "5"
    csv = client.get(
        f"{prefix}dataValueSets.csv", {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101"}
    )
    assert csv.status_code == 200 and b"GBV_TOTAL" in b"".join(csv.streaming_content)
    assert client.get(f"{prefix}metadata").status_code == 200


def test_dhis2_paths_keep_the_same_refusals(cast: Any, meta: Any) -> None:
    for path in ("/api/system/info", "/api/me", "/api/metadata", "/api/dataValueSets"):
        assert api_as(None).get(path).status_code == 401, path
    assert_error(
        post(api_as(cast.viewer_nyarugenge), one("GBV_TOTAL", "1101"), url="/api/dataValueSets"), 403
    )
    assert_error(api_as(cast.nobody).get("/api/metadata"), 403)
    # Basic auth works as DHIS2 clients send it; a wrong password does not.
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"me_nyarugenge:wrong").decode())
    assert client.get("/api/me").status_code == 401
    # Other districts stay out of reach.
    body = post(api_as(cast.me_gasabo), one("GBV_TOTAL", "1101"), url="/api/dataValueSets").json()
    assert body["status"] == "ERROR" and not DataValue.objects.exists()


def test_imports_answer_with_dhis2_238_web_messages(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    mixed = one("GBV_TOTAL", "1101")
    mixed["dataValues"].append({"dataElement": "NOPE", "period": "202401", "orgUnit": "1101", "value": "1"})
    # DHIS2 paths: exactly DHIS2 2.38+ (409 whenever there are conflicts, the summary under "response").
    response = post(client, mixed, url="/api/dataValueSets")
    assert response.status_code == 409
    body = response.json()
    assert (body["httpStatus"], body["httpStatusCode"], body["status"]) == ("Conflict", 409, "WARNING")
    assert body["response"]["responseType"] == "ImportSummary"
    assert body["response"]["status"] == "WARNING"
    assert body["response"]["importCount"] == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}
    assert body["response"]["conflicts"][0]["object"] == "NOPE"
    response = post(client, one("GBV_TOTAL", "1101", "6"), url="/api/dataValueSets")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["response"]["status"]) == ("OK", "SUCCESS")
    # /api/v1: the older contract kept (top-level summary, 200 when some values went in), wrapper added.
    response = post(client, mixed)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "WARNING" and body["importCount"]["updated"] == 1
    assert body["httpStatusCode"] == 200 and body["response"]["responseType"] == "ImportSummary"
    # Metadata: an ImportReport in the same wrapper.
    bad = {"dataElements": [{"code": "X", "name": "X", "valueType": "NOPE"}]}
    response = api_as(cast.sysadmin).post("/api/metadata", bad, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["httpStatusCode"] == 409 and body["response"]["responseType"] == "ImportReport"
    assert body["response"]["status"] == "ERROR"
    v1 = api_as(cast.sysadmin).post("/api/v1/metadata", bad, format="json")
    assert v1.status_code == 409 and v1.json()["status"] == "ERROR" and v1.json()["errors"]


# ---------------------------------------------------------------------------------------------------------
# DHIS2 XML and ADX

DXF2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" period="202401" orgUnit="1101">
  <dataValue dataElement="GBV_CASES" categoryOptionCombo="F" value="12" comment="register &amp; book"/>
  <dataValue dataElement="GBV_CASES" categoryOptionCombo="M" value="3"/>
</dataValueSet>"""

ADX = b"""<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="urn:ihe:qrph:adx:2015" exported="2024-02-01T10:00:00Z">
  <group orgUnit="1101" period="2024-01-01/P1M">
    <dataValue dataElement="GBV_CASES" sex_cat="F" value="4"><annotation>from ADX</annotation></dataValue>
    <dataValue dataElement="GBV_CASES" sex_cat="X" value="1"/>
    <dataValue dataElement="GBV_TOTAL" value="5"/>
  </group>
</adx>"""

QUERY = {"dataElement": "GBV_CASES", "period": "202401", "orgUnit": "1101"}


def test_dhis2_xml_in_and_out(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    response = client.post(URL, data=DXF2, content_type="application/xml")
    assert response.status_code == 200, response.content
    assert response.json()["importCount"]["imported"] == 2
    assert DataValue.objects.get(category_option_combo__code="F").comment == "register & book"
    got = client.get("/api/dataValueSets.xml", QUERY)
    assert got["Content-Type"].startswith("application/xml")
    text = b"".join(got.streaming_content)
    from defusedxml import ElementTree

    root = ElementTree.fromstring(text)
    values = {v.get("categoryOptionCombo"): v.get("value") for v in root}
    assert values == {"F": "12", "M": "3"}
    # Re-posting the export changes nothing.
    again = client.post(URL, data=text, content_type="application/xml").json()
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 2, "deleted": 0}


def test_adx_in_and_out(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    response = client.post("/api/dataValueSets", data=ADX, content_type="application/adx+xml")
    body = response.json()
    assert response.status_code == 409 and body["response"]["importCount"]["imported"] == 2, body
    assert body["response"]["conflicts"][0]["object"] == "sex_cat=X"
    assert DataValue.objects.get(category_option_combo__code="F").comment == "from ADX"
    got = client.get(URL, QUERY, HTTP_ACCEPT="application/adx+xml")
    assert got["Content-Type"].startswith("application/adx+xml")
    assert b'period="2024-01-01/P1M"' in got.content and b'sex_cat="F"' in got.content
    again = client.post(URL, data=got.content, content_type="application/adx+xml").json()
    assert again["importCount"]["ignored"] == 1 and again["importCount"]["imported"] == 0


def test_bad_or_hostile_xml_is_a_400(cast: Any, meta: Any) -> None:
    client = api_as(cast.me_nyarugenge)
    xxe = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0"><dataValue dataElement="&x;" value="1"/></dataValueSet>"""
    assert_error(client.post(URL, data=xxe, content_type="application/xml"), 400)
    assert_error(client.post(URL, data=b"<dataValueSet", content_type="text/xml"), 400)
    assert_error(client.post(URL, data=b"<html/>", content_type="application/xml"), 400)
    bad_period = ADX.replace(b"2024-01-01/P1M", b"2024-01-02/P1M")
    error = assert_error(client.post(URL, data=bad_period, content_type="application/adx+xml"), 400)
    assert "group 1" in json.dumps(error)
    assert not DataValue.objects.exists()
