"""The case pages through the Django test client: refusal, audit of reads, intake and edit with the same
checks as the API, a stale edit refused with the typed values kept, and no identifying data in URLs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.cases.models import Incident
from conftest import client_for

from .conftest import NAME, PHONE, consent_referral, create


def form_data(**overrides: Any) -> dict[str, Any]:
    today = date.today()
    data = {
        "survivor_name": NAME,
        "survivor_phone": PHONE,
        "survivor_sex": "female",
        "survivor_age": "15",
        "survivor_marital_status": "single",
        "survivor_displacement_status": "resident",
        "survivor_nationality": "RW",
        "incident_date": (today - timedelta(days=3)).isoformat(),
        "report_date": today.isoformat(),
        "org_unit": "1201",
        "location_type": "survivor_home",
        "time_of_day": "evening",
        "unwanted_sexual_contact": "on",
        "abduction": "none",
        "p1_relationship": "neighbour",
        "p1_sex": "male",
        "p1_age_group": "26-40",
        "consent_services": "on",
        "consent_reporting": "on",
        "consent_method": "guardian",
    }
    for i in (2, 3):
        data.update({f"p{i}_sex": "unknown", f"p{i}_age_group": "unknown"})
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_sign_in(cc: Any, client: Any) -> None:
    incident = create(cc.worker)
    for url in (
        "/cases/",
        "/cases/new/",
        f"/cases/{incident.uuid}/",
        "/cases/statistics/",
        "/cases/referrals/",
    ):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.parametrize("who", ["me_officer", "sysadmin", "nobody"])
def test_non_case_roles_get_403_on_case_pages(cc: Any, who: str) -> None:
    incident = create(cc.worker)
    c = client_for(getattr(cc, who))
    for url in ("/cases/", "/cases/new/", f"/cases/{incident.uuid}/", "/cases/referrals/"):
        assert c.get(url).status_code == 403


@pytest.mark.parametrize("who", ["worker_nyarugenge", "ngo_worker", "ngo_supervisor"])
def test_case_roles_elsewhere_get_404_and_an_empty_list(cc: Any, who: str) -> None:
    incident = create(cc.worker)
    c = client_for(getattr(cc, who))
    assert c.get(f"/cases/{incident.uuid}/").status_code == 404
    assert c.get(f"/cases/{incident.uuid}/edit/").status_code == 404
    assert c.get(f"/cases/{incident.uuid}/access-log/").status_code in (403, 404)
    page = c.get("/cases/").content.decode()
    assert incident.survivor.code not in page
    found = c.post("/cases/", {"phone": PHONE}).content.decode()
    assert incident.survivor.code not in found
    assert c.post(f"/cases/{incident.uuid}/notes/", {"kind": "plan", "text": "x"}).status_code == 404


def test_detail_shows_the_survivor_to_the_case_worker_and_is_audited(cc: Any) -> None:
    incident = create(cc.worker)
    c = client_for(cc.worker)
    r = c.get(f"/cases/{incident.uuid}/")
    assert r.status_code == 200 and NAME in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    assert AuditEvent.objects.filter(
        actor=cc.worker, action="read", object_id=str(incident.uuid), message="opened"
    ).exists()


def test_intake_page_records_a_case(cc: Any) -> None:
    c = client_for(cc.worker)
    assert c.get("/cases/new/").status_code == 200
    r = c.post("/cases/new/", form_data())
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert r["Location"] == f"/cases/{incident.uuid}/"
    assert NAME not in r["Location"] and PHONE not in r["Location"]
    assert incident.gbv_type == "sexual_assault"
    assert incident.contexts == ["child_sexual_abuse"]
    assert incident.elapsed_reporting_bucket == "0_3_days"
    assert incident.consents.filter(method="guardian").count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"report_date": (date.today() - timedelta(days=9)).isoformat()}, "report_date"),
        ({"survivor_age": "130"}, "survivor_age"),
        ({"org_unit": "1101"}, "org_unit"),
        ({"survivor_sex": ""}, "survivor_sex"),
    ],
)
def test_intake_page_names_the_bad_field(cc: Any, change: dict[str, str], field: str) -> None:
    r = client_for(cc.worker).post("/cases/new/", form_data(**change))
    assert r.status_code == 400
    assert r.context["form"].errors.get(field), r.context["form"].errors
    assert Incident.objects.count() == 0


def test_edit_page_saves_and_a_stale_edit_is_409_with_the_typed_values_kept(cc: Any) -> None:
    incident = create(cc.worker)
    c = client_for(cc.worker)
    page = c.get(f"/cases/{incident.uuid}/edit/")
    assert page.status_code == 200
    initial = page.context["form"].initial
    data = {k: v for k, v in form_data().items() if not k.startswith("consent_")}
    data.update({"version": initial["version"], "survivor_name": "Renamed Person", "survivor_age": "24"})
    assert c.post(f"/cases/{incident.uuid}/edit/", data).status_code == 302
    assert Incident.objects.get(pk=incident.pk).survivor.identity["name"] == "Renamed Person"
    # A second tab (or an offline phone) still holds version 1.
    data.update({"survivor_name": "Offline Edit", "location_type": "market"})
    r = c.post(f"/cases/{incident.uuid}/edit/", data)
    assert r.status_code == 409
    assert "Offline Edit" in r.content.decode()  # kept on screen, not lost
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.survivor.identity["name"] == "Renamed Person" and fresh.location_type != "market"


def test_referral_and_closure_through_the_pages(cc: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "legal")
    c = client_for(cc.worker)
    r = c.post(
        f"/cases/{incident.uuid}/services/", {"type": "legal", "status": "referred", "provider": "NGO1"}
    )
    assert r.status_code == 302
    service = incident.services.get()
    ngo = client_for(cc.ngo_worker)
    assert incident.survivor.code in ngo.get("/cases/referrals/").content.decode()
    page = ngo.get(f"/cases/referrals/{service.uuid}/").content.decode()
    assert NAME not in page
    assert ngo.post(f"/cases/referrals/{service.uuid}/", {"status": "provided"}).status_code == 302
    assert c.post(f"/cases/{incident.uuid}/closure/", {"reason": "All services delivered"}).status_code == 302
    assert c.post(f"/cases/{incident.uuid}/closure/decision/", {"decision": "approve"}).status_code == 403
    s = client_for(cc.supervisor)
    assert s.post(f"/cases/{incident.uuid}/closure/decision/", {"decision": "approve"}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == "closed"
    log = s.get(f"/cases/{incident.uuid}/access-log/").content.decode()
    assert "ngo_worker" in log and "worker" in log


def test_referral_without_consent_is_refused_on_the_page(cc: Any) -> None:
    incident = create(cc.worker, consent={"services": False})
    r = client_for(cc.worker).post(
        f"/cases/{incident.uuid}/services/", {"type": "legal", "status": "referred", "provider": "NGO1"}
    )
    assert r.status_code == 400 and incident.services.count() == 0
    assert "consent" in r.content.decode()


def test_statistics_page_for_a_viewer_is_suppressed(cc: Any) -> None:
    incident_date = (date.today() - timedelta(days=3)).isoformat()
    today = date.today()
    for _ in range(10):
        create(cc.worker, incident_date=incident_date, report_date=today.isoformat())
    create(
        cc.worker,
        incident_date=incident_date,
        report_date=today.isoformat(),
        classification={"physical_assault": True},
    )
    c = client_for(cc.me_officer)
    assert c.get("/cases/statistics/").status_code == 200
    r = c.get("/cases/statistics/", {"period": today.strftime("%Y%m")})
    assert r.status_code == 200
    text = r.content.decode()
    assert "&lt;5" in text and NAME not in text and incident_date not in text
    csv_link = r.context["result"]["period"]
    assert f"/api/v1/gbv/statistics.csv?period={csv_link}" in text
    assert c.get(f"/api/v1/gbv/statistics.csv?period={csv_link}").status_code == 200
    assert c.get("/cases/statistics/", {"period": "bad"}).status_code == 400


def test_search_page_finds_by_phone_with_a_post(cc: Any) -> None:
    incident = create(cc.worker)
    r = client_for(cc.worker).post("/cases/", {"phone": "+250788123456", "survivor_code": ""})
    text = r.content.decode()
    assert r.status_code == 200
    assert incident.survivor.code in text and "1 case found" in text


def test_case_pages_and_api_need_two_factor_when_it_is_on(cc: Any, settings: Any) -> None:
    settings.AMAHORO_REQUIRE_2FA = True
    incident = create(cc.worker)
    c = client_for(cc.worker)  # signed in with a password only
    r = c.get(f"/cases/{incident.uuid}/")
    assert r.status_code == 302 and "/cases/" not in r["Location"].split("?")[0]
    assert c.get(f"/api/v1/gbv/incidents/{incident.uuid}").status_code == 403
    assert not AuditEvent.objects.filter(actor=cc.worker, action="read").exists()
