"""The progress pages read their aggregates through amahoro.analytics.engine: a value saved by one request
(the dataValueSets API) counts on the indicator and framework pages of the next, with or without a store
snapshot (the live path, and the store merged with the changes since its watermark), and only the values
the viewer may see count (the policy's data-value rule, the engine's user scope). Expected figures are
computed here in plain Python over the posted values."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from amahoro.analytics import engine, store
from amahoro.frameworks.models import Framework
from amahoro.geo.models import OrgUnit
from conftest import client_for

from .factories import ngo_framework, put

pytestmark = pytest.mark.django_db

# (org unit, value, owning organisation: None = shared, "RNP" = the police's own values, option combo)
FIRST = [
    ("1101", 45.0, None, "F_15_24"),
    ("1102", 10.0, None, "F_15_24"),
    ("1201", 30.0, None, "F_15_24"),
    ("1101", 7.0, "RNP", "F_25_49"),
]
Value = tuple[str, float, str | None, str]


@pytest.fixture(params=["live", "store"])
def mode(request: Any, settings: Any, tmp_path: Path) -> str:
    """ "live": no store (each query reads its values from the database); "store": a snapshot of FIRST
    built before the requests, so later values reach the pages only through the engine's merge."""
    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = str(tmp_path / "analytics")
    settings.AMAHORO_ANALYTICS_QUERY_OVERLAP = 0
    settings.AMAHORO_ANALYTICS_REFRESH_OVERLAP = 0
    engine.forget_cache()
    yield request.param
    engine.forget_cache()


@pytest.fixture
def plan(cast: Any, sex_age: None, mode: str) -> Framework:
    fw = ngo_framework(cast.ngo, code="NGO1-ALL")  # no org unit: the whole country
    owners = {"RNP": cast.police}
    for ou, value, owner, coc in FIRST:
        put("GBV_AWARE", ou, "2024", value, coc, organisation=owners.get(owner or ""))
    if mode == "store":
        store.refresh(full=True)
        engine.forget_cache()
        assert not engine.current_snapshot().live
    return fw


def _actual(client: Any, org_unit: str) -> float:
    html = client.get(f"/indicators/NGO1-ALL-REACH/?period=2024&org_unit={org_unit}").content.decode()
    data = json.loads(
        re.search(
            r'<script id="indicator-chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    return float(data["series"][0]["actual"])


def _expected(values: list[Value], *, under: str, owners: set[str | None]) -> float:
    path = OrgUnit.objects.get(code=under).path
    paths = dict(OrgUnit.objects.filter(code__in={v[0] for v in values}).values_list("code", "path"))
    return sum(v for ou, v, owner, _ in values if paths[ou].startswith(path) and owner in owners)


def test_a_value_saved_one_request_earlier_counts_and_scope_applies(cast: Any, plan: Framework) -> None:
    admin, nyarugenge = client_for(cast.ngo_admin), client_for(cast.me_nyarugenge)
    # The NGO sees shared values only (not the police's own value in 1101), inside its grants.
    everyone = {None, "RNP"}
    assert _actual(client_for(cast.sysadmin), "RW") == _expected(FIRST, under="RW", owners=everyone) == 92
    assert _actual(admin, "RW") == _expected(FIRST, under="RW", owners={None}) == 85
    # A Nyarugenge officer (district 11) counts neither the police's value nor Gasabo's (12).
    assert _actual(nyarugenge, "11") == _expected(FIRST, under="11", owners={None}) == 55
    assert nyarugenge.get("/indicators/NGO1-ALL-REACH/?period=2024&org_unit=12").status_code == 404

    # One request saves a value in Nyarugenge, one changes a value, the next pages count them.
    api = APIClient()
    api.force_authenticate(cast.sysadmin)
    posted = [("110101", "12"), ("1102", "20")]
    response = api.post(
        "/api/v1/dataValueSets",
        data=json.dumps(
            {
                "dataValues": [
                    {
                        "dataElement": "GBV_AWARE",
                        "period": "2024",
                        "orgUnit": ou,
                        "categoryOptionCombo": "F_15_24",
                        "attributeOptionCombo": "default",
                        "value": value,
                    }
                    for ou, value in posted
                ]
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    after = [v for v in FIRST if v[0] != "1102"] + [
        (ou, float(value), None, "F_15_24") for ou, value in posted
    ]
    assert _actual(nyarugenge, "11") == _expected(after, under="11", owners={None}) == 77
    assert _actual(admin, "RW") == _expected(after, under="RW", owners={None}) == 107
    html = admin.get("/frameworks/NGO1-ALL/?period=2024").content.decode()
    assert 'id="framework-tree"' in html and 'data-indicator="NGO1-ALL-REACH"' in html


def test_framework_progress_reads_the_engine_once_per_page(
    cast: Any, plan: Framework, monkeypatch: Any
) -> None:
    """Every indicator of the tree is computed from one engine query (not one per indicator)."""
    calls: list[dict[str, Any]] = []
    real = engine.aggregate

    def counting(**kwargs: Any) -> list[dict[str, Any]]:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(engine, "aggregate", counting)
    response = client_for(cast.ngo_admin).get("/frameworks/NGO1-ALL/?period=2024&org_unit=RW")
    assert response.status_code == 200
    assert len(calls) == 1
    assert calls[0]["user"] == cast.ngo_admin and calls[0]["org_unit_paths"] == ["/RW/"]
    # 85 of the shared values; the share of women (all of them F_15_24) is 100%.
    html = response.content.decode()
    assert re.search(r'data-indicator="NGO1-ALL-REACH" data-status="[a-z_]+"', html)
