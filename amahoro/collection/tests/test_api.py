from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amahoro.collection import services
from amahoro.collection.models import FormVersion, XForm

from .factories import dialogue_form, instance_xml, upload, xlsx

pytestmark = pytest.mark.django_db


def _upload(api_client: Any, content: bytes, name: str = "dialogue.xlsx", **data: Any) -> Any:
    return api_client.post(
        "/api/v1/forms", {"xlsform": SimpleUploadedFile(name, content), **data}, format="multipart"
    )


def test_post_forms_answers_201_with_form_id_and_version(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = _upload(api_client, dialogue_form())
    assert resp.status_code == 201, resp.content
    assert resp.json()["form_id"] == "dialogue" and resp.json()["version"] == "1"
    assert resp.json()["organisation"] == "NGO1"
    again = _upload(api_client, dialogue_form(version="2"), organisation="NGO1", form_id="dialogue")
    assert again.status_code == 201 and again.json()["versions"] == ["2", "1"]


def test_post_forms_refusals(cast: Any, api_client: Any) -> None:
    assert _upload(api_client, dialogue_form()).status_code in (401, 403)
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert _upload(api_client, dialogue_form()).status_code == 403
    api_client.force_authenticate(cast.police_me_nyarugenge)
    resp = _upload(api_client, dialogue_form(), organisation="NGO1")
    assert resp.status_code == 403 and resp.json()["field"] == "organisation"
    api_client.force_authenticate(cast.sysadmin)
    resp = _upload(api_client, dialogue_form())
    assert resp.status_code == 400 and resp.json()["field"] == "organisation"
    bad = xlsx({"survey": [["type", "name", "label"], ["select_one nolist", "q", "Q"]]})
    resp = _upload(api_client, bad, organisation="NGO1")
    assert resp.status_code == 400 and resp.json()["field"] == "xlsform"
    assert "choices sheet" in resp.json()["error"]
    missing = api_client.post("/api/v1/forms", {"organisation": "NGO1"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "xlsform"
    assert not XForm.objects.exists() and not FormVersion.objects.exists()


def test_anonymous_api_gets_401(api_client: Any, cast: Any) -> None:
    resp = api_client.get("/api/v1/forms/dialogue/submissions")
    assert resp.status_code == 401 and "WWW-Authenticate" in resp


@pytest.fixture
def with_submissions(cast: Any, village: Any, gasabo_village: Any) -> Any:
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    services.submission_receive(
        xml=instance_xml(village=village.code, instance_id="uuid:n1"), user=cast.clerk_sector
    )
    services.submission_receive(
        xml=instance_xml(village=gasabo_village.code, instance_id="uuid:g1", participants=(("M", "15_24"),)),
        user=cast.me_gasabo,
    )
    return form


def test_submissions_json_is_scoped_and_filtered(cast: Any, api_client: Any, with_submissions: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    body = api_client.get("/api/v1/forms/dialogue/submissions").json()
    assert body["count"] == 2
    one = next(r for r in body["results"] if r["instance_id"] == "uuid:n1")
    assert (
        one["data"]["participant"][0] == {"p_sex": "F", "p_age": "15_24"}
        and one["review_state"] == "received"
    )
    api_client.force_authenticate(cast.me_nyarugenge)
    assert [
        r["instance_id"] for r in api_client.get("/api/v1/forms/dialogue/submissions").json()["results"]
    ] == ["uuid:n1"]
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.get("/api/v1/forms/dialogue/submissions").status_code == 404
    api_client.force_authenticate(cast.ngo_admin)
    assert api_client.get("/api/v1/forms/dialogue/submissions?org_unit=12").json()["count"] == 1
    bad = api_client.get("/api/v1/forms/dialogue/submissions?review_state=lost")
    assert bad.status_code == 400 and bad.json()["field"] == "review_state"


def test_review_through_the_api(cast: Any, api_client: Any, with_submissions: Any) -> None:
    url = "/api/v1/forms/dialogue/submissions/uuid:n1/review"
    api_client.force_authenticate(cast.clerk_sector)
    assert api_client.post(url, {"review_state": "approved"}, format="json").status_code == 403
    api_client.force_authenticate(cast.me_gasabo)
    assert api_client.post(url, {"review_state": "approved"}, format="json").status_code == 404
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = api_client.post(url, {"review_state": "approved"}, format="json")
    assert resp.status_code == 200 and resp.json()["review_state"] == "approved"
    api_client.force_authenticate(cast.clerk_sector)  # the enumerator sees the state
    body = api_client.get("/api/v1/forms/dialogue/submissions?review_state=approved").json()
    assert [r["instance_id"] for r in body["results"]] == ["uuid:n1"]


def test_exports_csv_xlsx_with_repeats_and_hxl_and_geojson(
    cast: Any, api_client: Any, with_submissions: Any
) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    resp = api_client.get("/api/v1/forms/dialogue/export.csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode())))
    assert resp.status_code == 200 and rows[0][:2] == ["_id", "_submitted_at"]
    assert "men" in rows[0] and "p_sex" not in rows[0] and len(rows) == 3
    n1 = next(r for r in rows if r[0] == "uuid:n1")
    assert n1[rows[0].index("participant")] == "2"
    rep = list(
        csv.reader(
            io.StringIO(
                api_client.get("/api/v1/forms/dialogue/export.csv?repeat=participant").content.decode()
            )
        )
    )
    assert rep[0] == ["_submission", "_index", "p_sex", "p_age"]
    assert ["uuid:n1", "1", "F", "15_24"] in rep and ["uuid:g1", "1", "M", "15_24"] in rep
    book = openpyxl.load_workbook(
        io.BytesIO(api_client.get("/api/v1/forms/dialogue/export.xlsx?hxl=1").content)
    )
    assert book.sheetnames == ["dialogue", "participant"]
    assert next(book["dialogue"].iter_rows(min_row=2, max_row=2, values_only=True))[0] == "#meta +id"
    geo = json.loads(api_client.get("/api/v1/forms/dialogue/export.geojson").content)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    assert geo["features"][0]["geometry"]["coordinates"] == [30.0619, -1.9441]
    assert api_client.get("/api/v1/forms/dialogue/export.csv?repeat=nope").status_code == 400
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.get("/api/v1/forms/dialogue/export.csv").status_code == 404


def test_hxl_column_of_the_xlsform_becomes_the_hashtag_row(cast: Any, api_client: Any) -> None:
    content = xlsx(
        {
            "survey": [["type", "name", "label", "hxl"], ["integer", "men", "Men", "#reached +m"]],
            "settings": [["form_id"], ["hx"]],
        }
    )
    services.form_upload(actor=cast.ngo_admin, organisation=cast.ngo, content=content, filename="hx.xlsx")
    api_client.force_authenticate(cast.ngo_admin)
    rows = list(csv.reader(io.StringIO(api_client.get("/api/v1/forms/hx/export.csv?hxl=1").content.decode())))
    assert rows[1][-1] == "#reached +m"


def test_collector_tokens_api(cast: Any, api_client: Any, with_submissions: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    resp = api_client.post(
        "/api/v1/collector-tokens",
        {"organisation": "NGO1", "name": "Tablet", "forms": ["dialogue"]},
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["url"].endswith(f"/openrosa/c/{resp.json()['token']}/")
    pk = resp.json()["id"]
    listing = api_client.get("/api/v1/collector-tokens").json()["results"]
    assert "token" not in listing[0] and listing[0]["forms"] == ["dialogue"]
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.delete(f"/api/v1/collector-tokens/{pk}").status_code == 404
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert (
        api_client.post(
            "/api/v1/collector-tokens", {"organisation": "NGO1", "name": "x"}, format="json"
        ).status_code
        == 403
    )
    api_client.force_authenticate(cast.ngo_admin)
    assert api_client.delete(f"/api/v1/collector-tokens/{pk}").status_code == 204


def test_collector_token_bodies_are_parsed_by_their_contract(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.ngo_admin)
    bad = api_client.post(
        "/api/v1/collector-tokens", {"organisation": "NGO1", "colour": "red"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "colour"
    bad = api_client.post("/api/v1/collector-tokens", {"organisation": "NOPE", "name": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "organisation"
    bad = api_client.post("/api/v1/collector-tokens", {"organisation": "NGO1", "name": "x", "org_unit": "9999"},
                          format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "org_unit"
    made = api_client.post(
        "/api/v1/collector-tokens", {"organisation": "NGO1", "name": "tablet", "forms": ""}, format="json"
    )
    assert made.status_code == 201 and made.json()["forms"] == [] and made.json()["token"]
