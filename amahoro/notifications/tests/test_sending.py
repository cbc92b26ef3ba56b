"""Sending: claims (due, not due, abandoned, raced), a real SMTP server receiving the e-mail, the fake
gateway receiving the generic and the Africa's Talking shapes, retries with back-off until failed."""

from __future__ import annotations

import datetime as dt
import email
from email import policy as email_policy
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from amahoro import policy
from amahoro.notifications import sending, services, sms
from amahoro.notifications.models import Channel, Delivery, DeliveryStatus, Notification, Preference
from amahoro.settings.base import email_config

from .conftest import PLAIN, URGENT, Collector, Gateway

pytestmark = pytest.mark.django_db

# After any row the tests create (they are stamped with the real clock).
NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
SURVIVOR = {
    "survivor_name": "Uwase Claudine",
    "phone": "+250788555444",
    "narrative": "was attacked near the market",
}


def notify_email(user: Any, **context: Any) -> Notification:
    (n,) = services.notify(
        [user],
        PLAIN,
        actor=policy.SYSTEM,
        link="/cases/abc/",
        context={"code": "GBV-AB12-CD34", "service": "health", **context},
    )
    return n


def notify_sms(user: Any, phone: str = "+250788000111") -> Notification:
    Preference.objects.update_or_create(user=user, defaults={"sms": True, "email": False, "phone": phone})
    (n,) = services.notify(
        [user], URGENT, actor=policy.SYSTEM, link="/cases/abc/", context={"code": "GBV-AB12-CD34"}
    )
    return n


def state(delivery: Delivery) -> tuple[str, int]:
    delivery.refresh_from_db()
    return delivery.status, delivery.attempts


# --- Claims -----------------------------------------------------------------------------------------------


def test_only_due_deliveries_are_claimed(ana: Any) -> None:
    n = notify_email(ana)
    d = n.deliveries.get()
    Delivery.objects.filter(pk=d.pk).update(next_attempt_at=NOW + dt.timedelta(minutes=1))
    assert sending.claim_due(now=NOW) == []
    (claimed,) = sending.claim_due(now=NOW + dt.timedelta(minutes=1))
    assert claimed.pk == d.pk
    assert state(d) == (DeliveryStatus.SENDING, 1)
    assert sending.claim_due(now=NOW + dt.timedelta(minutes=2)) == []  # claimed, lease running


@override_settings(NOTIFICATIONS_LEASE_SECONDS=300)
def test_a_claim_abandoned_longer_than_the_lease_is_taken_again(ana: Any) -> None:
    d = notify_email(ana).deliveries.get()
    Delivery.objects.filter(pk=d.pk).update(status=DeliveryStatus.SENDING, claimed_at=NOW, attempts=1)
    assert sending.claim_due(now=NOW + dt.timedelta(seconds=299)) == []
    (claimed,) = sending.claim_due(now=NOW + dt.timedelta(seconds=301))
    assert claimed.attempts == 2 and claimed.claimed_at == NOW + dt.timedelta(seconds=301)


def test_a_claim_loses_when_another_sender_changed_the_row(ana: Any) -> None:
    d = notify_email(ana).deliveries.get()
    row = {"id": d.pk, "status": DeliveryStatus.PENDING, "claimed_at": None}
    assert sending._take(row, NOW) is True
    assert sending._take(row, NOW) is False  # the row is no longer pending: the second sender gets nothing


def test_a_sender_whose_lease_ran_out_does_not_overwrite_the_new_claim(ana: Any) -> None:
    d = notify_email(ana).deliveries.get()
    (first,) = sending.claim_due(now=NOW)
    (second,) = sending.claim_due(now=NOW + dt.timedelta(hours=1))
    assert sending._finish(first, status=DeliveryStatus.FAILED) is False
    assert sending._finish(second, status=DeliveryStatus.SENT) is True
    assert state(d)[0] == DeliveryStatus.SENT


# --- E-mail -------------------------------------------------------------------------------------------------


def test_an_email_reaches_a_real_smtp_server(ana: Any, smtp_server: tuple[Collector, int]) -> None:
    handler, port = smtp_server
    d = notify_email(ana).deliveries.get()
    with override_settings(
        **email_config(f"smtp://127.0.0.1:{port}/?timeout=10"), AMAHORO_SITE_URL="https://amahoro.example.org"
    ):
        summary = sending.send_pending()
    assert (summary.sent, summary.retry, summary.failed) == (1, 0, 0)
    assert handler.received.wait(10)
    message = email.message_from_bytes(handler.messages[0], policy=email_policy.default)
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Amahoro: Case GBV-AB12-CD34: something to look at"
    text = message.get_content()
    assert "https://amahoro.example.org/cases/abc/" in text
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENT and d.sent_at is not None and d.last_error == ""


def test_an_unreachable_smtp_server_is_retried(ana: Any) -> None:
    d = notify_email(ana).deliveries.get()
    with override_settings(**email_config("smtp://127.0.0.1:9/?timeout=2")):
        summary = sending.send_pending(now=NOW)
    assert summary.retry == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and d.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert d.last_error.startswith("The e-mail could not be sent")


def test_an_account_without_email_fails_without_retry(ana: Any, mailoutbox: list[Any]) -> None:
    d = notify_email(ana).deliveries.get()
    ana.email = ""
    ana.save()
    summary = sending.send_pending(now=NOW)
    assert summary.failed == 1
    assert state(d) == (DeliveryStatus.FAILED, 1)
    assert mailoutbox == []


# --- SMS ------------------------------------------------------------------------------------------------


def test_the_generic_gateway_gets_json_and_the_bearer_token(ana: Any, gateway: Gateway) -> None:
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    with override_settings(SMS_BACKEND="", SMS_URL=gateway.url + "/send", SMS_TOKEN="tok-123", SMS_TIMEOUT=5):
        summary = sending.send_pending()
    assert summary.sent == 1
    (posted,) = gateway.posted
    assert posted.path == "/send"
    assert posted.headers["authorization"] == "Bearer tok-123"
    assert posted.headers["content-type"] == "application/json"
    assert posted.json() == {"to": "+250788000111", "text": "Amahoro: Urgent referral for GBV-AB12-CD34"}
    assert state(d) == (DeliveryStatus.SENT, 1)


AT_OK = {
    "SMSMessageData": {
        "Message": "Sent to 1/1 Total Cost: RWF 20",
        "Recipients": [
            {
                "statusCode": 101,
                "number": "+250788000111",
                "status": "Success",
                "cost": "RWF 20",
                "messageId": "ATXid_1",
            }
        ],
    }
}


def africastalking(gateway: Gateway, **kw: Any) -> Any:
    values = {
        "SMS_BACKEND": "africastalking",
        "AFRICASTALKING_URL": gateway.url,
        "AFRICASTALKING_USERNAME": "amahoro",
        "AFRICASTALKING_API_KEY": "at-key",
        "AFRICASTALKING_SENDER_ID": "AMAHORO",
        "SMS_TIMEOUT": 5,
    }
    return override_settings(**{**values, **kw})


def test_africas_talking_gets_its_form_and_api_key(ana: Any, gateway: Gateway) -> None:
    gateway.status, gateway.answer = 201, AT_OK
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    with africastalking(gateway), override_settings(AMAHORO_SITE_URL="https://amahoro.example.org"):
        summary = sending.send_pending()
    assert summary.sent == 1
    (posted,) = gateway.posted
    assert posted.path == "/version1/messaging"
    assert posted.headers["apikey"] == "at-key"
    assert posted.headers["content-type"] == "application/x-www-form-urlencoded"
    assert posted.headers["accept"] == "application/json"
    assert posted.form() == {
        "username": "amahoro",
        "to": "+250788000111",
        "message": "Amahoro: Urgent referral for GBV-AB12-CD34 https://amahoro.example.org/cases/abc/",
        "from": "AMAHORO",
    }
    assert state(d) == (DeliveryStatus.SENT, 1)


def test_africas_talking_refusing_the_number_fails_at_once(ana: Any, gateway: Gateway) -> None:
    gateway.status = 201
    gateway.answer = {
        "SMSMessageData": {
            "Message": "Sent to 0/1",
            "Recipients": [{"statusCode": 403, "number": "+250788000111", "status": "InvalidPhoneNumber"}],
        }
    }
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    with africastalking(gateway):
        summary = sending.send_pending(now=NOW)
    assert summary.failed == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.FAILED
    assert d.last_error == "Africa's Talking refused the number: InvalidPhoneNumber (403)"


def test_africas_talking_out_of_credit_is_retried(ana: Any, gateway: Gateway) -> None:
    gateway.status = 201
    gateway.answer = {
        "SMSMessageData": {
            "Message": "",
            "Recipients": [{"statusCode": 405, "status": "InsufficientBalance"}],
        }
    }
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    with africastalking(gateway):
        assert sending.send_pending(now=NOW).retry == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and "InsufficientBalance (405)" in d.last_error


def test_a_failing_gateway_is_retried_with_back_off_then_failed(ana: Any, gateway: Gateway) -> None:
    gateway.status, gateway.answer = 500, {"error": "down"}
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    now = NOW
    waits = []
    with override_settings(SMS_BACKEND="http", SMS_URL=gateway.url, SMS_TIMEOUT=5):
        for attempt in range(1, sending.MAX_ATTEMPTS):
            summary = sending.send_pending(now=now)
            assert summary.retry == 1, attempt
            d.refresh_from_db()
            assert (d.status, d.attempts) == (DeliveryStatus.PENDING, attempt)
            assert d.last_error == "the SMS gateway answered HTTP 500"
            assert d.next_attempt_at is not None
            waits.append(d.next_attempt_at - now)
            assert sending.send_pending(now=d.next_attempt_at - dt.timedelta(seconds=1)).claimed == 0
            now = d.next_attempt_at
        summary = sending.send_pending(now=now)
    assert waits == list(sending.BACKOFF)
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30, 120, 360]
    assert summary.failed == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.FAILED, 6)
    assert d.last_error == "the SMS gateway answered HTTP 500 Given up after 6 attempts."
    assert len(gateway.posted) == 6
    assert sending.send_pending(now=now + dt.timedelta(days=1)).claimed == 0


def test_an_unreachable_gateway_is_a_retry(ana: Any, gateway: Gateway) -> None:
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    with override_settings(SMS_BACKEND="http", SMS_URL="http://127.0.0.1:9/", SMS_TIMEOUT=2):
        assert sending.send_pending(now=NOW).retry == 1
    d.refresh_from_db()
    assert d.last_error.startswith("the SMS gateway could not be reached")
    assert "+250" not in d.last_error


def test_sms_switched_off_after_queueing_is_not_sent(ana: Any, gateway: Gateway) -> None:
    d = notify_sms(ana).deliveries.get(channel=Channel.SMS)
    Preference.objects.filter(user=ana).update(sms=False)
    with override_settings(SMS_BACKEND="http", SMS_URL=gateway.url):
        assert sending.send_pending(now=NOW).failed == 1
    assert gateway.posted == []
    assert state(d)[0] == DeliveryStatus.FAILED


def test_the_console_backend_logs_without_the_full_number(ana: Any, caplog: Any) -> None:
    notify_sms(ana)
    with (
        override_settings(SMS_BACKEND="console", SMS_URL=""),
        caplog.at_level("INFO", "amahoro.notifications.sms"),
    ):
        assert sending.send_pending().sent == 1
    assert "...111" in caplog.text and "+250788000111" not in caplog.text


def test_a_misconfigured_backend_is_a_retry_naming_the_setting(ana: Any) -> None:
    notify_sms(ana)
    with override_settings(
        SMS_BACKEND="africastalking", AFRICASTALKING_USERNAME="", AFRICASTALKING_API_KEY=""
    ):
        assert sending.send_pending(now=NOW).retry == 1
    assert "AFRICASTALKING_USERNAME" in Delivery.objects.get().last_error
    with override_settings(SMS_BACKEND="pigeon"), pytest.raises(Exception, match="pigeon"):
        sms.backend()


# --- What a message may carry -------------------------------------------------------------------------


def test_no_survivor_detail_reaches_the_email_or_the_sms(
    ana: Any, smtp_server: tuple[Collector, int], gateway: Gateway
) -> None:
    """Callers pass codes; even a caller that tries to pass a name, phone or narrative is refused, and what
    goes out is the event's wording filled with the code."""
    for key, value in SURVIVOR.items():
        with pytest.raises(ValueError):
            notify_email(ana, **{key: value})
    Preference.objects.create(user=ana, sms=True, phone="+250788000111")
    services.notify([ana], URGENT, actor=policy.SYSTEM, link="/cases/abc/", context={"code": "GBV-AB12-CD34"})
    handler, port = smtp_server
    with override_settings(
        **email_config(f"smtp://127.0.0.1:{port}/?timeout=10"), SMS_BACKEND="http", SMS_URL=gateway.url
    ):
        assert sending.send_pending().sent == 2
    assert handler.received.wait(10)
    sent = handler.messages[0].decode() + gateway.posted[0].body.decode()
    for value in SURVIVOR.values():
        assert value not in sent
    assert "GBV-AB12-CD34" in sent


# --- The command and the beat entry -----------------------------------------------------------------------


def test_the_command_sends_and_prints_counts(ana: Any, capsys: Any, mailoutbox: list[Any]) -> None:
    notify_email(ana)
    call_command("send_notifications")
    assert capsys.readouterr().out.strip() == "send_notifications: 1 claimed, 1 sent, 0 to retry, 0 failed"
    assert len(mailoutbox) == 1
    call_command("send_notifications")
    assert "0 claimed" in capsys.readouterr().out


def test_beat_runs_the_sender_every_minute(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-send-pending"]
    assert entry["schedule"] == 60.0
    assert entry["args"] == ["amahoro.notifications.tasks.send_pending"]
    from amahoro.core.tasks import resolve

    assert resolve(entry["args"][0]) is not None


def test_notify_sends_right_after_commit(
    ana: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify_email(ana)
    assert len(mailoutbox) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert timezone.now() - Delivery.objects.get().sent_at < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("values", "found"),
    [
        ({"SMS_BACKEND": "pigeon"}, "pigeon"),
        ({"SMS_BACKEND": "http", "SMS_URL": ""}, "SMS_URL"),
        ({"SMS_BACKEND": "http", "SMS_URL": "ftp://gateway/"}, "http://"),
        ({"SMS_BACKEND": "africastalking", "AFRICASTALKING_API_KEY": ""}, "AFRICASTALKING_API_KEY"),
    ],
)
def test_a_misnamed_gateway_fails_the_system_check(values: dict[str, str], found: str) -> None:
    from amahoro.notifications.checks import sms_gateway

    with override_settings(**values):
        (error,) = sms_gateway()
    assert error.id == "notifications.E001" and found in error.msg
    assert sms_gateway() == []  # the default: the console


# --- Without a broker: a thread, so the request never waits for the mail server ----------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_notify_sends_in_a_thread_and_the_caller_does_not_wait(
    ana: Any, settings: Any, mailoutbox: list[Any]
) -> None:
    import threading

    from amahoro.notifications import tasks

    settings.CELERY_BROKER_URL = ""
    settings.NOTIFICATIONS_SEND_INLINE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Outside a transaction the task is dispatched at once: into a thread of its own.
    n = notify_email(ana)
    thread = next((t for t in threading.enumerate() if t.name == "notifications-send"), None)
    if thread is not None:
        thread.join(timeout=60)
    delivery = n.deliveries.get()
    assert state(delivery) == (DeliveryStatus.SENT, 1)
    assert [m.to for m in mailoutbox] == [["ana@example.org"]]
    started = tasks.send_pending()
    assert started is not None
    started.join(timeout=60)
    assert not started.is_alive()
    settings.NOTIFICATIONS_SEND_INLINE = True
    assert tasks.send_pending() is None
