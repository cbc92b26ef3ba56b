"""The referral pathway end to end over the real channels: a referral to the police reaches the police
provider's staff in the app, by e-mail (a real SMTP server) and by SMS (a local gateway), and nobody else;
what they receive names the case by its survivor code only (never a name, phone or the account)."""

# ruff: noqa: F811  (the fixtures imported from the two conftests are used as arguments)
from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from amahoro.cases import services
from amahoro.notifications import sending
from amahoro.notifications.models import Preference
from amahoro.notifications.testing import recipients_of
from amahoro.notifications.tests.conftest import Collector, Gateway, gateway, smtp_server  # noqa: F401
from amahoro.settings.base import email_config
from conftest import client_for

from .conftest import ACCOUNT, NAME, PHONE, consent_referral, create
from .test_referral_pathway import REFERRALS, Pathway, _refer, as_, pw  # noqa: F401

pytestmark = pytest.mark.django_db
PHONES = {"officer": "+250788100001", "officer_nyarugenge": "+250788100002", "other_officer": "+250788100003"}


def _no_survivor_detail(text: str) -> None:
    for secret in (NAME, PHONE, PHONE.replace(" ", ""), ACCOUNT, "Zakiya", "Qwertyuiop"):
        assert secret not in text


def test_a_police_referral_reaches_the_police_staff_on_every_channel_and_nobody_else(
    api_client: Any,
    cc: Any,
    pw: Pathway,
    smtp_server: tuple[Collector, int],
    gateway: Gateway,
) -> None:
    for user in (pw.officer, pw.officer_nyarugenge, pw.other_officer, cc.ngo_worker):
        Preference.objects.create(
            user=user, email=True, sms=True, phone=PHONES.get(user.username, "+250788100009")
        )
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw, urgency="urgent", contact_method="phone")
    service = incident.services.get(uuid=made["id"])

    assert recipients_of("referral.received", service) == {"officer": {"in_app", "email", "sms"}}
    handler, port = smtp_server
    with override_settings(
        **email_config(f"smtp://127.0.0.1:{port}/?timeout=10"),
        SMS_BACKEND="http",
        SMS_URL=gateway.url + "/send",
        AMAHORO_SITE_URL="https://amahoro.example.org",
    ):
        summary = sending.send_pending()
    assert summary.sent == 2 and summary.failed == 0
    assert handler.received.wait(10)
    # One e-mail, to the officer; one SMS, to the officer's phone.
    assert [e.rcpt_tos for e in handler.envelopes] == [["officer@example.org"]]
    assert [p.json()["to"] for p in gateway.posted] == [PHONES["officer"]]
    mail = handler.messages[0].decode(errors="replace")
    sms = gateway.posted[0].body.decode()
    assert incident.survivor.code in mail and incident.survivor.code in sms
    assert "/cases/referrals/incoming/" in mail
    _no_survivor_detail(mail)
    _no_survivor_detail(sms)

    # What the receiver reads in the API and on the page: the code, never who the survivor is.
    officer = as_(api_client, pw.officer)
    for answer in (
        officer.get(REFERRALS, {"direction": "incoming"}),
        officer.get(f"{REFERRALS}/{made['id']}"),
        officer.get("/api/v1/notifications"),
    ):
        assert answer.status_code == 200
        assert incident.survivor.code in answer.content.decode()
        _no_survivor_detail(answer.content.decode())
    for path in ("/cases/referrals/incoming/", "/notifications/", "/my-work/"):
        page = client_for(pw.officer).get(path)
        assert page.status_code == 200, path
        assert incident.survivor.code in page.content.decode(), path
        _no_survivor_detail(page.content.decode())

    # A third organisation's worker and the other police see nothing of it, anywhere.
    for outsider in (cc.ngo_worker, pw.other_officer, pw.officer_nyarugenge):
        api = as_(api_client, outsider)
        assert api.get("/api/v1/notifications").json()["count"] == 0
        listed = api.get(REFERRALS, {"direction": "incoming"})
        assert listed.status_code in (200, 403)
        assert incident.survivor.code not in listed.content.decode()
        assert api.get(f"{REFERRALS}/{made['id']}").status_code in (403, 404)


def test_approving_a_closure_closes_the_open_referrals_and_tells_the_receiver_without_detail(
    api_client: Any, cc: Any, pw: Pathway
) -> None:
    incident = create(cc.worker)
    consent_referral(cc.worker, incident, "police")
    made = _refer(api_client, cc, incident, pw)
    services.incident_closure_request(actor=cc.worker, incident=incident, reason="Services completed")
    services.incident_closure_decide(actor=cc.supervisor, incident=incident, approve=True)
    service = incident.services.get(uuid=made["id"])
    assert service.referral_status == "closed"
    assert set(recipients_of("referral.closed", service)) == {"officer"}
    r = as_(api_client, pw.officer).post(
        f"{REFERRALS}/{made['id']}/respond", {"action": "accept"}, format="json"
    )
    assert r.status_code == 409
