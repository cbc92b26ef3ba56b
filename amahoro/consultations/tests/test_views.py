"""Consultation pages and API over HTTP: success, and refusal (anonymous, wrong role, other organisation)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from amahoro.consultations import services
from amahoro.consultations.models import Assessment, Moderation
from conftest import client_for

pytestmark = pytest.mark.django_db


def detail(v: Any) -> str:
    return reverse("consultations:detail", args=[v.round.uuid])


def test_anonymous_is_sent_to_login(voices: Any) -> None:
    for url in (reverse("consultations:list"), detail(voices)):
        r = Client().get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    r = Client().post(
        reverse("consultations:assess", args=[voices.round.uuid]), {"node": "P1.O2", "rating": 3}
    )
    assert r.status_code == 302
    assert not Assessment.objects.exists()


def test_user_without_framework_view_gets_403(voices: Any, cast: Any) -> None:
    assert client_for(cast.nobody).get(reverse("consultations:list")).status_code == 403


def test_cso_rates_through_the_page(voices: Any) -> None:
    c = client_for(voices.cso_me)
    page = c.get(detail(voices))
    assert page.status_code == 200
    assert b"Rate this outcome" in page.content
    r = c.post(
        reverse("consultations:assess", args=[voices.round.uuid]),
        {"node": "P1.O2", "rating": "2", "evidence": "Few women commanders", "anonymous": "on"},
    )
    assert r.status_code == 302
    a = Assessment.objects.get()
    assert a.anonymous and a.organisation is None and a.rating == 2


def test_rating_with_a_bad_value_shows_the_message_and_saves_nothing(voices: Any) -> None:
    c = client_for(voices.cso_me)
    r = c.post(
        reverse("consultations:assess", args=[voices.round.uuid]),
        {"node": "P1.O2", "rating": "11"},
        follow=True,
    )
    assert r.status_code == 200
    assert b"rating must be from 1 to 5" in r.content
    assert not Assessment.objects.exists()


def test_viewer_may_see_but_not_rate(voices: Any) -> None:
    c = client_for(voices.cso_viewer)
    page = c.get(detail(voices))
    assert page.status_code == 200 and b"Rate this outcome" not in page.content
    r = c.post(reverse("consultations:assess", args=[voices.round.uuid]), {"node": "P1.O2", "rating": "3"})
    assert r.status_code == 403
    assert not Assessment.objects.exists()


def test_other_cso_cannot_moderate_or_edit(voices: Any) -> None:
    a = services.assessment_submit(actor=voices.cso_me, round=voices.round, node=voices.outcome, rating=2)
    c = client_for(voices.cso2_me)
    assert (
        c.post(reverse("consultations:moderate", args=[a.uuid]), {"decision": "approved"}).status_code == 404
    )
    assert c.post(reverse("consultations:edit", args=[a.uuid]), {"rating": "5"}).status_code == 404
    a.refresh_from_db()
    assert a.moderation == Moderation.PENDING and a.rating == 2


def test_agency_cannot_moderate_and_cso_cannot_publish(voices: Any) -> None:
    a = services.assessment_submit(actor=voices.cso_me, round=voices.round, node=voices.outcome, rating=2)
    r = client_for(voices.police_me).post(
        reverse("consultations:moderate", args=[a.uuid]), {"decision": "approved"}
    )
    assert r.status_code == 403
    r = client_for(voices.cso_me).post(reverse("consultations:action", args=[voices.round.uuid, "publish"]))
    assert r.status_code == 403


def test_attachment_download_only_for_those_who_see_the_assessment(voices: Any) -> None:
    a = services.assessment_submit(actor=voices.cso_me, round=voices.round, node=voices.outcome, rating=2)
    att = services.attachment_add(
        actor=voices.cso_me, assessment=a, filename="Jane Doe notes.txt", content=b"hello"
    )
    url = reverse("consultations:attachment", args=[att.uuid])
    r = client_for(voices.cso_clerk).get(url)
    assert r.status_code == 200 and r.content == b"hello"
    assert "Jane" not in r["Content-Disposition"] and r["Cache-Control"] == "private, no-store"
    assert client_for(voices.cso2_me).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_summary_preview_is_for_moderators_until_published(voices: Any) -> None:
    a = services.assessment_submit(actor=voices.cso_me, round=voices.round, node=voices.outcome, rating=2)
    url = reverse("consultations:summary", args=[voices.round.uuid])
    assert client_for(voices.cso_me).get(url).status_code == 404
    assert client_for(voices.convener).get(url).status_code == 200
    services.assessment_moderate(actor=voices.convener, assessment=a, decision="approved")
    services.round_publish(actor=voices.convener, round=voices.round)
    r = client_for(voices.cso_me).get(url)
    assert r.status_code == 200 and b"Limited progress" in r.content


# ---------------------------------------------------------------------------------------------------------
# API


def api(user: Any) -> Any:
    from rest_framework.test import APIClient

    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_api_anonymous_gets_401(voices: Any) -> None:
    r = api(None).get("/api/v1/consultations/rounds")
    assert r.status_code == 401


def test_api_end_to_end_with_refusals(voices: Any) -> None:
    base = f"/api/v1/consultations/rounds/{voices.round.uuid}"
    r = api(voices.cso_me).post(
        f"{base}/assessments", {"outcome": "P1.O2", "rating": 2, "evidence": "e"}, format="json"
    )
    assert r.status_code == 201, r.json()
    aid = r.json()["id"]
    assert r.json()["organisation"] == "CSO1"
    # wrong outcome: 400 naming the field
    r = api(voices.cso2_me).post(f"{base}/assessments", {"outcome": "P9", "rating": 2}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "outcome"
    # wrong role: viewer 403; other CSO cannot read it: 404
    r = api(voices.cso_viewer).post(f"{base}/assessments", {"outcome": "P2.O1", "rating": 2}, format="json")
    assert r.status_code == 403
    assert api(voices.cso2_me).get(f"/api/v1/consultations/assessments/{aid}").status_code == 404
    # agency responds
    r = api(voices.police_me).post(
        f"/api/v1/consultations/assessments/{aid}/responses", {"text": "We started mentoring"}, format="json"
    )
    assert r.status_code == 201 and r.json()["agency"] == "POLICE"
    # summary is not public to a CSO until published
    assert api(voices.cso2_me).get(f"{base}/summary").status_code == 404
    r = api(voices.convener).post(
        f"/api/v1/consultations/assessments/{aid}/moderation", {"decision": "approved"}, format="json"
    )
    assert r.status_code == 200 and r.json()["moderation"] == "approved"
    assert api(voices.police_me).post(f"{base}/publish").status_code == 403
    r = api(voices.convener).post(f"{base}/publish")
    assert r.status_code == 200 and r.json()["published_at"]
    summary = api(voices.cso2_me).get(f"{base}/summary").json()
    row = next(o for o in summary["outcomes"] if o["code"] == "P1.O2")
    assert row["cso_assessments"][0]["responses"][0]["text"] == "We started mentoring"
    assert row["official_status"] in ("no_data", "no_target", "on_track", "at_risk", "off_track")


def test_api_create_round_refused_for_cso(voices: Any) -> None:
    body = {"framework": "RW-NAP1325-2018", "organisation": "MINISTRY", "title": "x"}
    assert api(voices.cso_me).post("/api/v1/consultations/rounds", body, format="json").status_code == 403
    r = api(voices.convener).post("/api/v1/consultations/rounds", body, format="json")
    assert r.status_code == 201 and r.json()["status"] == "open"
    r = api(voices.convener).post("/api/v1/consultations/rounds", body | {"title": ""}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "title"


def test_api_body_that_is_not_an_object_is_a_400(voices: Any) -> None:
    base = f"/api/v1/consultations/rounds/{voices.round.uuid}"
    r = api(voices.cso_me).post(f"{base}/assessments", [1, 2], format="json")
    assert r.status_code == 400 and r.json()["field"] == "body"
    r = api(voices.convener).post("/api/v1/consultations/rounds", "text", format="json")
    assert r.status_code == 400 and r.json()["field"] == "body"
