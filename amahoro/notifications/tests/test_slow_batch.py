"""A slow batch is not sent twice. A sender claims a batch at once; rows late in it may outlive the lease
while the earlier ones are sent, and another sender then takes them over. Each row's claim is renewed just
before it is sent, so the first sender skips a row it no longer holds instead of sending it again.

Two senders against the local fake SMS gateway, slowed down, with a short lease: in threads on PostgreSQL
(SKIP LOCKED), in two processes on an SQLite file (threads sharing SQLite's in-memory test database lock
out). Every message reaches the gateway exactly once."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from amahoro.notifications import sending
from amahoro.notifications.models import Channel, Delivery, DeliveryStatus, Notification, Preference

from .conftest import URGENT, Gateway
from .test_worker_restart import ROOT, run

ROWS = 12
DELAY = 0.4  # seconds the gateway takes per SMS: the batch takes ~ROWS * DELAY
LEASE = 2  # seconds: longer than one send, much shorter than the batch


def _seed(user: Any) -> None:
    Preference.objects.update_or_create(
        user=user, defaults={"email": False, "sms": True, "phone": "+250788000111"}
    )
    for i in range(ROWS):
        n = Notification.objects.create(
            recipient=user, event=URGENT, title=f"Urgent referral for GBV-{i:04d}"
        )
        Delivery.objects.create(notification=n, channel=Channel.SMS, next_attempt_at=timezone.now())


def _texts(gateway: Gateway) -> Counter[str]:
    return Counter(p.json()["text"] for p in gateway.posted)


# --- The renewal itself (any database) -------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(NOTIFICATIONS_LEASE_SECONDS=300)
def test_a_row_taken_over_after_the_lease_is_skipped_not_sent(ana: Any, gateway: Gateway) -> None:
    _seed(ana)
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
    mine = sending.claim_due(now=start, sender="a")
    assert len(mine) == ROWS
    # Our lease ran out on the last row (we were busy with the others): sender "b" takes it over.
    later = start + dt.timedelta(seconds=301)
    Delivery.objects.exclude(pk=mine[-1].pk).update(claimed_at=later)  # the others: renewed as sent
    (theirs,) = sending.claim_due(now=later, sender="b")
    assert theirs.pk == mine[-1].pk and theirs.attempts == 2
    summary = sending.SendSummary()
    with override_settings(SMS_BACKEND="http", SMS_URL=gateway.url, SMS_TIMEOUT=5):
        sending.deliver(mine[-1], summary=summary, now=later)
        assert (summary.sent, summary.skipped) == (0, 1)
        assert gateway.posted == []  # we no longer hold it: nothing sent
        sending.deliver(theirs, summary=summary, now=later)
    assert (summary.sent, summary.skipped) == (1, 1)
    assert len(gateway.posted) == 1
    theirs.refresh_from_db()
    assert (theirs.status, theirs.claimed_by, theirs.claimed_at) == (DeliveryStatus.SENT, "", None)


@pytest.mark.django_db
def test_an_outcome_that_cannot_be_recorded_is_not_counted(
    ana: Any, gateway: Gateway, monkeypatch: Any
) -> None:
    """The attempt itself outlived the lease and another sender took the row over meanwhile: the message went
    out (at least once), but this sender records nothing and counts it as taken over, not as sent."""
    _seed(ana)
    (delivery,) = sending.claim_due(limit=1, sender="a")

    def slow_send(phone: str, text: str) -> None:
        Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now(), claimed_by="b")

    monkeypatch.setattr(sending.sms, "backend", lambda: type("B", (), {"send": staticmethod(slow_send)})())
    summary = sending.SendSummary()
    sending.deliver(delivery, summary=summary)
    assert (summary.sent, summary.skipped) == (0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claimed_by) == (DeliveryStatus.SENDING, "b")
    assert "1 taken over by another sender" in str(summary)


# --- PostgreSQL: two sender threads -------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads sharing SQLite's in-memory test database lock out"
)
@pytest.mark.django_db(transaction=True)
def test_two_senders_with_a_slow_gateway_send_each_delivery_once_postgresql(
    ana: Any, gateway: Gateway
) -> None:
    _seed(ana)
    gateway.delay = DELAY
    summaries: dict[str, sending.SendSummary] = {}
    first_done = threading.Event()

    def first() -> None:
        try:
            summaries["first"] = sending.send_pending()
        finally:
            first_done.set()
            connections.close_all()

    def second() -> None:
        # Beat runs again and again while the first is still busy with its batch.
        total = sending.SendSummary()
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                s = sending.send_pending()
                total.claimed, total.sent, total.skipped = (
                    total.claimed + s.claimed,
                    total.sent + s.sent,
                    total.skipped + s.skipped,
                )
                if first_done.is_set() and not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists():
                    break
                time.sleep(0.1)
            summaries["second"] = total
        finally:
            connections.close_all()

    with override_settings(
        SMS_BACKEND="http", SMS_URL=gateway.url, SMS_TIMEOUT=10, NOTIFICATIONS_LEASE_SECONDS=LEASE
    ):
        a = threading.Thread(target=first)
        a.start()
        assert gateway.got_one.wait(30)  # the first has claimed the whole batch and is sending
        b = threading.Thread(target=second)
        b.start()
        a.join(90)
        b.join(90)
    texts = _texts(gateway)
    assert len(texts) == ROWS and set(texts.values()) == {1}, texts
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # The second did take rows over (else this test proved nothing), and the first skipped them.
    assert summaries["second"].sent >= 1 and summaries["first"].skipped >= 1
    assert summaries["first"].sent + summaries["second"].sent == ROWS


# --- SQLite: two sender processes ------------------------------------------------------------------------

SEED = f"""
import django
django.setup()
from django.utils import timezone
from amahoro.accounts.models import User
from amahoro.notifications.models import Delivery, Notification, Preference
user = User.objects.create_user(username="ana", email="ana@example.org", password="x" * 12)
Preference.objects.create(user=user, email=False, sms=True, phone="+250788000111")
for i in range({ROWS}):
    n = Notification.objects.create(recipient=user, event="test.urgent", title=f"Urgent referral for GBV-{{i:04d}}")
    Delivery.objects.create(notification=n, channel="sms", next_attempt_at=timezone.now())
"""

# The second sender: waits (started first, so Django's start-up is behind it) until the first has claimed
# the whole batch, then runs the sender again and again (as beat would) until every delivery is sent.
AGAIN = """
import time
import django
django.setup()
from amahoro.notifications.models import Delivery
from amahoro.notifications.sending import send_pending
deadline = time.monotonic() + 90
while Delivery.objects.filter(status="pending").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
sent = 0
while time.monotonic() < deadline:
    sent += send_pending().sent
    if not Delivery.objects.exclude(status="sent").exists():
        break
    time.sleep(0.1)
print("second sent", sent)
"""


def test_two_sender_processes_with_a_slow_gateway_send_each_delivery_once_sqlite(
    tmp_path: Path, gateway: Gateway
) -> None:
    db = tmp_path / "db.sqlite3"
    env: dict[str, Any] = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "amahoro.settings.test",
        "DATABASE_URL": f"sqlite:///{db}",
        "AMAHORO_VAR_DIR": str(tmp_path / "var"),
        "SMS_BACKEND": "http",
        "SMS_URL": gateway.url + "/send",
        "SMS_TIMEOUT": "10",
        "NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
    }
    run(env, "-m", "django", "migrate", "-v0")
    run(env, "-c", SEED)
    gateway.delay = DELAY
    senders = [
        subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in (["-c", AGAIN], ["-m", "django", "send_notifications"])
    ]
    try:
        (second, second_err), (out, err) = (p.communicate(timeout=180) for p in senders)
    finally:
        for p in senders:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert [p.returncode for p in senders] == [0, 0], second_err[-3000:] + err[-3000:]
    texts = _texts(gateway)
    assert len(texts) == ROWS and set(texts.values()) == {1}, texts
    with sqlite3.connect(db) as conn:
        statuses = {row[0] for row in conn.execute("SELECT status FROM notifications_delivery")}
    assert statuses == {"sent"}
    # The second took rows over while the first was busy, and the first skipped them instead of sending.
    assert "taken over by another sender" in out, out
    assert int(second.split()[-1]) >= 1
