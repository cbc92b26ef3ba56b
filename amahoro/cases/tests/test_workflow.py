"""Edits under an optimistic version (409 on a stale edit), consent, referrals (and what the receiving
organisation sees), case notes and closure with supervisor approval."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.cases import services
from amahoro.cases.inputs import incident_parse
from amahoro.cases.models import Incident
from amahoro.core.errors import PermissionDenied

from .conftest import NAME, PHONE, consent_referral, create, payload

URL = "/api/v1/gbv/incidents"


def as_(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


def test_edit_bumps_the_version_and_recomputes_the_classification(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    r = c.patch(
        f"{URL}/{incident.uuid}",
        {
            "version": 1,
            "classification": {"penetration": False, "physical_assault": True},
            "perpetrators": [{"relationship": "stranger"}],
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["version"] == 2 and body["gbv_type"] == "physical_assault" and body["contexts"] == []
    assert body["survivor"]["name"] == NAME  # untouched fields kept
    event = AuditEvent.objects.filter(object_id=str(incident.uuid), action="update").latest("id")
    assert event.changes["fields"] == ["classification", "perpetrators"]
    # Audit rows are readable by organisation administrators: they name what changed, never a value.
    import json

    trail = json.dumps([e.changes for e in AuditEvent.objects.filter(object_id=str(incident.uuid))])
    for value in ("rape", "physical_assault", "former_partner", "stranger", incident.survivor.code, NAME):
        assert value not in trail, value


def test_a_stale_edit_gets_409_and_overwrites_nothing(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    assert (
        c.patch(
            f"{URL}/{incident.uuid}", {"version": 1, "location_type": "school"}, format="json"
        ).status_code
        == 200
    )
    # An offline edit made on version 1 arrives late.
    r = c.patch(
        f"{URL}/{incident.uuid}", {"version": 1, "location_type": "market", "account": "x"}, format="json"
    )
    assert r.status_code == 409
    assert r.json()["field"] == "version"
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.location_type == "school" and fresh.version == 2 and fresh.account != "x"


def test_edit_needs_a_version_and_valid_fields(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    assert (
        c.patch(f"{URL}/{incident.uuid}", {"location_type": "school"}, format="json").json()["field"]
        == "version"
    )
    assert (
        c.patch(f"{URL}/{incident.uuid}", {"version": 1, "org_unit": "1202"}, format="json").json()["field"]
        == "org_unit"
    )
    r = c.patch(f"{URL}/{incident.uuid}", {"version": 1, "report_date": "2000-01-01"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "report_date"
    r = c.patch(f"{URL}/{incident.uuid}", {"version": 1, "survivor": {"age": 200}}, format="json")
    assert r.json()["field"] == "survivor.age"
    assert (
        c.patch(f"{URL}/{incident.uuid}", {"version": 1, "status": "closed"}, format="json").json()["field"]
        == "status"
    )
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_other_organisation_or_district_cannot_edit(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    for user in (cc.ngo_worker, cc.worker_nyarugenge):
        assert (
            as_(api_client, user).patch(f"{URL}/{incident.uuid}", {"version": 1}, format="json").status_code
            == 404
        )
    assert (
        as_(api_client, cc.me_officer)
        .patch(f"{URL}/{incident.uuid}", {"version": 1}, format="json")
        .status_code
        == 403
    )


def test_referral_without_consent_is_refused_unless_a_supervisor_records_why(
    api_client: Any, cc: Any
) -> None:
    incident = create(cc.worker, consent={"services": False, "reporting": True})
    body = {"type": "child_protection", "status": "referred", "provider": "NGO1"}
    r = as_(api_client, cc.worker).post(f"{URL}/{incident.uuid}/services", body, format="json")
    assert r.status_code == 409 and r.json()["field"] == "consent"
    assert (
        "consent 'services'" in r.json()["error"]
        and "consent 'referral' for service 'child_protection'" in r.json()["error"]
    )
    r = api_client.post(
        f"{URL}/{incident.uuid}/services", {**body, "override_reason": "best interest"}, format="json"
    )
    assert r.status_code == 403 and r.json()["field"] == "override_reason"
    r = as_(api_client, cc.supervisor).post(
        f"{URL}/{incident.uuid}/services", {**body, "override_reason": "child's best interest"}, format="json"
    )
    assert r.status_code == 201 and r.json()["consent_overridden"] is True
    event = AuditEvent.objects.filter(
        object_id=str(incident.uuid), actor=cc.supervisor, action="update"
    ).latest("id")
    assert event.changes["consent_override"] is True


def test_service_input_errors_name_the_field(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    for body, field in (
        ({"type": "spa", "status": "provided"}, "type"),
        ({"type": "health", "status": "maybe"}, "status"),
        ({"type": "health", "status": "referred"}, "provider"),
        ({"type": "health", "status": "referred", "provider": "NOPE"}, "provider"),
        ({"type": "health", "status": "provided", "pep_given_on": "2001-01-01"}, "pep_given_on"),
        ({"type": "legal", "status": "provided", "pep_given_on": date.today().isoformat()}, "pep_given_on"),
        ({"type": "health", "status": "provided", "provided_on": "yesterday"}, "provided_on"),
    ):
        r = c.post(f"{URL}/{incident.uuid}/services", body, format="json")
        assert r.status_code == 400, (body, r.content)
        assert r.json()["field"] == field


def test_referral_gives_the_receiving_organisation_that_referral_only(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "psychosocial")
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/services",
        {"type": "psychosocial", "status": "referred", "provider": "NGO1"},
        format="json",
    )
    service_id = r.json()["id"]
    ngo = as_(api_client, cc.ngo_worker)
    listed = ngo.get("/api/v1/gbv/referrals").json()
    assert [x["id"] for x in listed["results"]] == [service_id]
    one = ngo.get(f"/api/v1/gbv/referrals/{service_id}").json()
    assert one["identity_released"] is False and "survivor" not in one
    assert NAME not in str(one) and PHONE not in str(one)
    # The incident itself stays out of reach.
    assert ngo.get(f"{URL}/{incident.uuid}").status_code == 404
    # With the survivor's consent to release information to this service, name and phone go through.
    as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/consents",
        {
            "purpose": "release",
            "service": "psychosocial",
            "recipient": "NGO1",
            "given": True,
            "method": "written",
        },
        format="json",
    )
    one = as_(api_client, cc.ngo_worker).get(f"/api/v1/gbv/referrals/{service_id}").json()
    assert one["identity_released"] is True and one["survivor"]["name"] == NAME
    # The receiver records the service as provided; the owner sees it.
    r = api_client.patch(f"/api/v1/gbv/referrals/{service_id}", {"status": "provided"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "provided"
    owner = as_(api_client, cc.worker).get(f"{URL}/{incident.uuid}").json()
    assert owner["services"][0]["status"] == "provided"
    # Its reads are on the case's access log.
    assert (
        AuditEvent.objects.filter(object_id=str(incident.uuid), actor=cc.ngo_worker, action="read").count()
        >= 2
    )
    # Others (another district of the owner, or an unrelated worker) do not see the referral.
    assert as_(api_client, cc.worker_nyarugenge).get(f"/api/v1/gbv/referrals/{service_id}").status_code == 404
    assert as_(api_client, cc.me_officer).get("/api/v1/gbv/referrals").status_code == 403


def test_consent_is_recorded_with_who_and_how_and_can_be_withdrawn(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker, consent={"services": True})
    c = as_(api_client, cc.worker)
    r = c.post(
        f"{URL}/{incident.uuid}/consents",
        {"purpose": "reporting", "given": True, "method": "thumbprint"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["consent"]["reporting"] is True
    consent_id = r.json()["id"]
    r = c.post(f"{URL}/{incident.uuid}/consents/{consent_id}/withdraw", {}, format="json")
    assert r.status_code == 200 and r.json()["consent"]["reporting"] is False
    assert (
        c.post(f"{URL}/{incident.uuid}/consents/{consent_id}/withdraw", {}, format="json").status_code == 409
    )
    detail = c.get(f"{URL}/{incident.uuid}").json()
    row = next(x for x in detail["consents"] if x["id"] == consent_id)
    assert row["recorded_by"] == "worker" and row["method"] == "thumbprint" and row["withdrawn_at"]
    for body, field in (
        ({"purpose": "gossip", "given": True, "method": "verbal"}, "purpose"),
        ({"purpose": "reporting", "given": "y", "method": "verbal"}, "given"),
        ({"purpose": "reporting", "given": True, "method": "telepathy"}, "method"),
        ({"purpose": "release", "given": True, "method": "verbal"}, "service"),
        ({"purpose": "release", "service": "police", "given": True, "method": "verbal"}, "recipient"),
        (
            {
                "purpose": "release",
                "service": "police",
                "recipient": "NOPE",
                "given": True,
                "method": "verbal",
            },
            "recipient",
        ),
        (
            {
                "purpose": "release",
                "service": "police",
                "recipient": "OSC1",
                "given": True,
                "method": "verbal",
            },
            "recipient",
        ),
        ({"purpose": "reporting", "recipient": "NGO1", "given": True, "method": "verbal"}, "recipient"),
    ):
        assert c.post(f"{URL}/{incident.uuid}/consents", body, format="json").json()["field"] == field


def test_case_plan_follow_up_and_closure_with_supervisor_approval(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    due = (date.today() + timedelta(days=7)).isoformat()
    assert (
        c.post(
            f"{URL}/{incident.uuid}/notes",
            {"kind": "plan", "text": "Safety plan agreed", "due_on": due},
            format="json",
        ).status_code
        == 201
    )
    assert (
        c.post(f"{URL}/{incident.uuid}/notes", {"kind": "diary", "text": "x"}, format="json").json()["field"]
        == "kind"
    )
    assert c.post(f"{URL}/{incident.uuid}/closure", {"reason": ""}, format="json").json()["field"] == "reason"
    r = c.post(f"{URL}/{incident.uuid}/closure", {"reason": "Services completed"}, format="json")
    assert r.json()["status"] == "closure_requested"
    assert (
        c.post(f"{URL}/{incident.uuid}/closure/decision", {"approve": True}, format="json").status_code == 403
    )
    s = as_(api_client, cc.ngo_supervisor)
    assert (
        s.post(f"{URL}/{incident.uuid}/closure/decision", {"approve": True}, format="json").status_code == 404
    )
    s = as_(api_client, cc.supervisor)
    r = s.post(f"{URL}/{incident.uuid}/closure/decision", {"approve": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    version = r.json()["version"]
    r = as_(api_client, cc.worker).patch(
        f"{URL}/{incident.uuid}", {"version": version, "location_type": "school"}, format="json"
    )
    assert r.status_code == 409 and r.json()["field"] == "status"
    assert c.get(f"{URL}/{incident.uuid}").json()["notes"][0]["text"] == "Safety plan agreed"


def test_case_services_refuse_a_missing_actor_and_the_platform(cc: Any) -> None:
    """A GBV case file names the person who changed it: neither `actor=None` (a programming error) nor
    policy.SYSTEM may write one."""
    incident = create(cc.worker)
    for actor, code in ((None, "no_actor"), (policy.SYSTEM, "permission_denied")):
        with pytest.raises(PermissionDenied) as refused:
            services.note_add(actor=actor, incident=incident, kind="plan", text="x")  # type: ignore[arg-type]
        assert refused.value.code == code
        with pytest.raises(PermissionDenied):
            services.incident_create(actor=actor, data=incident_parse(payload()))  # type: ignore[arg-type]
    assert incident.notes.count() == 0 and Incident.objects.count() == 1
