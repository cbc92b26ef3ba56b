"""Every event that matters, end to end over the real channels: each is triggered through the service that
makes the change (not by calling notify()), with every user's e-mail and SMS switched on, then the sender
runs against a real SMTP server (aiosmtpd) and the local fake SMS gateway. Exactly the right people get it,
on the right channels (SMS only when the notification is urgent), and no e-mail or SMS carries the
survivor's name, phone or story, nor an early-warning reporter's."""

# ruff: noqa: F811  (the fixtures imported from the notifications conftest are used as arguments)
from __future__ import annotations

import datetime as dt
import email
import re
from collections.abc import Callable
from email import policy as email_policy
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from amahoro import policy
from amahoro.accounts import services as accounts
from amahoro.accounts.models import User
from amahoro.cases import deadlines
from amahoro.cases import services as cases
from amahoro.cases.deadline_notices import deadlines_notify
from amahoro.cases.models import Service
from amahoro.cases.tests.conftest import ACCOUNT, NAME, PHONE, consent_referral, create
from amahoro.data import services as data
from amahoro.data.models import DataSet
from amahoro.data.reminders import send_reporting_reminders
from amahoro.directory.services import provider_create
from amahoro.geo.models import OrgUnit
from amahoro.notifications import sending
from amahoro.notifications.models import Notification, Preference
from amahoro.notifications.testing import recipients_of
from amahoro.notifications.tests.conftest import Collector, Gateway, gateway, smtp_server  # noqa: F401
from amahoro.settings.base import email_config
from amahoro.warning import services as warning
from amahoro.warning.models import SignalType
from conftest import make_user

from .conftest import rape_case

pytestmark = pytest.mark.django_db

# What must never leave: the survivor's identity and story, an early-warning reporter and description.
SECRETS = (
    NAME,
    "Zakiya",
    PHONE,
    PHONE.replace(" ", ""),
    "788123456",
    ACCOUNT,
    "Qwertyuiop",
    "Plot 77 Zyxwvu Lane",
    "Reporterxyz Testname",
    "Fictitia",
    "788555444",
)
SIGNAL_DESCRIPTION = "A girl of 15 is to be married on Saturday near the Qwertyuiop market"
SIGNAL_REPORTER = {"name": "Reporterxyz Testname", "phone": "+250 788 555 444"}
EMAIL, SMS = "email", "sms"


def _incident(wc: Any) -> Any:
    incident = create(wc.worker)
    consent_referral(wc.worker, incident, "police")
    return incident


def _station(wc: Any) -> Any:
    gasabo = OrgUnit.objects.get(code="12")
    return provider_create(
        actor=policy.SYSTEM,
        organisation=wc.police,
        name="RNP Gasabo station",
        services=["police"],
        org_unit=gasabo,
        areas=[gasabo],
    )


def _refer(wc: Any, incident: Any, urgency: str = "urgent") -> Service:
    return cases.service_record(
        actor=wc.worker,
        incident=incident,
        type="police",
        status="referred",
        provider_unit=_station(wc),
        urgency=urgency,
    )


def _referred(wc: Any, urgency: str = "urgent") -> Service:
    return _refer(wc, _incident(wc), urgency)


# Each scenario: (setup(wc) -> state, trigger(wc, state)); only what `trigger` sends is looked at.
Setup = Callable[[Any], Any]
Trigger = Callable[[Any, Any], None]


def _respond(action: str, note: str = "") -> Trigger:
    def trigger(wc: Any, service: Service) -> None:
        cases.referral_respond(actor=wc.police_staff, service=service, action=action, note=note)

    return trigger


def _accepted(wc: Any) -> Service:
    service = _referred(wc)
    return cases.referral_respond(actor=wc.police_staff, service=service, action="accept")


def _closure_requested(wc: Any) -> Any:
    return create(wc.worker)


def _closure_asked(wc: Any) -> Any:
    incident = create(wc.worker)
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="Services completed")
    return incident


def _role_request(wc: Any) -> Any:
    return accounts.role_request_create(
        actor=wc.nobody, organisation=wc.osc, role="case_worker", org_unit=OrgUnit.objects.get(code="12")
    )


def _data_set(wc: Any) -> Any:
    ds = DataSet.objects.create(
        code="MONTHLY", name="Monthly report", period_type="Monthly", organisation=wc.ngo
    )
    ds.org_units.set(OrgUnit.objects.filter(code="1201"))
    return ds


DUE = dt.date(2024, 2, 15)  # January's reports: 31 January + 15 days


def _ewer(wc: Any) -> Any:
    SignalType.objects.create(code="gbv", name="GBV incident or threat", is_gbv=True, default_urgency="high")
    make_user("focal", ("ewer_focal_point", wc.ngo, "11"))
    make_user("responder", ("ewer_responder", wc.police, "11"))
    return None


def _signal(urgency: str = "") -> Any:
    signal, _created = warning.signal_create(
        actor=policy.SYSTEM,
        type="gbv",
        org_unit="1101",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        urgency=urgency,
        description=SIGNAL_DESCRIPTION,
        reporter=SIGNAL_REPORTER,
        source="web",
    )
    return signal


def _signal_new(urgency: str) -> Trigger:
    return lambda wc, state: _signal(urgency) and None


def _signal_made(urgency: str) -> Setup:
    def setup(wc: Any) -> Any:
        _ewer(wc)
        return _signal(urgency)

    return setup


def _assign(wc: Any, signal: Any) -> None:
    focal = User.objects.get(username="focal")
    warning.signal_transition(actor=focal, signal=signal, to="assigned", assign_to=wc.police)


def _escalate(wc: Any, signal: Any) -> None:
    assert warning.signals_escalate(now=timezone.now() + dt.timedelta(days=30)) >= 1


def _submit(wc: Any) -> Any:
    return data.approval_submit(
        actor=wc.clerk, org_unit=OrgUnit.objects.get(code="12"), period=data.period_ensure(code="202601")
    )


def _approve(wc: Any, approval: Any) -> None:
    data.approval_approve(actor=wc.me_gasabo, org_unit=approval.org_unit, period=approval.period)


def _deadline(hours_after: float) -> Trigger:
    """Run the deadline job `hours_after` hours after the rape case's incident."""

    def trigger(wc: Any, incident: Any) -> None:
        start = deadlines.clock_start(incident.incident_date, incident.incident_time)
        deadlines_notify(now=start + dt.timedelta(hours=hours_after))

    return trigger


SCENARIOS: dict[str, tuple[str, Setup, Trigger, dict[str, set[str]]]] = {
    # id: (event, setup, trigger, {username: channels outside the app})
    "referral.received urgent": (
        "referral.received",
        _incident,
        lambda wc, incident: _refer(wc, incident, "urgent") and None,
        {"police_staff": {EMAIL, SMS}},
    ),
    "referral.received high": (
        "referral.received",
        _incident,
        lambda wc, incident: _refer(wc, incident, "high") and None,
        {"police_staff": {EMAIL, SMS}},
    ),
    "referral.received normal": (
        "referral.received",
        _incident,
        lambda wc, incident: _refer(wc, incident, "normal") and None,
        {"police_staff": {EMAIL}},
    ),
    "referral.accepted": ("referral.accepted", _referred, _respond("accept"), {"worker": {EMAIL}}),
    "referral.declined": (
        "referral.declined",
        _referred,
        _respond("decline", f"{NAME} has moved away"),
        {"worker": {EMAIL}},
    ),
    "referral.completed": (
        "referral.completed",
        _accepted,
        _respond("complete", f"Statement taken from {NAME}"),
        {"worker": {EMAIL}},
    ),
    "referral.closed (consent withdrawn)": (
        "referral.closed",
        _referred,
        lambda wc, service: (
            cases.consent_withdraw(
                actor=wc.worker, consent=service.incident.consents.get(purpose="referral", service="police")
            )
            and None
        ),
        {"police_staff": {EMAIL}},
    ),
    "referral.overdue": (
        "referral.overdue",
        _referred,
        lambda wc, service: cases.referrals_escalate(now=timezone.now() + dt.timedelta(days=30)) and None,
        {"supervisor": {EMAIL, SMS}},
    ),
    "case.closure_requested": (
        "case.closure_requested",
        _closure_requested,
        lambda wc, incident: (
            cases.incident_closure_request(actor=wc.worker, incident=incident, reason="Services completed")
            and None
        ),
        {"supervisor": {EMAIL}},
    ),
    "case.closure_returned": (
        "case.closure_returned",
        _closure_asked,
        lambda wc, incident: (
            cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=False) and None
        ),
        {"worker": {EMAIL}},
    ),
    "case.closure_approved": (
        "case.closure_approved",
        _closure_asked,
        lambda wc, incident: (
            cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=True) and None
        ),
        {"worker": {EMAIL}},
    ),
    "role.requested": (
        "role.requested",
        lambda wc: None,
        lambda wc, state: _role_request(wc) and None,
        {"osc_admin": {EMAIL}},
    ),
    "role.decided": (
        "role.decided",
        _role_request,
        lambda wc, request: (
            accounts.role_request_decide(actor=wc.osc_admin, request=request, approve=True) and None
        ),
        {"nobody": {EMAIL}},
    ),
    "report.due": (
        "report.due",
        _data_set,
        lambda wc, ds: send_reporting_reminders(today=DUE - dt.timedelta(days=3)) and None,
        {"clerk": {EMAIL}, "me_gasabo": {EMAIL}},
    ),
    "report.late": (
        "report.late",
        _data_set,
        lambda wc, ds: send_reporting_reminders(today=DUE + dt.timedelta(days=10)) and None,
        {"clerk": {EMAIL}, "me_gasabo": {EMAIL}},
    ),
    "signal.new": ("signal.new", _ewer, _signal_new("high"), {"focal": {EMAIL}}),
    "signal.new.immediate": (
        "signal.new.immediate",
        _ewer,
        _signal_new("immediate"),
        {"focal": {EMAIL, SMS}},
    ),
    "signal.assigned": ("signal.assigned", _signal_made("high"), _assign, {"responder": {EMAIL}}),
    "signal.assigned.immediate": (
        "signal.assigned.immediate",
        _signal_made("immediate"),
        _assign,
        {"responder": {EMAIL, SMS}},
    ),
    "signal.overdue": ("signal.overdue", _signal_made("high"), _escalate, {"focal": {EMAIL, SMS}}),
    "data.approval_waiting": (
        "data.approval_waiting",
        lambda wc: None,
        lambda wc, state: _submit(wc) and None,
        {"me_gasabo": {EMAIL}},
    ),
    "data.approval_approved": ("data.approval_approved", _submit, _approve, {"clerk": {EMAIL}}),
    "case.pep_closing": (
        "case.pep_closing",
        lambda wc: rape_case(wc.worker),
        _deadline(61),
        {"worker": {EMAIL, SMS}},
    ),
    "case.pep_passed": (
        "case.pep_passed",
        lambda wc: rape_case(wc.worker),
        _deadline(72.5),
        {"supervisor": {EMAIL, SMS}},
    ),
    "case.ec_closing": (
        "case.ec_closing",
        lambda wc: rape_case(wc.worker),
        _deadline(109),
        {"worker": {EMAIL, SMS}},
    ),
    "case.ec_passed": (
        "case.ec_passed",
        lambda wc: rape_case(wc.worker),
        _deadline(120.5),
        {"supervisor": {EMAIL, SMS}},
    ),
}


def _channels_on_for_everyone() -> dict[str, str]:
    """E-mail and SMS on for every account, each with its own number: {phone: username}."""
    phones = {}
    for i, user in enumerate(User.objects.order_by("pk")):
        phone = f"+25078820{i:04d}"
        Preference.objects.update_or_create(user=user, defaults={"email": True, "sms": True, "phone": phone})
        phones[phone] = user.username
    return phones


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_event_reaches_exactly_the_right_people_on_the_right_channels(
    scenario: str, wc: Any, smtp_server: tuple[Collector, int], gateway: Gateway
) -> None:
    event, setup, trigger, expected = SCENARIOS[scenario]
    state = setup(wc)
    Notification.objects.all().delete()  # only what the trigger sends is looked at
    phones = _channels_on_for_everyone()
    trigger(wc, state)
    if event.startswith("report."):
        # The data set is new, so the job also owes reminders for earlier periods: January's is looked at.
        Notification.objects.exclude(event=event, title__contains="January 2024").delete()

    # Nothing else was sent by the change, and in the app the same people have it.
    assert set(Notification.objects.values_list("event", flat=True)) == {event}
    assert set(recipients_of(event)) == set(expected)

    handler, port = smtp_server
    with override_settings(
        **email_config(f"smtp://127.0.0.1:{port}/?timeout=10"),
        SMS_BACKEND="http",
        SMS_URL=gateway.url + "/send",
        SMS_TIMEOUT=10,
        AMAHORO_SITE_URL="https://amahoro.example.org",
    ):
        summary = sending.send_pending()
    wanted = sum(len(c) for c in expected.values())
    assert (summary.sent, summary.retry, summary.failed) == (wanted, 0, 0), summary
    got: dict[str, set[str]] = {}
    for envelope in handler.envelopes:
        for to in envelope.rcpt_tos:
            got.setdefault(to.split("@")[0], set()).add(EMAIL)
    for posted in gateway.posted:
        got.setdefault(phones[posted.json()["to"]], set()).add(SMS)
    assert got == expected
    assert len(handler.envelopes) == sum(EMAIL in c for c in expected.values())  # each once
    assert len(gateway.posted) == sum(SMS in c for c in expected.values())

    texts = []
    for raw in handler.messages:
        message = email.message_from_bytes(raw, policy=email_policy.default)
        texts.append(str(message["Subject"]) + "\n" + message.get_content())
    texts += [posted.json()["text"] for posted in gateway.posted]
    for text in texts:
        assert "Amahoro" in text
        for secret in SECRETS:
            assert secret not in text, (secret, text)
        assert not re.search(r"\+?250\s?7\d{2}\s?\d{3}\s?\d{3}", text), text  # no phone number at all
    if event.startswith(("referral.", "case.")):
        code = Notification.objects.first().title  # type: ignore[union-attr]
        assert re.search(r"GBV-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
        assert all(re.search(r"GBV-[A-Z0-9]{4}-[A-Z0-9]{4}", t) for t in texts)
