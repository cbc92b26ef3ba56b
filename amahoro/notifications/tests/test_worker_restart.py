"""No notification is lost when the sender dies mid-send: `send_notifications` runs in a subprocess against
a gateway that hangs, is killed (SIGKILL) while the delivery is claimed, and a second run after the lease
sends it. Delivery is at-least-once: the gateway may see the message twice, the delivery ends sent."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .conftest import Gateway

ROOT = Path(__file__).resolve().parents[3]
LEASE = 4

SEED = """
import django
django.setup()
from django.utils import timezone
from amahoro.accounts.models import User
from amahoro.notifications.models import Delivery, Notification, Preference
user = User.objects.create_user(username="ana", email="ana@example.org", password="x" * 12)
Preference.objects.create(user=user, email=False, sms=True, phone="+250788000111")
n = Notification.objects.create(recipient=user, event="test.urgent", title="Urgent referral for GBV-AB12-CD34")
Delivery.objects.create(notification=n, channel="sms", next_attempt_at=timezone.now())
"""


def run(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def delivery_row(db: Path) -> tuple[str, int, str | None]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status, attempts, claimed_at FROM notifications_delivery").fetchone()
    return row[0], row[1], row[2]


def test_a_delivery_claimed_by_a_killed_sender_is_sent_by_the_next_run(
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
        "SMS_TIMEOUT": "60",
        "NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
    }
    run(env, "-m", "django", "migrate", "-v0")
    run(env, "-c", SEED)
    assert delivery_row(db)[:2] == ("pending", 0)

    gateway.hang = threading.Event()  # the gateway takes the message and never answers
    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "send_notifications"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert gateway.got_one.wait(120), "the sender never reached the gateway"
        status, attempts, claimed_at = delivery_row(db)
        assert (status, attempts) == ("sending", 1)
        worker.kill()  # SIGKILL: no except, no finally, nothing recorded
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        if worker.stdout is not None:
            worker.stdout.close()
        if worker.stderr is not None:
            worker.stderr.close()
    assert worker.returncode == -9
    assert delivery_row(db)[:2] == ("sending", 1)  # left claimed

    # The gateway works again; the next run waits for nothing but the lease to run out.
    hung, gateway.hang = gateway.hang, None
    hung.set()
    assert claimed_at is not None
    claimed = dt.datetime.fromisoformat(claimed_at.replace(" ", "T"))
    claimed = claimed if claimed.tzinfo else claimed.replace(tzinfo=dt.UTC)
    wait = (claimed + dt.timedelta(seconds=LEASE + 0.5) - dt.datetime.now(dt.UTC)).total_seconds()
    if wait > 0:
        time.sleep(wait)
    out = run(env, "-m", "django", "send_notifications", timeout=120)
    assert "1 claimed, 1 sent" in out
    status, attempts, _claimed = delivery_row(db)
    assert (status, attempts) == ("sent", 2)
    assert len(gateway.posted) == 2  # at least once: the killed attempt may have reached the phone too
    assert all(
        p.json() == {"to": "+250788000111", "text": "Amahoro: Urgent referral for GBV-AB12-CD34"}
        for p in gateway.posted
    )
