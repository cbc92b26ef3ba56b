"""Participation page, upload and API over HTTP: success and refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro.data.models import DataValue
from conftest import client_for

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_page_refusals(setup: Any, cast: Any) -> None:
    r = Client().get("/participation/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client_for(cast.nobody).get("/participation/").status_code == 403
    page = client_for(cast.viewer_nyarugenge).get("/participation/")
    assert page.status_code == 200 and b"upload-form" not in page.content


def test_upload_through_the_page(setup: Any, stats_officer: Any, sample_csv: bytes) -> None:
    c = client_for(stats_officer)
    assert b"upload-form" in c.get("/participation/").content
    r = c.post(
        "/participation/peacekeeping/upload/", {"file": upload("pk.csv", sample_csv), "country": "RWA"}
    )
    assert r.status_code == 200
    assert b"7 months: 70 values imported" in r.content
    assert b'data-type="PK_TROOPS"' in r.content


def test_upload_with_wrong_columns_shows_the_error_and_saves_nothing(setup: Any, stats_officer: Any) -> None:
    r = client_for(stats_officer).post(
        "/participation/peacekeeping/upload/", {"file": upload("pk.csv", b"Country,Troops\nRwanda,5\n")}
    )
    assert r.status_code == 400
    assert b"missing column(s) Contributing_Country" in r.content
    assert not DataValue.objects.exists()


def test_upload_refused_for_viewer_and_for_a_district_officer(
    setup: Any, cast: Any, sample_csv: bytes
) -> None:
    r = client_for(cast.viewer_nyarugenge).post(
        "/participation/peacekeeping/upload/", {"file": upload("pk.csv", sample_csv)}
    )
    assert r.status_code == 403
    r = client_for(cast.me_nyarugenge).post(
        "/participation/peacekeeping/upload/", {"file": upload("pk.csv", sample_csv)}
    )
    assert r.status_code == 403
    assert (
        Client()
        .post("/participation/peacekeeping/upload/", {"file": upload("pk.csv", sample_csv)})
        .status_code
        == 302
    )
    assert not DataValue.objects.exists()


def test_api_import_and_parity(
    setup: Any, stats_officer: Any, sample_csv: bytes, api_client: Any, cast: Any
) -> None:
    assert (
        api_client.post(
            "/api/v1/participation/peacekeeping", {"file": upload("pk.csv", sample_csv)}
        ).status_code
        == 401
    )
    api_client.force_authenticate(cast.viewer_nyarugenge)
    r = api_client.post("/api/v1/participation/peacekeeping", {"file": upload("pk.csv", sample_csv)})
    assert r.status_code == 403
    api_client.force_authenticate(stats_officer)
    r = api_client.post(
        "/api/v1/participation/peacekeeping", {"file": upload("pk.csv", sample_csv), "dry_run": "true"}
    )
    assert r.status_code == 200 and r.json()["status"] == "DRY_RUN"
    assert not DataValue.objects.exists()
    r = api_client.post("/api/v1/participation/peacekeeping", {"file": upload("pk.csv", sample_csv)})
    assert r.status_code == 200 and r.json()["imported"] == 70
    bad = sample_csv.replace(b"2024-12-31", b"someday", 1)
    r = api_client.post("/api/v1/participation/peacekeeping", {"file": upload("pk.csv", bad)})
    assert r.status_code == 400 and "Last_Reporting_Date" in r.json()["error"] and r.json()["field"] == "file"
    r = api_client.post("/api/v1/participation/peacekeeping", {})
    assert r.status_code == 400 and r.json()["field"] == "file"
    parity = api_client.get("/api/v1/participation/parity").json()["personnel_types"]
    troops = next(p for p in parity if p["code"] == "PK_TROOPS")
    assert troops["targets"][0]["value"] == 15.0 and troops["points"][0]["share"] == 4.1
    api_client.force_authenticate(cast.nobody)
    assert api_client.get("/api/v1/participation/parity").status_code == 403
