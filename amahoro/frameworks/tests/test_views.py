"""Framework and indicator pages: the tree with progress bars and traffic lights, the indicator page with
its chart data and district table, file export/import; refusal for anonymous users, wrong roles and
other organisations or districts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amahoro import policy
from amahoro.frameworks import services
from amahoro.frameworks.interchange import framework_xlsx
from amahoro.frameworks.models import Framework
from amahoro.geo.models import OrgUnit
from conftest import client_for

from .factories import indicator, ngo_framework, node, put

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast: Any, nap: Any, sex_age: None) -> Framework:
    fw = ngo_framework(cast.ngo, code="NGO1-NYA", org_unit="11")
    put("GBV_AWARE", "1101", "2024", 45, "F_15_24")
    services.target_set(
        actor=policy.SYSTEM,
        indicator=indicator("NGO1-NYA-REACH"),
        org_unit=OrgUnit.objects.get(code="11"),
        period="2024",
        value=50,
    )
    services.target_set(
        actor=policy.SYSTEM,
        indicator=indicator("NGO1-NYA-WOMEN"),
        org_unit=OrgUnit.objects.get(code="11"),
        period="2024",
        value=100,
    )
    services.node_link(actor=policy.SYSTEM, source=node(fw, "O1"), target=node(nap, "P2.O1"))
    return fw


def test_anonymous_is_sent_to_sign_in(db: Any) -> None:
    from django.test import Client

    for url in (
        "/frameworks/",
        "/frameworks/RW-NAP1325-2018/",
        "/indicators/X/",
        "/frameworks/import/",
        "/frameworks/template.xlsx",
    ):
        r = Client().get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url


def test_roles_without_framework_view_get_403(cast: Any) -> None:
    assert client_for(cast.nobody).get("/frameworks/").status_code == 403
    assert client_for(cast.nobody).get("/indicators/").status_code == 403
    assert client_for(cast.viewer_nyarugenge).get("/frameworks/import/").status_code == 403


def test_framework_list(cast: Any, plan: Framework) -> None:
    html = client_for(cast.me_nyarugenge).get("/frameworks/").content.decode()
    assert "RW-NAP1325-2018" in html and "NGO1-NYA" in html and "Import a framework" in html
    html = client_for(cast.police_me_nyarugenge).get("/frameworks/").content.decode()
    assert "RW-NAP1325-2018" in html and "NGO1-NYA" not in html
    assert "Import a framework" not in client_for(cast.viewer_nyarugenge).get("/frameworks/").content.decode()


def test_framework_tree_with_progress_bars_and_traffic_lights(cast: Any, plan: Framework) -> None:
    r = client_for(cast.viewer_nyarugenge).get("/frameworks/NGO1-NYA/?period=2024&org_unit=11")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="framework-tree"' in html
    # O1's indicator: 45 of 50 (on track); O1.1's share of women: 100% of 100 (on track)
    assert re.search(r'data-indicator="NGO1-NYA-REACH" data-status="on_track"', html)
    assert '<progress max="100" value="90"' in html and "90%" in html
    assert 'class="status status-on_track"' in html and "On track" in html  # colour + text label
    assert "Contributes to" in html and "P2.O1" in html
    nap_html = client_for(cast.viewer_nyarugenge).get("/frameworks/RW-NAP1325-2018/").content.decode()
    assert nap_html.count('class="fw-node"') == 20
    assert "Contribution from" in nap_html and "NGO1-NYA O1" in nap_html
    # Another organisation sees the NAP but not the NGO's contribution.
    police_html = client_for(cast.police_me_nyarugenge).get("/frameworks/RW-NAP1325-2018/").content.decode()
    assert "NGO1-NYA" not in police_html


def test_framework_page_refusals_and_bad_input(cast: Any, plan: Framework) -> None:
    assert client_for(cast.police_me_nyarugenge).get("/frameworks/NGO1-NYA/").status_code == 404
    assert client_for(cast.me_gasabo).get("/frameworks/NGO1-NYA/").status_code == 404
    r = client_for(cast.me_nyarugenge).get("/frameworks/NGO1-NYA/?period=2014Q5")
    assert (
        r.status_code == 400
        and "2014Q5" in r.content.decode()
        and 'id="progress-error"' in r.content.decode()
    )
    assert client_for(cast.me_nyarugenge).get("/frameworks/NGO1-NYA/?org_unit=12").status_code == 404


def test_indicator_page(cast: Any, plan: Framework) -> None:
    r = client_for(cast.viewer_nyarugenge).get("/indicators/NGO1-NYA-REACH/?period=2024&org_unit=11")
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        'id="indicator-chart"' in html
        and "vendor/echarts/echarts.min.js" in html
        and "amahoro/indicator.js" in html
    )
    assert "<script>" not in html.replace("<script src", "")  # no inline script (CSP)
    data = json.loads(
        re.search(
            r'<script id="indicator-chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert (
        data["series"][0]["period"] == "2024"
        and data["series"][0]["actual"] == 45
        and data["series"][0]["target"] == 50
    )
    assert 'id="actual-value">45<' in html and 'id="target-value">50<' in html
    assert 'data-district="11"' in html  # the district table (the map needs boundaries)
    assert "#{GBV_AWARE}" in html


def test_indicator_page_refusals_and_bad_input(cast: Any, plan: Framework) -> None:
    assert client_for(cast.police_me_nyarugenge).get("/indicators/NGO1-NYA-REACH/").status_code == 404
    assert client_for(cast.me_gasabo).get("/indicators/NGO1-NYA-REACH/").status_code == 404
    assert client_for(cast.me_nyarugenge).get("/indicators/NOPE/").status_code == 404
    r = client_for(cast.me_nyarugenge).get("/indicators/NGO1-NYA-REACH/?period_type=Fortnightly")
    assert r.status_code == 400 and "period_type" in r.content.decode()


def test_indicator_map_when_boundaries_exist(cast: Any, plan: Framework) -> None:
    OrgUnit.objects.filter(code="11").update(
        geometry={
            "type": "Polygon",
            "coordinates": [[[30.0, -1.9], [30.1, -1.9], [30.1, -2.0], [30.0, -1.9]]],
        }
    )
    html = client_for(cast.me_nyarugenge).get("/indicators/NGO1-NYA-REACH/?period=2024").content.decode()
    assert 'data-status-geojson-url="/api/v1/orgunits.geojson?level=district"' in html
    assert "vendor/leaflet/leaflet.js" in html and 'id="indicator-map-data"' in html


def test_export_files(cast: Any, plan: Framework) -> None:
    client = client_for(cast.viewer_nyarugenge)
    r = client.get("/frameworks/NGO1-NYA/export.yaml")
    assert (
        r.status_code == 200 and "attachment" in r["Content-Disposition"] and b"code: NGO1-NYA" in r.content
    )
    assert client.get("/frameworks/NGO1-NYA/export.json").json()["framework"]["code"] == "NGO1-NYA"
    assert client.get("/frameworks/NGO1-NYA/export.xlsx").content[:2] == b"PK"
    assert client.get("/frameworks/NGO1-NYA/export.csv").status_code == 400
    assert client_for(cast.police_me_nyarugenge).get("/frameworks/NGO1-NYA/export.yaml").status_code == 404
    assert client.get("/frameworks/template.xlsx").content[:2] == b"PK"


def test_import_page_reports_row_errors_and_imports(cast: Any, plan: Framework) -> None:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(framework_xlsx(plan)))
    wb["Framework"]["B2"] = "NGO1-NEW"
    wb["Nodes"].append(["X1", "outcome", "NOPE", "Orphan"])
    out = io.BytesIO()
    wb.save(out)
    client = client_for(cast.me_nyarugenge)
    r = client.post("/frameworks/import/", {"file": SimpleUploadedFile("plan.xlsx", out.getvalue())})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Nodes row 5" in html and "parent node &#x27;NOPE&#x27;" in html
    assert not Framework.objects.filter(code="NGO1-NEW").exists()
    wb["Nodes"].delete_rows(5)
    for sheet in ("Indicators", "Targets"):  # indicator codes are unique across frameworks
        for row in wb[sheet].iter_rows(min_row=2):
            row[0].value = row[0].value.replace("NGO1-NYA", "NGO1-NEW")
    out = io.BytesIO()
    wb.save(out)
    r = client.post("/frameworks/import/", {"file": SimpleUploadedFile("plan.xlsx", out.getvalue())})
    assert r.status_code == 302, r.content.decode()[-2000:]
    assert r["Location"] == "/frameworks/NGO1-NEW/"
    assert Framework.objects.get(code="NGO1-NEW").organisation == cast.ngo
    # Police may not import into NGO1's organisation.
    r = client_for(cast.police_me_nyarugenge).post(
        "/frameworks/import/",
        {"file": SimpleUploadedFile("plan.xlsx", out.getvalue()), "organisation": "NGO1"},
    )
    assert r.status_code == 400
    r = client.post("/frameworks/import/", {"file": SimpleUploadedFile("plan.txt", b"hello")})
    assert r.status_code == 400 and "Upload a .xlsx" in r.content.decode()
