"""The public portal: pages without login, cache-friendly headers, open-data downloads (CSV with HXL,
JSON), only published consultations, and national data only."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from amahoro import policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def figures(db: Any) -> Any:
    """The participation series with the sample peacekeeping file and one parliament figure."""
    from amahoro.data.services import datavalues_import
    from amahoro.participation.services import participation_setup, peacekeeping_csv_import
    from amahoro.participation.tests.conftest import SAMPLE
    from conftest import make_org, make_user

    participation_setup(actor=policy.SYSTEM)
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    officer = make_user("stats_officer", ("me_officer", ministry, "RW"))
    peacekeeping_csv_import(actor=officer, content=SAMPLE.read_bytes())
    rows = [
        {
            "dataElement": "WPS_PARLIAMENT_DEPUTIES",
            "period": "2024",
            "orgUnit": "RW",
            "categoryOptionCombo": s,
            "value": v,
        }
        for s, v in (("F", "51"), ("M", "29"))
    ]
    summary = datavalues_import(actor=officer, payload={"dataValues": rows})
    assert not summary.conflicts
    return officer


def test_pages_need_no_login_and_are_cacheable(figures: Any) -> None:
    c = Client()
    for url in ("/public/", "/public/participation/"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "public" in r["Cache-Control"] and "max-age=300" in r["Cache-Control"]
        assert "Set-Cookie" not in r and "Cookie" not in r.get("Vary", "")
    page = c.get("/public/").content.decode()
    assert "63.8%" in page  # 51 of 80 deputies
    assert 'data-pillar="P1"' in page and 'data-outcome="P1.O1"' in page
    # The pillar's own indicators are listed: the deputies' share (51 of 80 in 2024) against 30% (2022).
    assert "Share of women: Members of the Chamber of Deputies" in page


def test_nap_progress_uses_national_data(figures: Any) -> None:
    from amahoro.portal import selectors

    progress = selectors.nap_progress()
    assert progress is not None
    p1 = next(p for p in progress["pillars"] if p["code"] == "P1")
    # The Chamber of Deputies indicator sits under P1 with the constitutional 30% target: on track.
    deputies = next(i for i in p1["indicators"] if i["code"] == "WPS_SHARE_DEPUTIES")
    assert deputies["target"] == 30.0


def test_post_is_refused(figures: Any) -> None:
    assert Client().post("/public/").status_code == 405


def test_csv_download_has_an_hxl_row(figures: Any) -> None:
    r = Client().get("/public/data/peacekeeping.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0][:3] == ["personnel_type", "period", "women"]
    assert all(tag.startswith("#") for tag in rows[1])
    assert rows[1][2] == "#population+f"
    troops_2018 = next(row for row in rows[2:] if row[0] == "Troops" and row[1] == "201812")
    assert troops_2018[2:5] == ["212", "4999", "4.1"]
    assert troops_2018[5] == "15.0"


def test_json_downloads(figures: Any) -> None:
    for name in ("progress", "funding", "participation", "peacekeeping", "assessments"):
        r = Client().get(f"/public/data/{name}.json")
        assert r.status_code == 200, name
        body = json.loads(r.content)
        assert body["dataset"] == name and isinstance(body["rows"], list)
        assert all(tag.startswith("#") for tag in body["hxl"].values())
    participation = json.loads(Client().get("/public/data/participation.json").content)["rows"]
    assert {"series": "WPS_PARLIAMENT_DEPUTIES", "period": "2024", "women": 51, "men": 29, "share": 63.8} in [
        {k: r[k] for k in ("series", "period", "women", "men", "share")} for r in participation
    ]


def test_unknown_dataset_or_format_is_404(figures: Any) -> None:
    assert Client().get("/public/data/cases.csv").status_code == 404
    assert Client().get("/public/data/progress.xlsx").status_code == 404


def test_only_published_consultations_are_public(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    from amahoro.consultations import services
    from amahoro.frameworks.models import Framework, Node
    from amahoro.frameworks.reference import load_nap_rw_2018
    from conftest import make_org, make_user

    load_nap_rw_2018()
    nap = Framework.objects.get(code="RW-NAP1325-2018")
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    cso = make_org("CSO1", "cso", areas=("RW",))
    convener = make_user("convener", ("me_officer", ministry, "RW"))
    rater = make_user("rater", ("me_officer", cso, "RW"))
    rnd = services.round_create(actor=convener, framework=nap, organisation=ministry, title="Review 2022")
    node = Node.objects.get(framework=nap, code="P2.O1")
    a = services.assessment_submit(
        actor=rater, round=rnd, node=node, rating=3, evidence="Dialogues held", anonymous=True
    )
    url = f"/public/consultations/{rnd.uuid}/"
    assert Client().get(url).status_code == 404
    assert "Review 2022" not in Client().get("/public/").content.decode()
    services.assessment_moderate(actor=convener, assessment=a, decision="approved")
    with django_capture_on_commit_callbacks(execute=True):
        services.round_publish(actor=convener, round=rnd)  # invalidates the portal's cache
    page = Client().get(url).content.decode()
    assert "Dialogues held" in page and "Anonymous civil-society organisation" in page
    assert "CSO1" not in page
    assert "Review 2022" in Client().get("/public/").content.decode()
    rows = json.loads(Client().get("/public/data/assessments.json").content)["rows"]
    assert rows[0]["organisation"] == "Anonymous civil-society organisation" and rows[0]["rating"] == 3


def test_private_framework_is_not_the_portal(db: Any, settings: Any) -> None:
    from amahoro.frameworks.models import Framework
    from amahoro.portal import selectors
    from conftest import make_org

    ngo = make_org("NGO1", "ngo")
    Framework.objects.create(code="NGO1-PLAN", name="Private plan", organisation=ngo, is_public=False)
    settings.AMAHORO_PORTAL_FRAMEWORK = "NGO1-PLAN"
    assert selectors.nap_progress() is None
    assert "Private plan" not in Client().get("/public/").content.decode()


def test_csv_cells_cannot_start_a_formula() -> None:
    from amahoro.core.tabular import csv_cell  # the one rule every export uses (portal CSV included)

    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("-4.5") == "-4.5"


def test_csv_download_escapes_a_formula_like_cell_under_its_hxl_row(db: Any, monkeypatch: Any) -> None:
    from amahoro.portal import downloads

    hostile = downloads.Dataset(
        name="progress",
        title="Progress",
        columns=(downloads.Column("code", "#activity+code"), downloads.Column("name", "#activity+name")),
        rows=lambda: [{"code": "P1", "name": "=1+1"}, {"code": "P2", "name": "-12.5"}],
    )
    monkeypatch.setitem(downloads.DATASETS, "progress", hostile)
    r = Client().get("/public/data/progress.csv")
    assert list(csv.reader(io.StringIO(r.content.decode()))) == [
        ["code", "name"],
        ["#activity+code", "#activity+name"],
        ["P1", "'=1+1"],
        ["P2", "-12.5"],
    ]


def test_language_chosen_in_the_url_without_a_cookie(figures: Any) -> None:
    c = Client()
    r = c.get("/public/?lang=rw")
    page = r.content.decode()
    assert r.status_code == 200 and r["Content-Language"] == "rw"
    assert '<html lang="rw">' in page and "Urubuga rusange" in page  # "Public portal"
    # Links inside the portal keep the language; the switcher offers the page in each language.
    assert 'href="/public/participation/?lang=rw"' in page
    for code in ("en", "fr", "rw"):
        assert f'href="/public/?lang={code}"' in page
    assert 'data-lang="rw" aria-current="true"' in page
    # The choice lives in the URL only: no cookie, so the page stays cacheable for everyone.
    assert "Set-Cookie" not in r and "Cookie" not in r.get("Vary", "")
    assert "public" in r["Cache-Control"]
    # Cached answers are per language: French after Kinyarwanda is French, and the default is untouched.
    fr = c.get("/public/participation/?lang=fr")
    assert fr["Content-Language"] == "fr" and '<html lang="fr">' in fr.content.decode()
    en = c.get("/public/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en and "Urubuga rusange" not in en
    assert 'href="/public/participation/"' in en  # no ?lang= when none was chosen
    # An unknown language is ignored (the browser's language applies), never an error.
    odd = c.get("/public/?lang=xx", HTTP_ACCEPT_LANGUAGE="fr")
    assert odd.status_code == 200 and '<html lang="fr">' in odd.content.decode()
