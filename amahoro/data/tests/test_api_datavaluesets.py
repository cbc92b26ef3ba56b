"""/api/v1/dataValueSets: DHIS2 JSON and CSV in and out, the import summary, round trips, bad input, and
refusal (anonymous, no role, other district, other organisation)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rest_framework.test import APIClient

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.data.models import DataValue, Period
from amahoro.data.services import dataset_create

URL = "/api/v1/dataValueSets"

SET = {
    "dataValues": [
        {
            "dataElement": "GBV_CASES",
            "period": "202401",
            "orgUnit": "1101",
            "categoryOptionCombo": "F",
            "attributeOptionCombo": "default",
            "value": "12",
            "comment": "register A",
        },
        {
            "dataElement": "GBV_CASES",
            "period": "202401",
            "orgUnit": "1101",
            "categoryOptionCombo": "M",
            "attributeOptionCombo": "default",
            "value": "3",
        },
        {
            "dataElement": "GBV_TOTAL",
            "period": "202401",
            "orgUnit": "1101",
            "categoryOptionCombo": "default",
            "attributeOptionCombo": "NGO1",
            "value": "15",
            "comment": "NGO's own count",
        },
        {
            "dataElement": "NOTE",
            "period": "202401",
            "orgUnit": "110101",
            "categoryOptionCombo": "default",
            "attributeOptionCombo": "default",
            "value": 'a text, with "quotes"\nand a new line',
        },
        {
            "dataElement": "POP",
            "period": "2024",
            "orgUnit": "11",
            "categoryOptionCombo": "default",
            "attributeOptionCombo": "default",
            "value": "412.5",
        },
    ]
}
KEYS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "comment")


def post(client: APIClient, payload: Any, query: str = "", **kw: Any) -> Any:
    return client.post(f"{URL}{query}", data=json.dumps(payload), content_type="application/json", **kw)


def comparable(values: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(v.get(k) for k in KEYS) for v in values)


def test_posted_set_reads_back_identically_with_code_scheme(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    response = post(client, SET, "?idScheme=code")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "SUCCESS" and body["importCount"]["imported"] == 5
    got = client.get(
        URL,
        {
            "dataElement": ["GBV_CASES", "GBV_TOTAL", "NOTE", "POP"],
            "startDate": "2024-01-01",
            "endDate": "2024-12-31",
            "orgUnit": "11",
            "children": "true",
            "idScheme": "code",
        },
    )
    assert got.status_code == 200, got.content
    values = got.json()["dataValues"]
    assert comparable(values) == comparable(SET["dataValues"])
    first = next(v for v in values if v["categoryOptionCombo"] == "F")
    assert first["storedBy"] == "me_nyarugenge" and first["followup"] is False and first["lastUpdated"]


def test_get_by_period_and_org_unit_without_children(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    post(client, SET)
    got = client.get(
        URL, {"dataElement": "GBV_CASES,GBV_TOTAL", "period": "202401", "orgUnit": "1101"}
    ).json()["dataValues"]
    assert len(got) == 3
    assert {v["orgUnit"] for v in got} == {"1101"}


def test_get_with_uid_scheme_names_uids(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    post(client, SET)
    got = client.get(
        URL, {"dataElement": "uGBV_TOTAL", "period": "202401", "orgUnit": "1101", "idScheme": "uid"}
    ).json()["dataValues"]
    assert [v["dataElement"] for v in got] == ["uGBV_TOTAL"]


def test_get_by_data_set(cast, meta) -> None:
    dataset_create(
        actor=cast.sysadmin,
        code="MONTHLY_GBV",
        name="Monthly GBV",
        data_elements=[meta.cases],
        period_type="Monthly",
    )
    client = api_as(cast.me_nyarugenge)
    post(client, SET)
    got = client.get(URL, {"dataSet": "MONTHLY_GBV", "period": "202401", "orgUnit": "1101"}).json()[
        "dataValues"
    ]
    assert {v["dataElement"] for v in got} == {"GBV_CASES"} and len(got) == 2
    assert_error(client.get(URL, {"dataSet": "NOPE", "period": "202401", "orgUnit": "1101"}), 400, "dataSet")


def test_post_with_data_set_checks_membership_and_period_type(cast, meta) -> None:
    dataset_create(
        actor=cast.sysadmin,
        code="MONTHLY_GBV",
        name="Monthly GBV",
        data_elements=[meta.cases],
        period_type="Monthly",
    )
    client = api_as(cast.me_nyarugenge)
    payload = {
        "dataSet": "MONTHLY_GBV",
        "orgUnit": "1101",
        "dataValues": [
            {"dataElement": "GBV_CASES", "categoryOptionCombo": "F", "period": "202401", "value": "1"},
            {"dataElement": "GBV_TOTAL", "period": "202401", "value": "1"},
            {"dataElement": "GBV_CASES", "categoryOptionCombo": "F", "period": "2024Q1", "value": "1"},
        ],
    }
    body = post(client, payload).json()
    assert body["importCount"]["imported"] == 1
    assert {c["errorCode"] for c in body["conflicts"]} == {"E7633", "E7632"}
    unknown = post(
        client,
        {
            "dataSet": "NOPE",
            "dataValues": [{"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101", "value": "1"}],
        },
    )
    assert unknown.status_code == 409
    assert unknown.json()["conflicts"][0]["errorCode"] == "E7600"


def test_dry_run_through_the_api_changes_nothing(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    before = (DataValue.objects.count(), Period.objects.count())
    response = post(client, SET, "?dryRun=true")
    assert response.status_code == 200
    assert response.json()["importCount"]["imported"] == 5 and response.json()["dryRun"] is True
    assert (DataValue.objects.count(), Period.objects.count()) == before


def test_everything_conflicting_answers_409_with_the_summary(cast, meta) -> None:
    response = post(
        api_as(cast.me_nyarugenge),
        {"dataValues": [{"dataElement": "NOPE", "period": "202401", "orgUnit": "1101", "value": "1"}]},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "ERROR"
    assert body["conflicts"] == [
        {
            "object": "NOPE",
            "value": "Data element not found or not accessible: `NOPE`",
            "errorCode": "E7610",
            "property": "dataElement",
            "indexes": [0],
        }
    ]


def test_some_conflicts_answer_200_with_warning(cast, meta) -> None:
    payload = {
        "dataValues": [
            *SET["dataValues"],
            {"dataElement": "GBV_TOTAL", "period": "2014W53", "orgUnit": "1101", "value": "1"},
        ]
    }
    response = post(api_as(cast.me_nyarugenge), payload)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "WARNING"
    assert body["conflicts"][0]["indexes"] == [5]
    assert "2014 has only 52 ISO weeks" in body["conflicts"][0]["value"]


def test_csv_in_and_out(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    lines = [
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup",
        'GBV_CASES,202401,1101,F,default,12,someone,2024-02-01,"register, A",false',
        "GBV_CASES,202401,1101,M,default,3,,,,",
        "GBV_TOTAL,202401,1101,default,NGO1,15,,,,",
    ]
    response = client.post(URL, data="\n".join(lines), content_type="application/csv")
    assert response.status_code == 200, response.content
    assert response.json()["importCount"]["imported"] == 3
    assert DataValue.objects.get(category_option_combo=meta.female).comment == "register, A"
    for kwargs in ({"HTTP_ACCEPT": "application/csv"}, {"HTTP_ACCEPT": "text/csv"}, {}):
        query = {"dataElement": "GBV_CASES,GBV_TOTAL", "period": "202401", "orgUnit": "1101"}
        if not kwargs:
            query["format"] = "csv"
        out = client.get(URL, query, **kwargs)
        assert out.status_code == 200, out
        assert out["Content-Type"].startswith("application/csv")
        text = b"".join(out.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == lines[0].split(",")
        assert sorted((r[0], r[3], r[4], r[5], r[8]) for r in rows[1:]) == [
            ("GBV_CASES", "F", "default", "12", "register, A"),
            ("GBV_CASES", "M", "default", "3", ""),
            ("GBV_TOTAL", "default", "NGO1", "15", ""),
        ]
        assert rows[1][6] == "me_nyarugenge"  # stored by the importer, not the file's claim
    # What was exported imports again unchanged.
    again = client.post(URL, data=text, content_type="text/csv").json()
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 3, "deleted": 0}


def test_csv_without_header_and_with_a_bad_row(cast, meta) -> None:
    body = "GBV_TOTAL,202401,1101,default,default,7\nGBV_TOTAL,202413,1101,default,default,7\n"
    response = api_as(cast.me_nyarugenge).post(f"{URL}.csv", data=body, content_type="application/csv")
    summary = response.json()
    assert summary["importCount"]["imported"] == 1
    assert summary["conflicts"][0]["errorCode"] == "E7611" and summary["conflicts"][0]["indexes"] == [1]


def test_missing_parameters_are_named(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    body = assert_error(client.get(URL), 400, "dataElement")
    assert (
        "dataElement or dataSet" in body["error"] and "period" in body["error"] and "orgUnit" in body["error"]
    )
    assert_error(client.get(URL, {"dataElement": "GBV_TOTAL", "orgUnit": "11"}), 400, "period")
    assert_error(client.get(URL, {"dataElement": "GBV_TOTAL", "period": "202401"}), 400, "orgUnit")
    assert_error(
        client.get(URL, {"dataElement": "NOPE", "period": "202401", "orgUnit": "11"}), 400, "dataElement"
    )
    assert_error(
        client.get(URL, {"dataElement": "GBV_TOTAL", "period": "2014Q5", "orgUnit": "11"}), 400, "period"
    )
    assert_error(
        client.get(URL, {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "XX"}), 400, "orgUnit"
    )
    assert_error(
        client.get(
            URL,
            {"dataElement": "GBV_TOTAL", "startDate": "2024-13-01", "endDate": "2024-12-31", "orgUnit": "11"},
        ),
        400,
        "startDate",
    )
    assert_error(
        client.get(
            URL, {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "11", "children": "maybe"}
        ),
        400,
        "children",
    )
    assert_error(
        client.get(
            URL, {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "11", "idScheme": "label"}
        ),
        400,
        "idScheme",
    )


def test_bad_bodies_are_4xx(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    assert_error(client.post(URL, data="{not json", content_type="application/json"), 400)
    assert_error(client.post(URL, data="[]", content_type="application/json"), 400)
    assert_error(client.post(URL, data="{}", content_type="application/json"), 400, "dataValues")
    assert_error(client.post(URL, data="dataValues: []", content_type="application/yaml"), 415)
    assert_error(post(client, SET, "?importStrategy=MERGE"), 400, "importStrategy")
    assert_error(post(client, SET, "?dryRun=perhaps"), 400, "dryRun")


# --- refusal ---------------------------------------------------------------------------------------------


def test_anonymous_gets_401(cast, meta) -> None:
    anonymous = APIClient()
    assert_error(anonymous.get(URL, {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "11"}), 401)
    assert_error(post(anonymous, SET), 401)
    assert not DataValue.objects.exists()


def test_user_without_role_gets_403(cast, meta) -> None:
    client = api_as(cast.nobody)
    assert_error(client.get(URL, {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "11"}), 403)
    assert_error(post(client, SET), 403)


def test_viewer_reads_but_cannot_post(cast, meta) -> None:
    post(api_as(cast.me_nyarugenge), SET)
    viewer = api_as(cast.viewer_nyarugenge)
    assert_error(post(viewer, SET), 403)
    got = viewer.get(URL, {"dataElement": "GBV_CASES", "period": "202401", "orgUnit": "1101"})
    assert len(got.json()["dataValues"]) == 2


def test_district_12_user_cannot_read_or_write_district_11_values(cast, meta) -> None:
    post(api_as(cast.me_nyarugenge), SET)
    gasabo = api_as(cast.me_gasabo)
    got = gasabo.get(
        URL,
        {
            "dataElement": "GBV_CASES,GBV_TOTAL,NOTE,POP",
            "startDate": "2024-01-01",
            "endDate": "2024-12-31",
            "orgUnit": "RW",
            "children": "true",
        },
    )
    assert got.status_code == 200 and got.json()["dataValues"] == []
    response = post(
        gasabo,
        {"dataValues": [{"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101", "value": "99"}]},
    )
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["errorCode"] == "E7617"
    assert not DataValue.objects.filter(value="99").exists()


def test_other_organisation_cannot_read_or_write_the_ngos_values(cast, meta) -> None:
    post(api_as(cast.me_nyarugenge), SET)
    police = api_as(cast.police_me_nyarugenge)
    got = police.get(
        URL, {"dataElement": "GBV_CASES,GBV_TOTAL", "period": "202401", "orgUnit": "1101"}
    ).json()["dataValues"]
    assert {v["attributeOptionCombo"] for v in got} == {"default"}  # the NGO1-attributed value is absent
    assert len(got) == 2
    response = post(
        police,
        {
            "dataValues": [
                {
                    "dataElement": "GBV_TOTAL",
                    "period": "202401",
                    "orgUnit": "1101",
                    "attributeOptionCombo": "NGO1",
                    "value": "0",
                }
            ]
        },
    )
    assert response.status_code == 409 and response.json()["conflicts"][0]["errorCode"] == "E7616"
    assert DataValue.objects.get(attribute_option_combo=meta.aoc_ngo).value == "15"


def test_last_updated_and_include_deleted(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    post(client, SET)
    post(
        client,
        {
            "dataValues": [
                {
                    "dataElement": "GBV_TOTAL",
                    "period": "202401",
                    "orgUnit": "1101",
                    "attributeOptionCombo": "NGO1",
                    "value": "",
                }
            ]
        },
    )
    since = {
        "dataElement": "GBV_CASES,GBV_TOTAL",
        "lastUpdated": "2000-01-01",
        "orgUnit": "11",
        "children": "true",
    }
    assert len(client.get(URL, since).json()["dataValues"]) == 2
    with_deleted = client.get(URL, {**since, "includeDeleted": "true"}).json()["dataValues"]
    assert len(with_deleted) == 3 and [v["deleted"] for v in with_deleted].count(True) == 1
    assert client.get(URL, {**since, "lastUpdated": "2999-01-01"}).json()["dataValues"] == []
    assert_error(client.get(URL, {**since, "lastUpdated": "yesterday"}), 400, "lastUpdated")
