"""The case CSV exports (incidents, statistics) go through the one table writer: a code that looks like a
formula comes out with an apostrophe in front (codes are generated, so the test writes one directly)."""

from __future__ import annotations

import csv
import io
from typing import Any

from amahoro.cases.models import Survivor
from amahoro.organisations.models import Organisation

from .conftest import create


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_incidents_csv_escapes_a_formula_like_cell(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    Survivor.objects.filter(pk=incident.survivor_id).update(code="=1+1")
    api_client.force_authenticate(cc.worker)
    rows = _rows(api_client.get("/api/v1/gbv/incidents.csv"))
    column = rows[0].index("survivor_code")
    assert [r[column] for r in rows[1:]] == ["'=1+1"]


def test_statistics_csv_escapes_a_formula_like_cell(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    Organisation.objects.filter(pk=cc.osc.pk).update(code="=OSC1")
    api_client.force_authenticate(cc.me_officer)
    rows = _rows(api_client.get("/api/v1/gbv/statistics.csv", {"period": str(incident.report_date.year)}))
    keys = {r[1] for r in rows[1:] if r[0] == "accountability"}
    assert keys == {"'=OSC1/12"}
