"""The one request-parsing layer (amahoro/core/parsing.py): malformed bodies and dates are 400s that say what
is wrong and where, never 500s; deeply nested OpenRosa XML is refused before anything recurses over it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro.collection.xforms import XMLRefused, parse_xml
from amahoro.core.errors import ValidationFailed
from amahoro.core.parsing import MalformedBody, json_loads, json_object, query_date, query_datetime

from .conftest import api_as, assert_error


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
        (b"[" * 40 + b"]" * 40, "nests deeper"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nests deeper"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"a": NaN}', "not valid JSON"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_json_loads_refuses_with_a_message(raw: bytes, message: str) -> None:
    with pytest.raises(MalformedBody, match=message) as caught:
        json_loads(raw)
    assert caught.value.status == 400 and caught.value.field == "body"


def test_json_loads_names_the_value_at_fault() -> None:
    with pytest.raises(MalformedBody, match="too large") as caught:
        json_loads(b'{"survivor": {"age": 1e999}}')
    assert caught.value.field == "survivor.age"
    with pytest.raises(MalformedBody, match="NUL") as caught:
        json_loads(b'{"rows": [{"name": "a\\u0000b"}]}')
    assert caught.value.field == "rows.0.name"


def test_nul_in_a_query_parameter_or_form_field_is_a_400_naming_it(cast: Any) -> None:
    client = api_as(cast.ngo_admin)
    assert_error(client.get("/api/v1/funding/summary", {"framework": "a\x00b"}), 400, field="framework")
    response = client.post("/api/v1/collector-tokens", {"organisation": "NGO1", "name": "a\x00b"})
    assert_error(response, 400, field="name")


def test_json_loads_accepts_reasonable_nesting_and_requires_an_object_when_asked() -> None:
    assert json_loads(b"[" * 32 + b"]" * 32) is not None
    assert json_loads(b'{"a": [1, 2.5, {"b": null}]}', require_object=True) == {"a": [1, 2.5, {"b": None}]}
    for raw, kind in ((b"[]", "an array"), (b'"x"', "a string"), (b"1", "a number"), (b"null", "null")):
        with pytest.raises(MalformedBody, match=f"expected a JSON object, got {kind}"):
            json_loads(raw, require_object=True)
    with pytest.raises(ValidationFailed, match="expected a JSON object, got an array"):
        json_object([1])


def test_date_query_parameters_name_the_parameter() -> None:
    assert query_date({"since": "2026-01-31"}, "since") == dt.date(2026, 1, 31)
    assert query_date({}, "since") is None
    assert query_datetime({"since": "2026-01-31"}, "since") == dt.datetime(2026, 1, 31, tzinfo=dt.UTC)
    for bad in ("0000-00-00", "2026-02-30", "yesterday", "2026-13-01T00:00:00Z"):
        with pytest.raises(ValidationFailed) as caught:
            query_datetime({"since": bad}, "since")
        assert caught.value.field == "since"
        with pytest.raises(ValidationFailed):
            query_date({"until": bad}, "until")


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"[]", "application/json"),
        (b'"x"', "application/json"),
        (b"1", "application/json"),
        (b"null", "application/json"),
        (b'{"survivor": "\xff"}', "application/json"),
        (b'{"survivor": {"age": ' + b"9" * 5000 + b"}}", "application/json"),
    ],
)
def test_gbv_intake_answers_400_naming_the_body(db: Any, body: bytes, content_type: str) -> None:
    from conftest import make_org, make_user

    worker = make_user("worker", ("case_worker", make_org("OSC1", "osc", areas=("12",)), "12"))
    response = api_as(worker).post("/api/v1/gbv/incidents", data=body, content_type=content_type)
    assert_error(response, 400, field="body")


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b"[" * 100_000 + b"]" * 100_000])
def test_funding_and_collector_tokens_refuse_a_body_that_is_not_an_object(cast: Any, body: bytes) -> None:
    client = api_as(cast.ngo_admin)
    for url in ("/api/v1/funding/transactions", "/api/v1/funding/rates", "/api/v1/collector-tokens"):
        assert_error(client.post(url, data=body, content_type="application/json"), 400, field="body")


def test_form_export_since_0000_00_00_is_a_400_naming_since(cast: Any) -> None:
    from amahoro.collection.tests.factories import upload

    form = upload(cast.ngo_admin, cast.ngo)
    client = api_as(cast.ngo_admin)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/api/v1/forms/{form.form_id}/export.{fmt}", {"since": "0000-00-00"})
        assert_error(response, 400, field="since")
    assert_error(
        client.get(f"/api/v1/forms/{form.form_id}/submissions", {"since": "2026-02-30"}), 400, "since"
    )


def test_deeply_nested_xml_is_refused() -> None:
    with pytest.raises(XMLRefused, match="nest deeper"):
        parse_xml(b"<data>" + b"<g>" * 100_000 + b"</g>" * 100_000 + b"</data>")
    assert parse_xml(b"<data>" + b"<g>" * 50 + b"</g>" * 50 + b"</data>").tag == "data"


def test_openrosa_submission_nested_100000_deep_is_a_400(cast: Any) -> None:
    import base64

    from amahoro.collection.models import Submission
    from amahoro.collection.tests.factories import upload
    from conftest import PASSWORD

    upload(cast.ngo_admin, cast.ngo)
    deep = b'<data id="dialogue">' + b"<g>" * 100_000 + b"</g>" * 100_000 + b"</data>"
    auth = base64.b64encode(f"{cast.clerk_sector.username}:{PASSWORD}".encode()).decode()
    response = Client(raise_request_exception=False).post(
        "/openrosa/submission",
        {"xml_submission_file": SimpleUploadedFile("submission.xml", deep, "text/xml")},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 400, response.content[:300]
    assert b"nest deeper" in response.content
    assert not Submission.objects.exists()


def test_a_json_body_over_the_upload_limit_is_a_413_in_the_error_shape(cast: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"name": "' + b"x" * 5000 + b'"}'
    response = api_as(cast.ngo_admin).post(
        "/api/v1/collector-tokens", data=body, content_type="application/json"
    )
    assert_error(response, 413, field="body")
