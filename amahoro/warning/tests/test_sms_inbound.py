"""POST /api/v1/ewer/inbound/sms/<channel>: the channel's secret, Africa's Talking's and RapidPro's shapes,
once per gateway message id, flooding, oversize text, and replies that never read anything back."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied
from amahoro.warning.models import Signal, SmsChannel
from amahoro.warning.sms import sms_channel_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/ewer/inbound/sms/at-rw"
PHONE = "+250788123456"


@pytest.fixture
def channel(ec: Any) -> str:
    ec.gbv.keywords = ["GBV", "IHOHOTERWA", "VIOLENCE"]
    ec.gbv.save()
    cache.clear()
    _channel, secret = sms_channel_create(actor=policy.SYSTEM, code="at-rw", name="Africa's Talking 1234")
    return secret


@pytest.fixture
def sent(monkeypatch: Any, settings: Any) -> list[tuple[str, str]]:
    """What the notifications SMS gateway was asked to send."""
    from amahoro.notifications import sms as gateway

    settings.SMS_BACKEND = "console"
    out: list[tuple[str, str]] = []

    class Recorder:
        name = "recorder"

        def send(self, to: str, text: str) -> str:
            out.append((to, text))
            return "1"

    monkeypatch.setattr(gateway, "backend", lambda: Recorder())
    return out


def at_post(
    client: Client, secret: str, text: str, msg_id: str = "ATXid_1", phone: str = PHONE, date: str = ""
) -> Any:
    form = {
        "from": phone,
        "to": "1234",
        "text": text,
        # The gateway's UTC clock, a minute ago.
        "date": date or (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "id": msg_id,
        "linkId": "x",
    }
    return client.post(URL, form, headers={"X-Amahoro-Secret": secret})


def rapidpro_body(text: str, msg_uuid: str = "5f6e1b8c-0000-4000-8000-000000000001") -> dict[str, Any]:
    return {
        "contact": {"uuid": "c-1", "name": "", "urn": f"tel:{PHONE}"},
        "flow": {"uuid": "f-1", "name": "EWER"},
        "path": [],
        "results": {},
        "run": {"uuid": "r-1", "created_on": "2026-12-07T10:00:00Z"},
        "input": {"uuid": msg_uuid, "type": "msg", "text": text, "attachments": []},
        "channel": {"uuid": "ch-1", "name": "MTN"},
    }


def test_africastalking_message_becomes_a_signal_with_a_confirmation(
    channel: str, client: Client, sent: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resp = at_post(client, channel, "GBV MUSANZE Muhoza umugore yakubiswe n'umugabo")
    assert resp.status_code == 200
    signal = Signal.objects.get()
    assert (signal.type.code, signal.org_unit.code, signal.source) == ("gbv", "4308", "sms")
    assert signal.source_ref == "at-rw:ATXid_1"
    assert signal.description == "umugore yakubiswe n'umugabo"
    assert signal.reporter == {"phone": PHONE}
    reply = resp.json()["reply"]
    assert reply.startswith("Thank you.") and str(signal.uuid)[:8].upper() in reply
    assert "yakubiswe" not in reply
    assert sent == [(PHONE, reply)]


def test_the_phone_is_stored_only_encrypted(channel: str, client: Client) -> None:
    at_post(client, channel, "IHOHOTERWA 1209 umugore yakubiswe")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT reporter, description FROM warning_signal")
        raw = " ".join(str(v) for v in cur.fetchone())
    assert "788123456" not in raw and "yakubiswe" not in raw
    assert not AuditEvent.objects.filter(changes__icontains="788123456").exists()


def test_rapidpro_webhook_gets_the_reply_inline_and_no_second_sms(
    channel: str, client: Client, sent: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            URL + f"?secret={channel}",
            json.dumps(rapidpro_body("VIOLENCE Kimironko une femme battue")),
            content_type="application/json",
        )
    assert resp.status_code == 200
    signal = Signal.objects.get()
    assert signal.org_unit.code == "1209" and signal.reporter == {"phone": PHONE}
    assert signal.source_ref == "at-rw:5f6e1b8c-0000-4000-8000-000000000001"
    assert resp.json()["reply"].startswith("Merci.")
    assert sent == []  # RapidPro sends the reply from the flow itself


@pytest.mark.parametrize(
    ("secret", "code"),
    [("", "at-rw"), ("wrong", "at-rw"), (None, "nope"), (None, "inactive")],
)
def test_unknown_or_inactive_channel_or_bad_secret_is_403_without_detail(
    channel: str, client: Client, secret: str | None, code: str
) -> None:
    SmsChannel.objects.create(code="inactive", name="old", secret_hash="x", is_active=False)
    resp = client.post(
        f"/api/v1/ewer/inbound/sms/{code}",
        {"from": PHONE, "text": "GBV 1209 x", "id": "1"},
        headers={"X-Amahoro-Secret": channel if secret is None else secret},
    )
    assert resp.status_code == 403 and resp.content == b""
    assert not Signal.objects.exists()


def test_a_repeat_of_the_same_message_id_returns_the_same_reply_and_stores_nothing(
    channel: str, client: Client, sent: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = at_post(client, channel, "GBV Kimironko x")
        second = at_post(client, channel, "GBV Kimironko x")
    assert second.status_code == 200 and second.json() == first.json()
    assert Signal.objects.count() == 1 and len(sent) == 1
    with django_capture_on_commit_callbacks(execute=True):
        asked = at_post(client, channel, "GBV Remera x", msg_id="ATXid_2")
        again = at_post(client, channel, "GBV Remera x", msg_id="ATXid_2")
    assert again.json() == asked.json() and len(sent) == 2 and Signal.objects.count() == 1


def test_an_ambiguous_place_asks_which(channel: str, client: Client) -> None:
    reply = at_post(client, channel, "GBV Remera umugore yakubiswe").json()["reply"]
    assert reply.startswith("Which Remera?") and "(Gasabo)" in reply and "yakubiswe" not in reply
    assert not Signal.objects.exists()


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("GBV", "Where?"),
        ("IHOHOTERWA Atlantis x", "Ahantu ntihabonetse"),
        ("FIRE Kimironko", "Ubwoko ntibuzwi"),
        ("AIDE", "Envoyez: TYPE LIEU message"),
        ("GBV Iburasirazuba x", "Place not found"),  # a province is too wide
    ],
)
def test_what_is_missing_is_said_and_nothing_stored(
    channel: str, client: Client, text: str, start: str
) -> None:
    resp = at_post(client, channel, text)
    assert resp.status_code == 200 and resp.json()["reply"].startswith(start)
    assert not Signal.objects.exists()


def test_oversize_text_is_refused_with_a_reply(channel: str, client: Client) -> None:
    resp = at_post(client, channel, "GBV Kimironko " + "x" * 1000)
    assert resp.status_code == 200 and resp.json()["reply"].startswith("Ubutumwa ni burebure")
    assert not Signal.objects.exists()


def test_flooding_gets_429_and_nothing_stored(channel: str, client: Client, settings: Any) -> None:
    settings.EWER_SMS_PER_HOUR = 3
    for i in range(3):
        assert at_post(client, channel, "GBV Kimironko x", msg_id=f"m{i}").status_code == 200
    resp = at_post(client, channel, "GBV Kimironko x", msg_id="m9")
    assert resp.status_code == 429 and "reply" not in resp.json()
    assert Signal.objects.count() == 3
    assert at_post(client, channel, "GBV Kimironko x", msg_id="o1", phone="+250788000111").status_code == 200


def test_malformed_payload_is_400(channel: str, client: Client) -> None:
    resp = client.post(URL, {"text": "GBV 1209 x"}, headers={"X-Amahoro-Secret": channel})
    assert resp.status_code == 400
    resp = client.post(URL, "[1]", content_type="application/json", headers={"X-Amahoro-Secret": channel})
    assert resp.status_code == 400


def test_get_is_refused(channel: str, client: Client) -> None:
    assert client.get(URL, headers={"X-Amahoro-Secret": channel}).status_code == 405


def test_channel_command_prints_the_secret_once_and_keeps_its_hash(ec: Any, client: Client) -> None:
    out = StringIO()
    call_command("ewer_sms_channel", "mtn-1", "MTN short code", stdout=out)
    secret = out.getvalue().rsplit(": ", 1)[1].strip()
    channel = SmsChannel.objects.get(code="mtn-1")
    assert secret not in channel.secret_hash and len(channel.secret_hash) == 64
    resp = client.post(
        "/api/v1/ewer/inbound/sms/mtn-1",
        {"from": PHONE, "text": "HELP", "id": "1"},
        headers={"X-Amahoro-Secret": secret},
    )
    assert resp.status_code == 200
    call_command("ewer_sms_channel", "mtn-1", stdout=StringIO())  # a new secret: the old one stops working
    resp = client.post(
        "/api/v1/ewer/inbound/sms/mtn-1",
        {"from": PHONE, "text": "HELP", "id": "2"},
        headers={"X-Amahoro-Secret": secret},
    )
    assert resp.status_code == 403


def test_only_the_platform_and_configurers_create_channels(ec: Any) -> None:
    with pytest.raises(PermissionDenied):
        sms_channel_create(actor=ec.focal, code="x", name="x")
    assert sms_channel_create(actor=ec.sysadmin, code="x", name="x")[0].code == "x"


# --- Africa's Talking's `date`: the day the gateway received the message --------------------------------------


def test_the_gateway_date_gives_the_day_it_happened(channel: str, client: Client) -> None:
    from django.utils import timezone

    three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    resp = at_post(client, channel, "GBV 1209 umugore", date=three_days_ago.strftime("%Y-%m-%d %H:%M:%S"))
    assert resp.status_code == 200
    signal = Signal.objects.get()
    assert signal.occurred_on == timezone.localdate(three_days_ago)
    assert not AuditEvent.objects.filter(changes__has_key="gateway_date").exists()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("yesterday-ish", "unreadable"),
        ("2026-13-45 99:00:00", "unreadable"),
        ("2999-01-01 00:00:00", "in the future"),
        ("2001-01-01T00:00:00Z", "too old"),
    ],
)
def test_a_bad_gateway_date_falls_back_to_the_day_received_and_is_noted(
    channel: str, client: Client, raw: str, problem: str
) -> None:
    from django.utils import timezone

    resp = at_post(client, channel, "GBV 1209 umugore", date=raw)
    assert resp.status_code == 200
    signal = Signal.objects.get()
    assert signal.occurred_on == timezone.localdate()
    note = AuditEvent.objects.get(object_id=str(signal.uuid), changes__has_key="gateway_date")
    assert note.changes["gateway_date"] == problem
    assert "788123456" not in str(note.changes) and "umugore" not in note.message


def test_gateway_date_forms() -> None:
    from amahoro.warning.sms import gateway_date

    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    assert gateway_date("2026-12-07 10:00:00", now=now) == (
        dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC),
        "",
    )
    assert gateway_date("2026-12-07T10:00:00.000Z", now=now)[0] == dt.datetime(
        2026, 12, 7, 10, 0, tzinfo=dt.UTC
    )
    at_kigali = gateway_date("2026-12-07T11:00:00+02:00", now=now)[0]
    assert at_kigali is not None and at_kigali.astimezone(dt.UTC) == dt.datetime(
        2026, 12, 7, 9, 0, tzinfo=dt.UTC
    )
    # A gateway clock a few minutes ahead is believed, as now.
    assert gateway_date("2026-12-07 12:05:00", now=now) == (now, "")
    assert gateway_date("2026-12-07 12:30:00", now=now) == (None, "in the future")
    assert gateway_date("", now=now) == (None, "")
    assert gateway_date("not a date", now=now) == (None, "unreadable")
