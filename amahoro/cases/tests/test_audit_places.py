"""System administrators (and other audit readers without case.view) see no sector-level case metadata in
the audit log: the place of a case event is cut to its district, on the API, the CSV and the page."""

from __future__ import annotations

import csv
import io
from typing import Any

from conftest import client_for

from .conftest import create


def test_case_events_show_the_district_not_the_sector_to_a_system_administrator(
    api_client: Any, cc: Any
) -> None:
    create(cc.worker)  # recorded in sector 1201 of district 12
    api_client.force_authenticate(cc.sysadmin)
    rows = api_client.get("/api/v1/audit", {"sensitive": "true"}).json()["results"]
    assert rows and all(r["org_unit_path"].rstrip("/").split("/")[-1] != "1201" for r in rows)
    assert any(r["org_unit_path"].endswith("/12/") for r in rows)
    text = b"".join(api_client.get("/api/v1/audit.csv", {"sensitive": "true"}).streaming_content).decode()
    assert all("/1201/" not in row["org_unit_path"] for row in csv.DictReader(io.StringIO(text)))
    page = client_for(cc.sysadmin).get("/audit/", {"sensitive": "true"}).content.decode()
    assert "/1201/" not in page
    assert "/1201/" not in client_for(cc.sysadmin).get("/audit/export.csv").getvalue().decode()


def test_the_case_supervisor_still_sees_the_sector(api_client: Any, cc: Any) -> None:
    create(cc.worker)
    api_client.force_authenticate(cc.supervisor)
    rows = api_client.get("/api/v1/audit", {"sensitive": "true"}).json()["results"]
    assert any(r["org_unit_path"].endswith("/1201/") for r in rows)
