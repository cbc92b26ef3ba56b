"""The notifications API: the caller's own list (newest first, unread filter, paginated, unread_count),
marking read, preferences with a write-only phone; anonymous callers refused, another's notification 404."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from amahoro import policy
from amahoro.notifications import services
from amahoro.notifications.models import Notification, Preference

from .conftest import PLAIN

pytestmark = pytest.mark.django_db


def api_as(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def note(user: Any, code: str = "GBV-AB12-CD34") -> Notification:
    (n,) = services.notify(
        [user], PLAIN, actor=policy.SYSTEM, link="/cases/x/", context={"code": code, "service": "legal"}
    )
    return n


def test_the_list_is_the_callers_newest_first_with_unread_count(ana: Any, ben: Any) -> None:
    first, second, third = note(ana, "C-1"), note(ana, "C-2"), note(ana, "C-3")
    note(ben, "C-OTHER")
    services.notification_mark_read(actor=ana, notification=second)
    body = api_as(ana).get("/api/v1/notifications").json()
    assert body["count"] == 3 and body["unread_count"] == 2
    assert [r["id"] for r in body["results"]] == [str(third.uuid), str(second.uuid), str(first.uuid)]
    row = body["results"][0]
    assert row["title"] == "Case C-3: something to look at"
    assert row["link"] == "/cases/x/" and row["read_at"] is None
    assert row["deliveries"] == [
        {
            "channel": "email",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": row["deliveries"][0]["next_attempt_at"],
            "sent_at": None,
            "last_error": "",
        }
    ]
    unread = api_as(ana).get("/api/v1/notifications?unread=true").json()
    assert [r["id"] for r in unread["results"]] == [str(third.uuid), str(first.uuid)]
    assert unread["unread_count"] == 2


def test_the_list_is_paginated_and_refuses_unknown_parameters(ana: Any) -> None:
    for i in range(3):
        note(ana, f"C-{i}")
    body = api_as(ana).get("/api/v1/notifications?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert len(api_as(ana).get("/api/v1/notifications?page=2&page_size=2").json()["results"]) == 1
    assert api_as(ana).get("/api/v1/notifications?page=9&page_size=2").status_code == 404
    bad = api_as(ana).get("/api/v1/notifications?unred=true")
    assert bad.status_code == 400 and bad.json()["field"] == "unred"
    assert api_as(ana).get("/api/v1/notifications?unread=maybe").status_code == 400


def test_anonymous_callers_are_refused(ana: Any) -> None:
    n = note(ana)
    anon = api_as(None)
    assert anon.get("/api/v1/notifications").status_code == 401
    assert anon.post(f"/api/v1/notifications/{n.uuid}/read").status_code == 401
    assert anon.post("/api/v1/notifications/read-all").status_code == 401
    assert anon.get("/api/v1/notifications/preferences").status_code == 401
    assert anon.put("/api/v1/notifications/preferences", {"sms": True}, format="json").status_code in (
        401,
        403,
    )
    n.refresh_from_db()
    assert n.read_at is None


def test_marking_read(ana: Any) -> None:
    n = note(ana)
    response = api_as(ana).post(f"/api/v1/notifications/{n.uuid}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api_as(ana).get("/api/v1/notifications").json()["unread_count"] == 0
    again = api_as(ana).post(f"/api/v1/notifications/{n.uuid}/read")  # idempotent
    assert again.json()["read_at"] == response.json()["read_at"]


def test_another_users_notification_is_404_like_a_missing_one(ana: Any, ben: Any) -> None:
    bens = note(ben)
    other = api_as(ana).post(f"/api/v1/notifications/{bens.uuid}/read")
    missing = api_as(ana).post("/api/v1/notifications/00000000-0000-0000-0000-000000000000/read")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    bens.refresh_from_db()
    assert bens.read_at is None


def test_read_all_marks_only_the_callers(ana: Any, ben: Any) -> None:
    note(ana)
    note(ana)
    bens = note(ben)
    assert api_as(ana).post("/api/v1/notifications/read-all").json() == {"marked": 2, "unread_count": 0}
    bens.refresh_from_db()
    assert bens.read_at is None


def test_preferences_phone_is_write_only_and_masked(ana: Any, ben: Any) -> None:
    client = api_as(ana)
    assert client.get("/api/v1/notifications/preferences").json() == {
        "email": True,
        "sms": False,
        "phone": "",
        "has_phone": False,
        "muted_events": [],
    }
    response = client.put(
        "/api/v1/notifications/preferences",
        {"sms": True, "phone": "0788 123 456", "muted_events": [PLAIN]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "email": True,
        "sms": True,
        "phone": "•••• 456",
        "has_phone": True,
        "muted_events": [PLAIN],
    }
    assert "788123" not in client.get("/api/v1/notifications/preferences").content.decode()
    assert Preference.objects.get(user=ana).phone == "+250788123456"
    # Another user's preferences are their own.
    assert api_as(ben).get("/api/v1/notifications/preferences").json()["has_phone"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sms": True}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"muted_events": ["no.such"]}, "muted_events"),
        ({"email": "perhaps"}, "email"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_preferences_are_400_naming_the_field(ana: Any, body: dict[str, Any], field: str) -> None:
    response = api_as(ana).put("/api/v1/notifications/preferences", body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not Preference.objects.exists()


def test_the_operations_are_in_the_openapi_document(ana: Any) -> None:
    doc = api_as(ana).get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/api/v1/notifications"]) >= {"get"}
    assert "post" in paths["/api/v1/notifications/{uuid}/read"]
    assert "post" in paths["/api/v1/notifications/read-all"]
    assert {"get", "put"} <= set(paths["/api/v1/notifications/preferences"])
    listed = paths["/api/v1/notifications"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert listed["$ref"].endswith("/NotificationPageOut")
