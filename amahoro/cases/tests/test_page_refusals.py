"""The case pages when the input is wrong or the action is refused: a bad filter falls back to the default,
a refused action is a message or a 400 form (never a 500), unknown records are 404, and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro.cases import selectors, services
from amahoro.cases.models import CaseNote, CaseStatus, Consent, Incident
from amahoro.core.errors import NotFound
from conftest import client_for

from .conftest import consent_referral, create
from .test_views import form_data


def test_the_list_ignores_an_unknown_status_and_a_bad_page_and_filters_by_status(cc: Any) -> None:
    open_case = create(cc.worker)
    closed = create(cc.worker)
    Incident.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    c = client_for(cc.worker)
    for query in ({"status": "lost"}, {"page": "abc"}):
        r = c.get("/cases/", query)
        assert r.status_code == 200
        assert open_case.survivor.code in r.content.decode() and closed.survivor.code in r.content.decode()
    text = c.get("/cases/", {"status": "closed"}).content.decode()
    assert closed.survivor.code in text and open_case.survivor.code not in text


def test_a_search_by_a_phone_without_digits_is_an_error_on_the_form(cc: Any) -> None:
    incident = create(cc.worker)
    r = client_for(cc.worker).post("/cases/", {"phone": "+ ( ) -", "survivor_code": ""})
    text = r.content.decode()
    assert r.status_code == 200
    assert "phone has no digits" in text and incident.survivor.code not in text


def test_an_edit_refused_by_the_service_or_the_form_is_a_400_and_writes_nothing(cc: Any) -> None:
    incident = create(cc.worker)
    c = client_for(cc.worker)
    data = {k: v for k, v in form_data().items() if not k.startswith("consent_")}
    data["version"] = "1"
    # The form is valid; the incident parser refuses an incident dated after its report.
    r = c.post(
        f"/cases/{incident.uuid}/edit/",
        {**data, "incident_date": (date.today() + timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 400
    # The form refuses: a date that is not a date.
    r = c.post(f"/cases/{incident.uuid}/edit/", {**data, "incident_date": "yesterday"})
    assert r.status_code == 400 and "incident_date" in r.context["form"].errors
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_consent_is_withdrawn_through_the_page_once(cc: Any) -> None:
    incident = create(cc.worker)
    consent = Consent.objects.filter(incident=incident, purpose="services").get()
    c = client_for(cc.worker)
    url = f"/cases/{incident.uuid}/consents/{consent.uuid}/withdraw/"
    assert c.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    # Again: refused with a message, the case page follows.
    r = c.post(url, follow=True)
    assert r.status_code == 200 and "already withdrawn" in r.content.decode()
    # Unknown or malformed consent ids, and another organisation's worker: not found.
    assert (
        c.post(f"/cases/{incident.uuid}/consents/00000000-0000-0000-0000-000000000000/withdraw/").status_code
        == 404
    )
    assert c.post(f"/cases/{incident.uuid}/consents/not-a-uuid/withdraw/").status_code == 404
    assert client_for(cc.ngo_worker).post(url).status_code == 404


def test_a_note_is_added_through_the_page(cc: Any) -> None:
    incident = create(cc.worker)
    r = client_for(cc.worker).post(
        f"/cases/{incident.uuid}/notes/", {"kind": "plan", "text": "Visit on Monday"}
    )
    assert r.status_code == 302
    assert CaseNote.objects.get(incident=incident).text == "Visit on Monday"


def test_a_closure_decision_without_a_request_is_a_message_and_changes_nothing(cc: Any) -> None:
    incident = create(cc.worker)
    r = client_for(cc.supervisor).post(
        f"/cases/{incident.uuid}/closure/decision/", {"decision": "approve"}, follow=True
    )
    assert r.status_code == 200 and "no closure was requested" in r.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == CaseStatus.OPEN


def test_the_referral_page_refuses_unknown_referrals_and_bad_updates(cc: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "legal")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="legal", status="referred", provider=cc.ngo
    )
    ngo = client_for(cc.ngo_worker)
    assert ngo.get("/cases/referrals/00000000-0000-0000-0000-000000000000/").status_code == 404
    url = f"/cases/referrals/{service.uuid}/"
    assert ngo.post(url, {"status": "lost"}).status_code == 400  # not a status: the form refuses
    # The service refuses: PEP is for health services.
    r = ngo.post(url, {"status": "provided", "pep_given_on": incident.report_date.isoformat()})
    assert r.status_code == 400 and "health services" in r.content.decode()
    service.refresh_from_db()
    assert service.status == "referred"


def test_statistics_page_with_an_incomplete_query_is_400(cc: Any) -> None:
    assert client_for(cc.me_officer).get("/cases/statistics/", {"org_unit": "12"}).status_code == 400


def test_the_access_log_is_for_the_cases_supervisors_only(cc: Any) -> None:
    incident = create(cc.worker)
    assert client_for(cc.worker).get(f"/cases/{incident.uuid}/access-log/").status_code in (403, 404)
    assert client_for(cc.ngo_supervisor).get(f"/cases/{incident.uuid}/access-log/").status_code == 404
    assert client_for(cc.supervisor).get(f"/cases/{incident.uuid}/access-log/").status_code == 200
    # The selector refuses on its own too, whoever calls it.
    with pytest.raises(NotFound):
        selectors.access_log(user=cc.worker, incident=incident)


def test_referral_and_statistics_pages_refuse_roles_without_case_permissions(cc: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "legal")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="legal", status="referred", provider=cc.ngo
    )
    nobody = client_for(cc.nobody)
    assert nobody.get(f"/cases/referrals/{service.uuid}/").status_code == 403
    assert nobody.get("/cases/statistics/").status_code == 403


def test_an_edit_giving_the_age_drops_the_date_of_birth_it_replaces(api_client: Any, cc: Any) -> None:
    from .conftest import payload

    survivor = {**payload()["survivor"], "age": None, "date_of_birth": "2000-01-01"}
    incident = create(cc.worker, survivor=survivor)
    api_client.force_authenticate(cc.worker)
    r = api_client.patch(
        f"/api/v1/gbv/incidents/{incident.uuid}", {"version": 1, "survivor": {"age": 30}}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["survivor"]["age"] == 30
    assert not r.json()["survivor"].get("date_of_birth")
