"""Two senders at once (cron and beat, two Celery workers) take different deliveries: every one is sent
exactly once. On PostgreSQL the candidates are locked with SKIP LOCKED; on SQLite, where writes are
serialised anyway, the conditional claim alone decides (the subprocess test covers SQLite)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections

from amahoro import policy
from amahoro.notifications import sending, services
from amahoro.notifications.models import Delivery, DeliveryStatus

from .conftest import PLAIN

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="threads sharing SQLite's in-memory test database lock out"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_senders_at_once_send_each_delivery_once(ana: Any, monkeypatch: Any) -> None:
    for i in range(30):
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": f"C-{i}", "service": "s"})
    Delivery.objects.update(status=DeliveryStatus.PENDING, attempts=0, sent_at=None)  # sent on commit above
    mail.outbox = []
    monkeypatch.setattr(sending, "BATCH", 3)  # small batches, so the two senders interleave
    start = threading.Barrier(2)
    summaries: list[sending.SendSummary] = []

    def sender() -> None:
        try:
            start.wait(10)
            summaries.append(sending.send_pending())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(s.claimed for s in summaries) == 30
    assert sum(s.sent for s in summaries) == 30
    assert len(mail.outbox) == 30
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
