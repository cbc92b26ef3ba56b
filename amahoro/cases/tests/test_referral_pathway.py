"""The referral pathway across organisations: a referral to a provider from the directory reaches that
provider's staff for its place and nobody else; they see the survivor code and the referral, never who the
survivor is without a release; they accept, decline or complete it and the referring worker is told; no
consent to referral is a 409; a withdrawn consent closes the referral; an overdue reply is escalated once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.cases import schedule, selectors, services, tasks
from amahoro.cases.models import Consent, Service
from amahoro.core.errors import ValidationFailed
from amahoro.directory.services import provider_create
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification
from conftest import client_for, make_org, make_user

from .conftest import ACCOUNT, NAME, PHONE, consent_referral, create

URL = "/api/v1/gbv/incidents"
REFERRALS = "/api/v1/gbv/referrals"


@dataclass
class Pathway:
    police: Any
    station: Any  # RNP Gasabo station: police, at and serving district 12
    officer: Any  # service_provider of the police over 12: receives
    officer_nyarugenge: Any  # same role and organisation over 11: does not
    other_police: Any
    other_officer: Any  # service_provider of another police-type organisation over 12
    legal: Any  # a legal-aid provider of the NGO, with no place of its own


@pytest.fixture
def pw(cc: Any) -> Pathway:
    police = make_org("RNP", "police", areas=("RW",))
    other = make_org("OTHERPOL", "police", areas=("12",))
    gasabo = OrgUnit.objects.get(code="12")
    station = provider_create(
        actor=policy.SYSTEM,
        organisation=police,
        name="RNP Gasabo station",
        services=["police"],
        org_unit=gasabo,
        areas=[gasabo],
    )
    legal = provider_create(
        actor=policy.SYSTEM, organisation=cc.ngo, name="NGO legal clinic", services=["legal"], areas=[gasabo]
    )
    return Pathway(
        police=police,
        station=station,
        officer=make_user("officer", ("service_provider", police, "12")),
        officer_nyarugenge=make_user("officer_nyarugenge", ("service_provider", police, "11")),
        other_police=other,
        other_officer=make_user("other_officer", ("service_provider", other, "12")),
        legal=legal,
    )


def as_(api_client: Any, user: Any) -> Any:
    api_client.force_authenticate(user)
    return api_client


def _refer(api_client: Any, cc: Any, incident: Any, pw: Pathway, **extra: Any) -> dict[str, Any]:
    body = {"type": "police", "status": "referred", "provider_unit": str(pw.station.uuid), **extra}
    r = as_(api_client, cc.worker).post(f"{URL}/{incident.uuid}/services", body, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


def _notified(event: str) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_a_referral_to_the_police_reaches_the_police_providers_staff_and_nobody_else(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    before = timezone.now()
    made = _refer(api_client, cc, incident, pw, urgency="urgent", contact_method="phone")
    assert made["provider"] == "RNP" and made["provider_unit"]["name"] == "RNP Gasabo station"
    assert made["referral_status"] == "pending" and made["urgency"] == "urgent"
    service = Service.objects.get(uuid=made["id"])
    assert before + timedelta(hours=24) <= service.reply_due_at <= timezone.now() + timedelta(hours=24)
    assert _notified("referral.received") == {"officer"}
    note = Notification.objects.get(event="referral.received")
    assert incident.survivor.code in note.title and "Police / RIB investigation" in note.title
    text = note.title + note.body
    assert NAME not in text and PHONE not in text and ACCOUNT not in text
    assert note.link == "/cases/referrals/incoming/"


def test_the_older_provider_form_still_refers_and_reaches_the_staff_of_the_cases_place(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/services",
        {"type": "police", "status": "referred", "provider": "RNP"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["provider_unit"] is None and r.json()["referral_status"] == "pending"
    assert r.json()["urgency"] == "normal" and r.json()["contact_method"] == "case_worker"
    service = Service.objects.get(uuid=r.json()["id"])
    assert service.reply_due_at > timezone.now() + timedelta(days=6)
    # The case is in Gasabo (1201): the officer over 12 answers, the one over 11 does not.
    assert _notified("referral.received") == {"officer"}
    listed = as_(api_client, pw.officer).get(REFERRALS).json()
    assert [x["id"] for x in listed["results"]] == [r.json()["id"]]
    assert as_(api_client, pw.officer_nyarugenge).get(REFERRALS).json()["count"] == 0


def test_the_receiver_sees_the_code_and_the_referral_never_who_the_survivor_is(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw, urgency="high")
    officer = as_(api_client, pw.officer)
    r = officer.get(REFERRALS, {"direction": "incoming"})
    assert r.status_code == 200
    (row,) = r.json()["results"]
    assert row["survivor_code"] == incident.survivor.code and row["type"] == "police"
    assert row["urgency"] == "high" and row["contact_method"] == "case_worker"
    assert row["referred_by"] == "OSC1" and row["referred_by_name"] == "OSC1 organisation"
    assert row["referring_worker"] == "worker" and row["reply_due_at"]
    assert "gbv_type" not in row and "incident_id" not in row
    one = officer.get(f"{REFERRALS}/{made['id']}").json()
    assert one["identity_released"] is False and "survivor" not in one
    assert "incident_id" not in one and "gbv_type" not in one and "incident_date" not in one
    for answer in (r, officer.get(f"{REFERRALS}/{made['id']}")):
        text = answer.content.decode()
        assert NAME not in text and PHONE not in text and ACCOUNT not in text
    page = client_for(pw.officer).get("/cases/referrals/incoming/").content.decode()
    assert incident.survivor.code in page and NAME not in page and PHONE not in page and ACCOUNT not in page
    # Every read is on the case's access log.
    reads = AuditEvent.objects.filter(object_id=str(incident.uuid), actor=pw.officer, action="read")
    assert reads.count() >= 3
    # With the survivor's release of information to this organisation for this service, the name shows.
    services.consent_record(
        actor=cc.worker,
        incident=incident,
        purpose="release",
        service="police",
        recipient=pw.police,
        given=True,
        method="verbal",
    )
    one = officer.get(f"{REFERRALS}/{made['id']}").json()
    assert one["identity_released"] is True and one["survivor"] == {"name": NAME, "phone": PHONE}
    page = client_for(pw.officer).get("/cases/referrals/incoming/").content.decode()
    assert NAME in page and ACCOUNT not in page


def test_a_third_organisation_and_other_places_see_nothing(api_client: Any, cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw)
    for user in (pw.other_officer, pw.officer_nyarugenge, cc.ngo_worker):
        c = as_(api_client, user)
        assert c.get(REFERRALS, {"direction": "incoming"}).json()["count"] == 0
        assert c.get(f"{REFERRALS}/{made['id']}").status_code == 404
    for user in (pw.other_officer, pw.officer_nyarugenge):
        r = as_(api_client, user).post(
            f"{REFERRALS}/{made['id']}/respond", {"action": "accept"}, format="json"
        )
        assert r.status_code == 404
        assert (
            client_for(user).post(f"/cases/referrals/{made['id']}/respond/", {"action": "accept"}).status_code
            == 404
        )
    assert as_(api_client, cc.me_officer).get(REFERRALS).status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(REFERRALS).status_code in (401, 403)
    # The sender's organisation sees it as outgoing; no one else does.
    out = as_(api_client, cc.worker).get(REFERRALS, {"direction": "outgoing"}).json()
    assert [x["id"] for x in out["results"]] == [made["id"]]
    assert as_(api_client, cc.ngo_worker).get(REFERRALS, {"direction": "outgoing"}).json()["count"] == 0
    assert as_(api_client, pw.officer).get(REFERRALS, {"direction": "outgoing"}).json()["count"] == 0
    assert as_(api_client, cc.worker).get(REFERRALS, {"direction": "sideways"}).status_code == 400


def test_a_service_provider_gets_nothing_else_of_the_case(api_client: Any, cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw)
    c = as_(api_client, pw.officer)
    assert c.get(URL).status_code == 403
    assert c.get(f"{URL}/{incident.uuid}").status_code == 403
    assert (
        c.post(f"{URL}/search", {"survivor_code": incident.survivor.code}, format="json").status_code == 403
    )
    assert c.get("/api/v1/gbv/statistics", {"period": "202601"}).status_code == 403
    assert c.patch(f"{REFERRALS}/{made['id']}", {"status": "provided"}, format="json").status_code == 403
    page = client_for(pw.officer)
    assert page.get(f"/cases/{incident.uuid}/").status_code == 403
    assert page.get("/cases/").status_code == 403
    assert page.get(f"/cases/referrals/{made['id']}/").status_code == 403
    # The older "referrals received" page sends them to their inbox.
    r = page.get("/cases/referrals/")
    assert r.status_code == 302 and r["Location"] == "/cases/referrals/incoming/"
    # Case roles have no inbox to answer from.
    assert client_for(cc.worker).get("/cases/referrals/incoming/").status_code == 403
    assert (
        client_for(cc.worker)
        .post(f"/cases/referrals/{made['id']}/respond/", {"action": "accept"})
        .status_code
        == 403
    )


def test_accept_then_complete_and_the_referring_worker_is_told_each_step(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw, urgency="urgent")
    respond = f"{REFERRALS}/{made['id']}/respond"
    c = as_(api_client, pw.officer)
    r = c.post(respond, {"action": "accept"}, format="json")
    assert r.status_code == 200 and r.json()["referral_status"] == "accepted" and r.json()["responded_at"]
    assert _notified("referral.accepted") == {"worker"}
    assert c.post(respond, {"action": "accept"}, format="json").status_code == 409
    r = c.post(respond, {"action": "complete"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "outcome"
    r = c.post(respond, {"action": "complete", "outcome": "Statement taken"}, format="json")
    assert r.status_code == 200 and r.json()["referral_status"] == "completed"
    assert r.json()["status"] == "provided" and r.json()["provided_on"]
    assert _notified("referral.completed") == {"worker"}
    assert c.post(respond, {"action": "decline", "reason": "late"}, format="json").status_code == 409
    assert c.post(respond, {"action": "shrug"}, format="json").status_code == 400
    # The owner sees the answer on the case; the responder's writes are on its audit trail.
    owner = as_(api_client, cc.worker).get(f"{URL}/{incident.uuid}").json()
    assert owner["services"][0]["referral_status"] == "completed"
    assert owner["services"][0]["response_note"] == "Statement taken"
    assert (
        AuditEvent.objects.filter(object_id=str(incident.uuid), actor=pw.officer, action="update").count()
        == 2
    )
    notes = Notification.objects.filter(recipient=cc.worker)
    assert all(NAME not in n.title + n.body for n in notes)


def test_decline_needs_a_reason_and_tells_who_referred_and_the_case_worker_once_each(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.supervisor, case_worker="worker")
    consent_referral(cc.supervisor, incident, "police")

    def refer(user: Any) -> str:
        r = as_(api_client, user).post(
            f"{URL}/{incident.uuid}/services",
            {"type": "police", "status": "referred", "provider_unit": str(pw.station.uuid)},
            format="json",
        )
        assert r.status_code == 201, r.content
        return str(r.json()["id"])

    # The supervisor refers the worker's case: the referring worker is the supervisor; both are told.
    respond = f"{REFERRALS}/{refer(cc.supervisor)}/respond"
    c = as_(api_client, pw.officer)
    r = c.post(respond, {"action": "decline"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = c.post(respond, {"action": "decline", "reason": "Outside our station's area"}, format="json")
    assert r.status_code == 200 and r.json()["referral_status"] == "declined"
    assert r.json()["referring_worker"] == "supervisor"
    assert _notified("referral.declined") == {"worker", "supervisor"}
    # The case worker refers: told once, and the case's recorder (the supervisor) is not told.
    second = refer(cc.worker)
    c = as_(api_client, pw.officer)
    (row,) = [x for x in c.get(REFERRALS).json()["results"] if x["id"] == second]
    assert row["referring_worker"] == "worker"
    assert c.post(f"{REFERRALS}/{second}/respond", {"action": "accept"}, format="json").status_code == 200
    recipients = Notification.objects.filter(event="referral.accepted").values_list(
        "recipient__username", flat=True
    )
    assert list(recipients) == ["worker"]


def test_the_respond_service_refuses_bad_answers(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    with pytest.raises(ValidationFailed, match="action must be one of"):
        services.referral_respond(actor=pw.officer, service=service, action="shrug")
    with pytest.raises(ValidationFailed) as exc:
        services.referral_respond(actor=pw.officer, service=service, action="decline", note="x" * 2001)
    assert exc.value.field == "reason"
    with pytest.raises(ValidationFailed) as exc:
        services.referral_respond(actor=pw.officer, service=service, action="complete", note="x" * 2001)
    assert exc.value.field == "outcome"
    # A case worker of the sending organisation cannot answer its own referral.
    from amahoro.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.referral_respond(actor=cc.worker, service=service, action="accept")
    # A service provided in-house is no referral: nothing to answer.
    own = services.service_record(actor=cc.worker, incident=incident, type="health", status="provided")
    assert own.referral_status == ""


def test_no_consent_to_referral_of_that_kind_is_a_409_naming_it(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "legal")  # another kind
    body = {"type": "police", "status": "referred", "provider_unit": str(pw.station.uuid)}
    r = as_(api_client, cc.worker).post(f"{URL}/{incident.uuid}/services", body, format="json")
    assert r.status_code == 409 and r.json()["field"] == "consent"
    assert (
        "the survivor has not consented to referral to Police / RIB investigation (consent 'referral' for service 'police')"
        in r.json()["error"]
    )
    assert "consent 'services'" not in r.json()["error"]
    assert not Service.objects.exists() and not Notification.objects.exists()
    # A referral inside the case's own organisation needs the consent to services only.
    own = services.service_record(
        actor=cc.worker, incident=incident, type="psychosocial", status="referred", provider=cc.osc
    )
    assert own.referral_status == ""
    # A case supervisor may still refer, recording why.
    r = as_(api_client, cc.supervisor).post(
        f"{URL}/{incident.uuid}/services", {**body, "override_reason": "child at risk"}, format="json"
    )
    assert r.status_code == 201 and r.json()["consent_overridden"] is True
    assert _notified("referral.received") == {"officer"}


def test_referral_consent_is_recorded_per_kind_of_service(api_client: Any, cc: Any) -> None:
    incident = create(cc.worker)
    c = as_(api_client, cc.worker)
    url = f"{URL}/{incident.uuid}/consents"
    r = c.post(url, {"purpose": "referral", "given": True, "method": "verbal"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "service"
    r = c.post(
        url,
        {"purpose": "referral", "service": "legal", "recipient": "NGO1", "given": True, "method": "verbal"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["field"] == "recipient"
    r = c.post(
        url, {"purpose": "reporting", "service": "legal", "given": True, "method": "verbal"}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "service"
    r = c.post(
        url, {"purpose": "referral", "service": "legal", "given": True, "method": "verbal"}, format="json"
    )
    assert r.status_code == 201 and r.json()["consent"]["referral:legal"] is True


def test_the_provider_must_offer_the_service_and_match_the_organisation(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident)
    cases = (
        ({"type": "legal", "status": "referred", "provider_unit": pw.station}, "provider_unit"),
        ({"type": "police", "status": "provided", "provider_unit": pw.station}, "provider_unit"),
        (
            {"type": "police", "status": "referred", "provider_unit": pw.station, "provider": cc.ngo},
            "provider",
        ),
        ({"type": "police", "status": "referred", "urgency": "whenever", "provider": cc.ngo}, "urgency"),
        (
            {"type": "police", "status": "referred", "contact_method": "pigeon", "provider": cc.ngo},
            "contact_method",
        ),
        ({"type": "police", "status": "referred"}, "provider"),
    )
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.service_record(actor=cc.worker, incident=incident, **kwargs)
        assert exc.value.field == field, kwargs
    # The organisation given alongside its own provider is fine.
    ok = services.service_record(
        actor=cc.worker,
        incident=incident,
        type="police",
        status="referred",
        provider_unit=pw.station,
        provider=pw.police,
    )
    assert ok.provider == pw.police


def test_withdrawing_referral_consent_closes_the_referral_and_tells_the_receiver_nothing_more(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police", "legal")
    to_police = _refer(api_client, cc, incident, pw)
    to_legal = services.service_record(
        actor=cc.worker, incident=incident, type="legal", status="referred", provider_unit=pw.legal
    )
    consent = Consent.objects.get(purpose="referral", service="police")
    r = as_(api_client, cc.worker).post(
        f"{URL}/{incident.uuid}/consents/{consent.uuid}/withdraw", format="json"
    )
    assert r.status_code == 200 and r.json()["consent"]["referral:police"] is False
    assert Service.objects.get(uuid=to_police["id"]).referral_status == "closed"
    to_legal.refresh_from_db()
    assert to_legal.referral_status == "pending"
    (closed,) = Notification.objects.filter(event="referral.closed")
    assert closed.recipient == pw.officer
    assert closed.title == f"Referral {incident.survivor.code} was closed" and closed.body == ""
    # Nothing more to answer.
    r = as_(api_client, pw.officer).post(
        f"{REFERRALS}/{to_police['id']}/respond", {"action": "accept"}, format="json"
    )
    assert r.status_code == 409
    assert AuditEvent.objects.filter(object_id=str(incident.uuid), changes__referrals_closed=1).exists()


def test_withdrawing_consent_to_services_closes_every_open_referral(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    services.consent_record(
        actor=cc.worker, incident=incident, purpose="services", given=True, method="verbal"
    )
    first, second = Consent.objects.filter(purpose="services").order_by("recorded_at", "id")
    # Another consent to services still stands: nothing closes.
    services.consent_withdraw(actor=cc.worker, consent=first)
    service.refresh_from_db()
    assert service.referral_status == "pending"
    services.consent_withdraw(actor=cc.worker, consent=second)
    service.refresh_from_db()
    assert service.referral_status == "closed"
    # A second referral consent for the same kind keeps the referral when an older one is withdrawn.
    consent_referral(cc.worker, incident, "police")
    services.consent_record(
        actor=cc.worker, incident=incident, purpose="services", given=True, method="verbal"
    )
    again = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    older = Consent.objects.filter(purpose="referral", service="police").order_by("recorded_at", "id").first()
    consent_referral(cc.worker, incident, "police")
    services.consent_withdraw(actor=cc.worker, consent=older)
    again.refresh_from_db()
    assert again.referral_status == "pending"


def test_an_overdue_reply_is_escalated_once_to_the_cases_supervisors(
    api_client: Any, cc: Any, pw: Pathway, settings: Any
) -> None:
    settings.CASES_REFERRAL_REPLY_HOURS = {"urgent": 2}
    assert services.reply_hours() == {"urgent": 2, "high": 72, "normal": 168}
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw, urgency="urgent")
    answered = _refer(api_client, cc, incident, pw, urgency="urgent")
    as_(api_client, pw.officer).post(
        f"{REFERRALS}/{answered['id']}/respond", {"action": "accept"}, format="json"
    )
    assert services.referrals_escalate(now=timezone.now() + timedelta(hours=1)) == 0
    later = timezone.now() + timedelta(hours=3)
    assert services.referrals_escalate(now=later) == 1
    assert _notified("referral.overdue") == {"supervisor"}
    assert Service.objects.get(uuid=made["id"]).escalated_at == later
    assert services.referrals_escalate(now=later + timedelta(hours=1)) == 0
    assert Notification.objects.filter(event="referral.overdue").count() == 1


def test_the_escalation_runs_from_the_command_the_task_and_beat(cc: Any, pw: Pathway, settings: Any) -> None:
    import io

    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    Service.objects.filter(pk=service.pk).update(reply_due_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("escalate_referrals", stdout=out)
    assert "1 overdue referral(s) escalated" in out.getvalue()
    assert tasks.referrals_escalate() == 0
    entry = schedule.referral_beat_schedule()["gbv-referrals-escalate"]
    assert (
        entry["args"] == [schedule.ESCALATE_TASK] and settings.CELERY_BEAT_SCHEDULE["gbv-referrals-escalate"]
    )
    assert schedule.reply_hours_from_env("urgent=12, normal=100,junk") == {"urgent": 12, "normal": 100}


def test_the_referral_form_on_the_case_page_chooses_a_provider_serving_the_case(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    c = client_for(cc.worker)
    page = c.get(f"/cases/{incident.uuid}/").content.decode()
    assert "RNP Gasabo station (RNP organisation)" in page and "NGO legal clinic" in page
    assert '<optgroup label="Police / RIB investigation">' in page
    r = c.post(
        f"/cases/{incident.uuid}/services/",
        {"type": "police", "status": "referred", "provider_unit": str(pw.station.uuid), "urgency": "high"},
    )
    assert r.status_code == 302
    service = incident.services.get()
    assert (
        service.provider_unit == pw.station
        and service.urgency == "high"
        and service.referral_status == "pending"
    )
    page = c.get(f"/cases/{incident.uuid}/").content.decode()
    assert 'data-referral-status="pending"' in page


def test_answering_from_the_inbox_page(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    service = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    c = client_for(pw.officer)
    url = f"/cases/referrals/{service.uuid}/respond/"
    assert (
        c.post(
            "/cases/referrals/00000000-0000-0000-0000-000000000000/respond/", {"action": "accept"}
        ).status_code
        == 404
    )
    r = c.post(url, {"action": "shrug"}, follow=True)
    assert "Choose an answer." in r.content.decode()
    r = c.post(url, {"action": "decline"}, follow=True)
    assert "a reason is required to decline" in r.content.decode()
    r = c.post(url, {"action": "accept"})
    assert r.status_code == 302 and r["Location"] == "/cases/referrals/incoming/"
    service.refresh_from_db()
    assert service.referral_status == "accepted" and service.responded_by == pw.officer
    page = c.get("/cases/referrals/incoming/").content.decode()
    assert 'data-status="accepted"' in page


def test_listing_filters_by_status_and_audits_each_row(api_client: Any, cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    _refer(api_client, cc, incident, pw)
    c = as_(api_client, pw.officer)
    assert c.get(REFERRALS, {"status": "accepted"}).json()["count"] == 0
    assert c.get(REFERRALS, {"status": "pending"}).json()["count"] == 1
    rows = selectors.referrals_list(user=pw.officer, direction=selectors.INCOMING)
    assert len(rows) == 1
    assert AuditEvent.objects.filter(
        object_id=str(incident.uuid), actor=pw.officer, message__startswith="referral police listed"
    ).exists()


def test_referral_timeliness_feeds_the_accountability_counts(cc: Any, pw: Pathway) -> None:
    from amahoro.cases.accountability import REFERRALS_ON_TIME, _counts
    from amahoro.cases.models import Incident

    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    on_time = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    late = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    services.referral_respond(actor=pw.officer, service=on_time, action="accept")
    Service.objects.filter(pk=late.pk).update(
        responded_at=timezone.now(), reply_due_at=timezone.now() - timedelta(hours=1)
    )
    rows = list(
        Incident.objects.filter(pk=incident.pk).values(
            "id", "org_unit__path", "gbv_type", "elapsed_days", "incident_date", "organisation_id"
        )
    )
    counts = _counts(rows)["12"]
    assert counts[REFERRALS_ON_TIME] == 1


def test_a_service_provider_over_the_whole_country_answers_every_referral_of_its_organisation(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    national = make_user("national_officer", ("service_provider", pw.police, None))
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw)
    assert "national_officer" in _notified("referral.received")
    assert [x["id"] for x in as_(api_client, national).get(REFERRALS).json()["results"]] == [made["id"]]


def test_the_case_page_says_who_may_refer_without_consent(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker, consent={"services": False})
    body = {"type": "police", "status": "referred", "provider_unit": str(pw.station.uuid)}
    r = client_for(cc.worker).post(f"/cases/{incident.uuid}/services/", body)
    assert (
        r.status_code == 400
        and "consent &#x27;referral&#x27; for service &#x27;police&#x27;" in r.content.decode()
    )
    r = client_for(cc.worker).post(
        f"/cases/{incident.uuid}/services/", {**body, "override_reason": "at risk"}
    )
    assert r.status_code == 400 and "only a case supervisor may refer without consent" in r.content.decode()
    r = client_for(cc.supervisor).post(
        f"/cases/{incident.uuid}/services/", {**body, "override_reason": "at risk"}
    )
    assert r.status_code == 302


def test_closing_a_cases_referrals_is_for_its_case_roles(cc: Any, pw: Pathway) -> None:
    from amahoro.core.errors import PermissionDenied

    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police", "legal")
    for kind, unit in (("police", pw.station), ("legal", pw.legal)):
        services.service_record(
            actor=cc.worker, incident=incident, type=kind, status="referred", provider_unit=unit
        )
    with pytest.raises(PermissionDenied):
        services.referrals_close(actor=cc.worker_nyarugenge, incident=incident)
    assert services.referrals_close(actor=cc.supervisor, incident=incident) == 2
    assert set(incident.services.values_list("referral_status", flat=True)) == {"closed"}
    assert services.referrals_close(actor=cc.supervisor, incident=incident) == 0


def test_the_worklists_find_the_referrals_awaiting_a_reply(cc: Any, pw: Pathway) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    waiting = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    answered = services.service_record(
        actor=cc.worker, incident=incident, type="police", status="referred", provider_unit=pw.station
    )
    services.referral_respond(actor=pw.officer, service=answered, action="accept")
    assert list(selectors.referrals_awaiting_reply(user=cc.worker)) == [waiting]
    assert list(selectors.referrals_awaiting_reply(user=cc.supervisor, overdue_only=True)) == []
    Service.objects.filter(pk=waiting.pk).update(reply_due_at=timezone.now() - timedelta(minutes=5))
    assert list(selectors.referrals_awaiting_reply(user=cc.supervisor, overdue_only=True)) == [waiting]
    assert list(selectors.referrals_awaiting_reply(user=cc.ngo_worker)) == []
    assert list(selectors.referrals_awaiting_reply(user=pw.officer)) == []
