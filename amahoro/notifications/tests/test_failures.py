"""Failures are visible before the system gives up: a pending delivery that failed at least twice is listed
on /notifications/failures as "retrying", next to those given up on; /health/ready warns while deliveries
fail (a 503 only with ?strict=1) and /metrics carries their counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from amahoro import policy
from amahoro.core import health
from amahoro.notifications import selectors, services
from amahoro.notifications.models import Delivery, DeliveryStatus, Notification
from conftest import assert_page_ok, client_for

from .conftest import PLAIN

pytestmark = pytest.mark.django_db
TOKEN = "t" * 40


def note(user: Any, code: str) -> Notification:
    (n,) = services.notify([user], PLAIN, actor=policy.SYSTEM, context={"code": code, "service": "health"})
    return n


@pytest.fixture
def troubles(cast: Any) -> dict[str, Delivery]:
    """One delivery of each kind for NGO users: given up on, retrying (2 failures), failed once (a blip),
    pending and never tried; and a retrying one of a police user."""
    rows = {
        "gave_up": (cast.me_nyarugenge, DeliveryStatus.FAILED, 6, "the SMS gateway answered HTTP 500"),
        "retrying": (cast.me_gasabo, DeliveryStatus.PENDING, 2, "the SMS gateway answered HTTP 502"),
        "once": (cast.viewer_nyarugenge, DeliveryStatus.PENDING, 1, "the SMS gateway answered HTTP 503"),
        "new": (cast.clerk_sector, DeliveryStatus.PENDING, 0, ""),
        "police": (cast.police_me_nyarugenge, DeliveryStatus.PENDING, 3, "The e-mail could not be sent: x"),
    }
    out = {}
    for key, (user, status, attempts, error) in rows.items():
        delivery = note(user, f"GBV-{key[:4].upper()}-0000").deliveries.get()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=attempts,
            last_error=error,
            next_attempt_at=dt.datetime(2030, 1, 7, 9, 5, tzinfo=dt.UTC),
        )
        out[key] = delivery
    return out


def test_the_selector_lists_given_up_and_retrying_deliveries(
    cast: Any, troubles: dict[str, Delivery]
) -> None:
    listed = {d.pk for d in selectors.delivery_failures_visible_to(user=cast.ngo_admin)}
    assert listed == {troubles["gave_up"].pk, troubles["retrying"].pk}  # not a single blip, nor the police's
    everyone = {d.pk for d in selectors.delivery_failures_visible_to(user=cast.sysadmin)}
    assert everyone == {troubles["gave_up"].pk, troubles["retrying"].pk, troubles["police"].pk}
    assert selectors.delivery_failures_visible_to(user=cast.me_gasabo) == []


def test_the_page_labels_retrying_and_given_up(cast: Any, troubles: dict[str, Delivery]) -> None:
    html = assert_page_ok(client_for(cast.ngo_admin).get("/notifications/failures"))
    rows = dict(re.findall(r'<tr data-state="(\w+)">\s*<td>(\w+)</td>', html))
    assert rows == {"failed": "me_nyarugenge", "retrying": "me_gasabo"}
    assert "Retrying: next attempt 2030-01-07" in html and "Failed (gave up)" in html
    assert "HTTP 502" in html and "HTTP 503" not in html


def test_counts_of_failed_and_retrying(troubles: dict[str, Delivery]) -> None:
    assert selectors.delivery_problem_counts() == {"failed": 1, "retrying": 2}
    # A delivery given up on more than 24 hours ago no longer counts (it is still listed on the page).
    Delivery.objects.filter(pk=troubles["gave_up"].pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert selectors.delivery_problem_counts() == {"failed": 0, "retrying": 2}


@pytest.fixture
def fresh_health(settings: Any, tmp_path: Any) -> None:
    settings.AMAHORO_ANALYTICS_DIR = str(tmp_path / "analytics")
    health._migrations_applied = False
    cache.delete(health.HEARTBEAT_KEY)


def test_ready_warns_while_deliveries_fail_and_strict_fails(
    fresh_health: None, troubles: dict[str, Delivery]
) -> None:
    ready = Client().get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["notifications"] == {"status": "warn", "failed_24h": 1, "retrying": 2}
    assert ready.json()["status"] == "warn"
    assert Client().get("/health/ready?strict=1").status_code == 503


def test_ready_is_quiet_without_failing_deliveries(fresh_health: None, cast: Any) -> None:
    note(cast.me_gasabo, "GBV-AAAA-0000")  # pending, never tried
    check = Client().get("/health/ready").json()["checks"]["notifications"]
    assert check == {"status": "ok", "failed_24h": 0, "retrying": 0}


@override_settings(AMAHORO_METRICS_TOKEN=TOKEN)
def test_metrics_carry_the_failed_and_retrying_counts(troubles: dict[str, Delivery]) -> None:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    text = response.content.decode()
    assert re.search(r"^amahoro_notification_deliveries_failed 1\.0$", text, re.M), text
    assert re.search(r"^amahoro_notification_deliveries_retrying 2\.0$", text, re.M), text
