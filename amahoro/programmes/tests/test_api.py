"""The scales API contract (POST /api/v1/scales, /score, /analysis), programmes and attendance endpoints,
with refusals: anonymous 401, wrong role 403, other organisation or district 404."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from scipy import stats

from amahoro import policy
from amahoro.programmes import scoring
from amahoro.programmes.models import Attendance, Scale
from amahoro.programmes.services import attendance as attendance_services
from amahoro.programmes.services import scales as scale_services

from .factories import World
from .test_scoring import BINARY

pytestmark = pytest.mark.django_db

GEM = scoring.gem_definition()


def as_user(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


def gem_answers(level: int) -> dict[str, str]:
    """level 0..2: from least to most equitable."""
    ineq = ["agree", "partially_agree", "do_not_agree"][level]
    eq = ["do_not_agree", "partially_agree", "agree"][level]
    return {i.code: (ineq if i.subscale == "inequitable" else eq) for i in GEM.items}


def test_create_scale_answers_201_and_scores_it(api_client: Any, world: World) -> None:
    c = as_user(api_client, world.cast.me_nyarugenge)
    r = c.post("/api/v1/scales", BINARY, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["organisation"] == "NGO1" and len(r.json()["items"]) == 3
    r = c.post(
        "/api/v1/scales/GEM-B3/score", {"responses": {"a": "no", "b": "yes", "c": "yes"}}, format="json"
    )
    assert r.status_code == 200
    assert r.json() == {"total": 2, "subscales": {"violence": 1}, "band": "high"}


def test_score_missing_or_unknown_answer_is_400_naming_the_item(api_client: Any, world: World) -> None:
    scale_services.gem_ensure()
    c = as_user(api_client, world.cast.viewer_nyarugenge)
    answers = gem_answers(1)
    del answers["GEM07"]
    r = c.post("/api/v1/scales/GEM-24/score", {"responses": answers}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "responses.GEM07" and "GEM07" in r.json()["error"]
    r = c.post("/api/v1/scales/GEM-24/score", {"responses": gem_answers(1) | {"Q99": "agree"}}, format="json")
    assert r.status_code == 400 and "Q99" in r.json()["error"]
    r = c.post("/api/v1/scales/GEM-24/score", {"responses": gem_answers(1) | {"GEM01": "yes"}}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "responses.GEM01"
    r = c.post("/api/v1/scales/GEM-24/score", {"responses": gem_answers(2)}, format="json")
    assert r.json() == {"total": 72, "subscales": {"inequitable": 51, "equitable": 21}, "band": "high"}


def test_bad_definition_is_400_naming_the_field(api_client: Any, world: World) -> None:
    c = as_user(api_client, world.cast.me_nyarugenge)
    bad = BINARY | {"items": [{"code": "a", "text": "A", "scores": {"yes": "x"}}]}
    r = c.post("/api/v1/scales", bad, format="json")
    assert r.status_code == 400 and r.json()["field"] == "items.0.scores.yes"
    assert not Scale.objects.filter(code="GEM-B3").exists()


def test_scale_refusals(api_client: Any, world: World) -> None:
    assert api_client.post("/api/v1/scales", BINARY, format="json").status_code == 401
    r = as_user(api_client, world.cast.viewer_nyarugenge).post("/api/v1/scales", BINARY, format="json")
    assert r.status_code == 403
    as_user(api_client, world.cast.me_nyarugenge).post("/api/v1/scales", BINARY, format="json")
    # Another organisation's scale is not found
    r = as_user(api_client, world.cast.police_me_nyarugenge).post(
        "/api/v1/scales/GEM-B3/score", {"responses": {"a": "no", "b": "no", "c": "no"}}, format="json"
    )
    assert r.status_code == 404
    r = as_user(api_client, world.cast.nobody).get("/api/v1/scales")
    assert r.status_code == 403


def test_analysis_agrees_with_scipy(api_client: Any, world: World) -> None:
    scale_services.gem_ensure()
    rng = np.random.default_rng(6)
    options = ["agree", "partially_agree", "do_not_agree"]
    pairs = []
    for _ in range(25):
        b = {i.code: options[int(rng.integers(0, 2))] for i in GEM.items}
        e = {i.code: options[int(rng.integers(1, 3))] for i in GEM.items}
        pairs.append({"baseline": b, "endline": e})
    r = as_user(api_client, world.cast.viewer_nyarugenge).post(
        "/api/v1/scales/GEM-24/analysis", {"pairs": pairs}, format="json"
    )
    assert r.status_code == 200, r.json()
    out = r.json()
    assert set(out) == {
        "n",
        "baseline_mean",
        "endline_mean",
        "mean_difference",
        "ci95_low",
        "ci95_high",
        "t",
        "p_value",
        "cohens_dz",
        "cronbach_alpha_baseline",
    }
    bt = np.array([scoring.score(GEM, p["baseline"]).total for p in pairs])
    et = np.array([scoring.score(GEM, p["endline"]).total for p in pairs])
    test = stats.ttest_rel(et, bt)
    assert out["n"] == 25
    assert out["mean_difference"] == pytest.approx((et - bt).mean(), abs=1e-6)
    assert out["t"] == pytest.approx(test.statistic, abs=1e-6)
    assert out["p_value"] == pytest.approx(test.pvalue, abs=1e-6)
    low, high = stats.t.interval(0.95, 24, loc=(et - bt).mean(), scale=stats.sem(et - bt))
    assert (out["ci95_low"], out["ci95_high"]) == (
        pytest.approx(low, abs=1e-6),
        pytest.approx(high, abs=1e-6),
    )
    assert out["cohens_dz"] == pytest.approx((et - bt).mean() / (et - bt).std(ddof=1), abs=1e-6)
    items = np.array(
        [[scoring.score(GEM, p["baseline"]).item_scores[i.code] for i in GEM.items] for p in pairs]
    )
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert out["cronbach_alpha_baseline"] == pytest.approx(alpha, abs=1e-6)


def test_analysis_bad_pair_names_pair_and_item(api_client: Any, world: World) -> None:
    scale_services.gem_ensure()
    bad = gem_answers(1)
    del bad["GEM24"]
    pairs = [
        {"baseline": gem_answers(0), "endline": gem_answers(1)},
        {"baseline": gem_answers(0), "endline": bad},
    ]
    r = as_user(api_client, world.cast.viewer_nyarugenge).post(
        "/api/v1/scales/GEM-24/analysis", {"pairs": pairs}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "pairs.1.endline.GEM24"


def test_programme_detail_and_refusals(api_client: Any, world: World) -> None:
    attendance_services.attendance_record(
        actor=policy.SYSTEM, session=world.sessions[0], presence={world.people[0]: True}
    )
    assert api_client.get("/api/v1/programmes/BANDE").status_code == 401
    r = as_user(api_client, world.cast.me_nyarugenge).get("/api/v1/programmes/BANDE")
    assert r.status_code == 200 and r.json()["reach"]["total"] == 1
    assert (
        as_user(api_client, world.cast.police_me_nyarugenge).get("/api/v1/programmes/BANDE").status_code
        == 404
    )
    assert as_user(api_client, world.cast.nobody).get("/api/v1/programmes/BANDE").status_code == 403
    # The Gasabo officer sees the programme (it runs in Gasabo too) but not Nyarugenge's attendance
    r = as_user(api_client, world.cast.me_gasabo).get("/api/v1/programmes/BANDE")
    assert r.status_code == 200 and r.json()["reach"]["total"] == 0
    assert [c["code"] for c in r.json()["cohorts"]] == ["G1"]


def test_attendance_rows_all_or_nothing(api_client: Any, world: World) -> None:
    url = "/api/v1/programmes/BANDE/cohorts/C1/attendance"
    rows = [
        {"session": 1, "participant": "P-000", "present": True},
        {"session": 1, "participant": "P-NOPE", "present": True},
    ]
    r = as_user(api_client, world.cast.me_nyarugenge).post(url, {"rows": rows}, format="json")
    assert (
        r.status_code == 400 and r.json()["field"] == "rows.1.participant" and "P-NOPE" in r.json()["error"]
    )
    assert Attendance.objects.count() == 0
    r = api_client.post(url, {"rows": rows[:1]}, format="json")
    assert r.status_code == 200 and r.json()["written"] == 1
    # Same role, other district: the cohort is not found
    r = as_user(api_client, world.cast.me_gasabo).post(url, {"rows": rows[:1]}, format="json")
    assert r.status_code == 404
    r = as_user(api_client, world.cast.viewer_nyarugenge).post(url, {"rows": rows[:1]}, format="json")
    assert r.status_code == 403


def test_programme_detail_includes_scale_results(api_client: Any, world: World) -> None:
    gem = scale_services.gem_ensure()
    base = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=gem, kind="baseline", date=world.cohort.start
    )
    end = scale_services.survey_round_create(
        actor=policy.SYSTEM, cohort=world.cohort, scale=gem, kind="endline", date=world.cohort.end
    )
    a, b, c, _ = world.people
    scale_services.responses_record(
        actor=policy.SYSTEM, survey=base, answers={a: gem_answers(0), b: gem_answers(0), c: gem_answers(1)}
    )
    scale_services.responses_record(
        actor=policy.SYSTEM, survey=end, answers={a: gem_answers(1), b: gem_answers(2), c: gem_answers(2)}
    )
    r = as_user(api_client, world.cast.me_nyarugenge).get("/api/v1/programmes/BANDE")
    gem_result = r.json()["scales"][0]
    assert gem_result["scale"] == "GEM-24"
    assert [x["kind"] for x in gem_result["rounds"]] == ["baseline", "endline"]
    assert gem_result["paired"]["n"] == 3 and gem_result["paired"]["mean_difference"] == pytest.approx(
        32
    )  # +24, +48, +24
    assert gem_result["rounds"][1]["bands"][2] == {"name": "high", "count": 2, "share": 66.7}


def test_create_programme_cohort_with_weekly_sessions_and_participant(api_client: Any, world: World) -> None:
    from amahoro.programmes.models import Cohort, Participant

    c = as_user(api_client, world.cast.me_nyarugenge)
    r = c.post(
        "/api/v1/programmes", {"code": "CLUBS", "name": "School clubs", "districts": ["11"]}, format="json"
    )
    assert r.status_code == 201, r.json()
    body = {
        "code": "K1",
        "place": "1101",
        "start": "2025-02-03",
        "end": "2025-06-30",
        "sessions": 17,
        "completion_min": 12,
        "weekly": True,
        "activity_type": "club",
    }
    r = c.post("/api/v1/programmes/CLUBS/cohorts", body, format="json")
    assert r.status_code == 201 and r.json()["sessions"] == 17
    assert Cohort.objects.get(code="K1").sessions.order_by("number").last().date.isoformat() == "2025-05-26"
    r = c.post("/api/v1/programmes/CLUBS/cohorts", body | {"code": "K2", "end": "2025-03-01"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "date"  # week 5 falls after the cohort's end
    assert not Cohort.objects.filter(code="K2").exists()
    r = c.post(
        "/api/v1/participants",
        {
            "sex": "F",
            "village": world.v1101[0].code,
            "birth_year": 2008,
            "name": "Divine Ishimwe",
            "phone": "0788123456",
            "cohort": {"programme": "CLUBS", "code": "K1"},
        },
        format="json",
    )
    assert r.status_code == 201 and "Divine" not in r.content.decode()
    p = Participant.objects.get(code=r.json()["code"])
    assert p.name_enc == "Divine Ishimwe" and p.enrolments.get().cohort.code == "K1"
    r = c.post("/api/v1/participants", {"sex": "M", "village": world.v1101[0].code, "age": 30}, format="json")
    assert r.status_code == 201
    assert Participant.objects.get(code=r.json()["code"]).birth_year == date.today().year - 30
    r = c.post(
        "/api/v1/participants", {"sex": "M", "village": world.v1101[0].code, "age": 300}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "age"
    r = c.post("/api/v1/participants", {"sex": "X", "village": world.v1101[0].code}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "sex"
    # outside the officer's district / other organisation / wrong role
    r = c.post("/api/v1/participants", {"sex": "F", "village": world.v1201[0].code}, format="json")
    assert r.status_code == 403
    r = as_user(api_client, world.cast.me_gasabo).post(
        "/api/v1/programmes/CLUBS/cohorts", body | {"code": "K3"}, format="json"
    )
    assert r.status_code == 404
    r = as_user(api_client, world.cast.viewer_nyarugenge).post(
        "/api/v1/programmes", {"code": "X", "districts": ["11"]}, format="json"
    )
    assert r.status_code == 403
    assert api_client.logout() is None
    api_client.force_authenticate(None)
    assert api_client.post("/api/v1/participants", {}, format="json").status_code == 401
