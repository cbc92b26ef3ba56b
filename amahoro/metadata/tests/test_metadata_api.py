"""POST/GET /api/v1/metadata: DHIS2's shape, create or update by code, atomic import summary, strategies,
and who may do it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.audit.models import AuditEvent
from amahoro.frameworks.models import Indicator
from amahoro.metadata.models import Category, CategoryOption, CategoryOptionCombo, DataElement

from .factories import SEX_AGE_PAYLOAD

pytestmark = pytest.mark.django_db
URL = "/api/v1/metadata"


def post(user: Any, payload: Any, query: str = "") -> Any:
    return api_as(user).post(URL + query, payload, format="json")


def test_anonymous_gets_401(db: Any) -> None:
    assert api_as(None).post(URL, SEX_AGE_PAYLOAD, format="json").status_code == 401
    assert api_as(None).get(URL).status_code == 401


def test_roles_without_framework_manage_get_403(cast: Any) -> None:
    for user in (cast.viewer_nyarugenge, cast.clerk_sector, cast.nobody):
        assert_error(post(user, SEX_AGE_PAYLOAD), 403)
    assert_error(api_as(cast.nobody).get(URL), 403)
    assert not CategoryOption.objects.exists()


def test_system_admin_imports_shared_metadata(cast: Any) -> None:
    r = post(cast.sysadmin, SEX_AGE_PAYLOAD)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "OK" and body["errors"] == []
    assert body["stats"] == {"created": 11, "updated": 0, "ignored": 0, "total": 11}
    de = DataElement.objects.get(code="GBV_AWARE")
    assert (
        de.organisation is None
        and de.category_combo.code == "SEX_AGE"
        and de.value_type == "INTEGER_ZERO_OR_POSITIVE"
    )
    assert DataElement.objects.get(code="PARTICIPANTS").category_combo.code == "default"
    assert CategoryOption.objects.get(code="F").name_fr == "Femme"
    assert AuditEvent.objects.filter(object_type="metadata.dataelement", action="create").count() == 3


def test_reimport_is_ignored_and_changes_are_updates(cast: Any) -> None:
    post(cast.sysadmin, SEX_AGE_PAYLOAD)
    body = post(cast.sysadmin, SEX_AGE_PAYLOAD).json()
    assert body["status"] == "OK" and body["stats"] == {
        "created": 0,
        "updated": 0,
        "ignored": 11,
        "total": 11,
    }
    changed = copy.deepcopy(SEX_AGE_PAYLOAD)
    changed["dataElements"][0]["name"] = "Reached by awareness sessions"
    changed["dataElements"][0]["aggregationType"] = "AVERAGE"
    body = post(cast.sysadmin, changed).json()
    assert body["stats"]["updated"] == 1 and body["stats"]["created"] == 0
    assert DataElement.objects.get(code="GBV_AWARE").aggregation_type == "AVERAGE"


def test_errors_write_nothing_and_answer_409(cast: Any) -> None:
    payload = copy.deepcopy(SEX_AGE_PAYLOAD)
    payload["dataElements"].append(
        {"code": "BAD", "name": "Bad", "valueType": "MONEY", "aggregationType": "SUM"}
    )
    payload["dataElements"].append(
        {"code": "BAD2", "name": "Bad 2", "valueType": "NUMBER", "categoryCombo": {"code": "NOPE"}}
    )
    payload["categories"].append({"code": "EMPTY", "name": "Empty"})
    r = post(cast.sysadmin, payload)
    assert r.status_code == 409
    body = r.json()
    assert body["status"] == "ERROR"
    assert body["stats"] == {"created": 0, "updated": 0, "ignored": 14, "total": 14}
    by_object = {e["object"]: e for e in body["errors"]}
    assert set(by_object) == {"dataElements[3]", "dataElements[4]", "categories[2]"}
    assert (
        by_object["dataElements[3]"]["code"] == "BAD"
        and "unknown valueType 'MONEY'" in by_object["dataElements[3]"]["message"]
    )
    assert by_object["dataElements[3]"]["property"] == "valueType"
    assert "unknown category combo 'NOPE'" in by_object["dataElements[4]"]["message"]
    assert "needs categoryOptions" in by_object["categories[2]"]["message"]
    assert not CategoryOption.objects.exists() and not DataElement.objects.exists()
    assert not CategoryOptionCombo.objects.exclude(code="default").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([{"code": "X"}], "body"),
        ({"nothing": []}, "body"),
    ],
)
def test_malformed_bodies_are_400(cast: Any, payload: Any, field: str) -> None:
    assert_error(post(cast.sysadmin, payload), 400, field)


def test_bad_query_parameters_are_400(cast: Any) -> None:
    assert_error(post(cast.sysadmin, SEX_AGE_PAYLOAD, "?importStrategy=DELETE"), 400, "importStrategy")
    assert_error(post(cast.sysadmin, SEX_AGE_PAYLOAD, "?dryRun=maybe"), 400, "dryRun")
    assert_error(post(cast.sysadmin, SEX_AGE_PAYLOAD, "?importStrateg=CREATE"), 400, "importStrateg")
    assert_error(post(cast.sysadmin, SEX_AGE_PAYLOAD, "?organisation=NOPE"), 400, "organisation")


def test_duplicate_codes_and_bad_codes_are_named(cast: Any) -> None:
    body = post(
        cast.sysadmin,
        {
            "categoryOptions": [
                {"code": "A", "name": "A"},
                {"code": "A", "name": "A again"},
                {"code": "B.C", "name": "dot"},
                {"code": "", "name": "none"},
            ]
        },
    ).json()
    messages = {e["object"]: e["message"] for e in body["errors"]}
    assert "appears twice" in messages["categoryOptions[1]"]
    assert "invalid code 'B.C'" in messages["categoryOptions[2]"]
    assert "invalid code ''" in messages["categoryOptions[3]"]


def test_dry_run_writes_nothing(cast: Any) -> None:
    body = post(cast.sysadmin, SEX_AGE_PAYLOAD, "?dryRun=true").json()
    assert body["status"] == "OK" and body["dryRun"] is True and body["stats"]["created"] == 11
    assert not CategoryOption.objects.exists()


def test_import_strategies(cast: Any) -> None:
    post(cast.sysadmin, SEX_AGE_PAYLOAD)
    payload = {"categoryOptions": [{"code": "F", "name": "Women"}, {"code": "X", "name": "New"}]}
    body = post(cast.sysadmin, payload, "?importStrategy=CREATE").json()
    assert body["status"] == "WARNING" and body["stats"]["created"] == 1 and body["stats"]["ignored"] == 1
    assert (
        body["errors"][0]["object"] == "categoryOptions[0]"
        and "already exists" in body["errors"][0]["message"]
    )
    assert CategoryOption.objects.get(code="F").name == "Female"
    body = post(
        cast.sysadmin,
        {"categoryOptions": [{"code": "F", "name": "Women"}, {"code": "Y", "name": "New"}]},
        "?importStrategy=UPDATE",
    ).json()
    assert body["status"] == "WARNING" and body["stats"]["updated"] == 1 and body["stats"]["ignored"] == 1
    assert (
        CategoryOption.objects.get(code="F").name == "Women"
        and not CategoryOption.objects.filter(code="Y").exists()
    )


def test_me_officer_creates_metadata_for_own_organisation_only(cast: Any) -> None:
    post(cast.sysadmin, SEX_AGE_PAYLOAD)
    mine = {
        "categoryOptions": [
            {"code": "DIS", "name": "With disability"},
            {"code": "NODIS", "name": "Without disability"},
        ],
        "categories": [
            {
                "code": "DISABILITY",
                "name": "Disability",
                "categoryOptions": [{"code": "DIS"}, {"code": "NODIS"}],
            }
        ],
        "categoryCombos": [
            {
                "code": "SEX_DIS",
                "name": "Sex and disability",
                "categories": [{"code": "SEX"}, {"code": "DISABILITY"}],
            }
        ],
        "dataElements": [
            {
                "code": "NGO_REACH",
                "name": "Reached",
                "valueType": "INTEGER",
                "categoryCombo": {"code": "SEX_DIS"},
            }
        ],
    }
    r = post(cast.me_nyarugenge, mine)
    assert r.status_code == 200, r.json()
    assert Category.objects.get(code="DISABILITY").organisation == cast.ngo
    assert CategoryOptionCombo.objects.filter(combo__code="SEX_DIS").count() == 4
    assert DataElement.objects.get(code="NGO_REACH").organisation == cast.ngo
    # Shared metadata and another organisation's are not theirs to change.
    body = post(cast.me_nyarugenge, {"categoryOptions": [{"code": "F", "name": "Changed"}]}).json()
    assert body["status"] == "ERROR" and "may not change" in body["errors"][0]["message"]
    body = post(
        cast.police_me_nyarugenge,
        {"dataElements": [{"code": "NGO_REACH", "name": "Mine now", "valueType": "INTEGER"}]},
    ).json()
    assert body["status"] == "ERROR" and body["errors"][0]["errorCode"] == "E3000"
    # Nor may another organisation build on NGO1's private options.
    body = post(
        cast.police_me_nyarugenge,
        {"categories": [{"code": "RNP_DIS", "name": "x", "categoryOptions": [{"code": "DIS"}]}]},
    ).json()
    assert "unknown category option 'DIS'" in body["errors"][0]["message"]
    assert_error(post(cast.me_nyarugenge, mine, "?organisation=RNP"), 400, "organisation")


def test_indicators_are_checked_against_data_elements(cast: Any) -> None:
    payload = copy.deepcopy(SEX_AGE_PAYLOAD)
    payload["indicators"] = [
        {
            "code": "WOMEN_SHARE",
            "name": "Share of women",
            "numerator": "#{GBV_AWARE.F_15_24} + #{GBV_AWARE.F_25_49}",
            "denominator": "#{GBV_AWARE}",
            "factor": 100,
            "type": "percentage",
        },
        {"code": "BROKEN", "name": "Broken", "numerator": "#{GBV_AWARE} +"},
        {"code": "UNKNOWN", "name": "Unknown", "numerator": "#{NOPE}"},
        {"code": "BADCOC", "name": "Bad combo", "numerator": "#{GBV_AWARE.X_Y}"},
    ]
    body = post(cast.sysadmin, payload).json()
    messages = {e["object"]: e["message"] for e in body["errors"]}
    assert set(messages) == {"indicators[1]", "indicators[2]", "indicators[3]"}
    assert "numerator: unexpected end of expression at position 15" in messages["indicators[1]"]
    assert "unknown data element 'NOPE'" in messages["indicators[2]"]
    assert "'X_Y' is not an option combo of data element 'GBV_AWARE'" in messages["indicators[3]"]
    payload["indicators"] = payload["indicators"][:1]
    body = post(cast.sysadmin, payload).json()
    assert body["status"] == "OK", body
    ind = Indicator.objects.get(code="WOMEN_SHARE")
    assert (
        ind.factor == 100 and ind.type == "percentage" and ind.framework is None and ind.organisation is None
    )


def test_export_has_the_import_shape_and_round_trips(cast: Any) -> None:
    payload = copy.deepcopy(SEX_AGE_PAYLOAD)
    payload["indicators"] = [
        {
            "code": "REACH",
            "name": "Reach",
            "numerator": "#{GBV_AWARE}",
            "baseline": {"value": 10, "date": "2018-01-01"},
        }
    ]
    post(cast.sysadmin, payload)
    coc = CategoryOptionCombo.objects.get(combo__code="SEX_AGE", code="F_15_24")
    coc.code = "YOUNG_WOMEN"
    coc.save()
    r = api_as(cast.viewer_nyarugenge).get(URL)
    assert r.status_code == 200
    out = r.json()
    assert [o["code"] for o in out["categoryOptions"]] == ["15_24", "25_49", "F", "M"]
    assert out["categoryOptions"][2]["translations"] == [
        {"property": "NAME", "locale": "fr", "value": "Femme"}
    ]
    assert {
        "code": "SEX_AGE",
        "name": "Sex and age",
        "categories": [{"code": "SEX"}, {"code": "AGE"}],
    } in out["categoryCombos"]
    cells = {c["code"]: c for c in out["categoryOptionCombos"]}
    assert cells["YOUNG_WOMEN"]["categoryCombo"] == {"code": "SEX_AGE"}
    assert cells["YOUNG_WOMEN"]["categoryOptions"] == [{"code": "F"}, {"code": "15_24"}]
    assert cells["default"]["categoryCombo"] == {"code": "default"}
    de = next(d for d in out["dataElements"] if d["code"] == "GBV_AWARE")
    assert (
        de["valueType"] == "INTEGER_ZERO_OR_POSITIVE"
        and de["aggregationType"] == "SUM"
        and de["categoryCombo"] == {"code": "SEX_AGE"}
    )
    assert out["indicators"][0]["baseline"] == {"value": 10.0, "date": "2018-01-01"}
    # The export imports back unchanged, option combo codes included.
    body = post(cast.sysadmin, out).json()
    assert body["status"] == "OK", body
    assert body["stats"]["created"] == 0 and body["stats"]["updated"] == 0
    # ... and sets a code on another installation's generated cell.
    coc.code = "F_15_24"
    coc.save()
    body = post(cast.sysadmin, {"categoryOptionCombos": [cells["YOUNG_WOMEN"]]}).json()
    assert body["stats"]["updated"] == 1
    assert CategoryOptionCombo.objects.filter(combo__code="SEX_AGE", code="YOUNG_WOMEN").exists()


def test_export_hides_other_organisations_metadata(cast: Any) -> None:
    post(cast.sysadmin, SEX_AGE_PAYLOAD)
    post(cast.me_nyarugenge, {"categoryOptions": [{"code": "NGO_OPT", "name": "NGO option"}]})
    assert "NGO_OPT" in [o["code"] for o in api_as(cast.me_gasabo).get(URL).json()["categoryOptions"]]
    assert "NGO_OPT" not in [
        o["code"] for o in api_as(cast.police_me_nyarugenge).get(URL).json()["categoryOptions"]
    ]


def test_metadata_endpoints_are_in_the_openapi_schema(cast: Any) -> None:
    paths = api_as(cast.viewer_nyarugenge).get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/metadata",
        "/api/v1/frameworks",
        "/api/v1/frameworks/{code}",
        "/api/v1/frameworks/{code}/progress",
        "/api/v1/frameworks/{code}/links",
        "/api/v1/indicators",
        "/api/v1/indicators/{code}/progress",
    ):
        assert p in paths, p
    assert "post" in paths["/api/v1/metadata"] and "get" in paths["/api/v1/metadata"]
