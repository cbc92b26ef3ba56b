"""The notification pages: the bell in every page's header, the list with each delivery log, marking read,
the settings form, and the failed deliveries of an organisation's users for its administrators."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from amahoro import policy
from amahoro.notifications import services
from amahoro.notifications.models import Delivery, DeliveryStatus, Notification, Preference
from conftest import assert_page_ok, client_for

from .conftest import PLAIN

pytestmark = pytest.mark.django_db


def note(user: Any, code: str = "GBV-AB12-CD34", link: str = "/cases/") -> Notification:
    (n,) = services.notify(
        [user], PLAIN, actor=policy.SYSTEM, link=link, context={"code": code, "service": "legal"}
    )
    return n


def test_anonymous_visitors_are_sent_to_sign_in(ana: Any) -> None:
    n = note(ana)
    assert Client().get("/notifications/bell/count").status_code == 286  # htmx stops polling
    for url in (
        "/notifications/",
        "/notifications/bell/list",
        "/notifications/settings",
        "/notifications/failures",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert Client().post(f"/notifications/{n.uuid}/read").status_code == 302
    n.refresh_from_db()
    assert n.read_at is None


def test_the_bell_shows_the_unread_count_on_every_page(ana: Any) -> None:
    note(ana)
    note(ana)
    html = assert_page_ok(client_for(ana).get("/notifications/"))
    assert 'id="bell"' in html and 'data-count="2"' in html
    count = client_for(ana).get("/notifications/bell/count").content.decode()
    assert 'data-count="2"' in count
    client = client_for(ana)
    client.get("/notifications/bell/count")  # session warmed
    with CaptureQueriesContext(connection) as queries:
        client.get("/notifications/bell/count")
    ours = [q["sql"] for q in queries.captured_queries if "notifications_" in q["sql"]]
    assert len(ours) == 1 and "COUNT(" in ours[0]  # one indexed COUNT, nothing else of ours


def test_the_bell_menu_lists_the_latest(ana: Any, ben: Any) -> None:
    note(ana, "C-MINE")
    note(ben, "C-THEIRS")
    html = client_for(ana).get("/notifications/bell/list").content.decode()
    assert "C-MINE" in html and "C-THEIRS" not in html
    services.notifications_mark_all_read(actor=ben)
    Notification.objects.filter(recipient=ben).delete()
    assert 'id="bell-empty"' in client_for(ben).get("/notifications/bell/list").content.decode()


def test_the_list_shows_each_delivery_log(ana: Any) -> None:
    n = note(ana)
    Delivery.objects.filter(notification=n).update(
        status=DeliveryStatus.FAILED, attempts=6, last_error="the SMS gateway answered HTTP 500"
    )
    html = assert_page_ok(client_for(ana).get("/notifications/"))
    assert "Case GBV-AB12-CD34: something to look at" in html
    assert "the SMS gateway answered HTTP 500" in html
    assert "Failed (gave up)" in html


def test_mark_read_and_open(ana: Any) -> None:
    n = note(ana, link="/cases/")
    response = client_for(ana).post(f"/notifications/{n.uuid}/read", {"go": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    n.refresh_from_db()
    assert n.read_at is not None
    m = note(ana, link="https://evil.example.com/")
    response = client_for(ana).post(f"/notifications/{m.uuid}/read", {"go": "1"})
    assert response["Location"] == "/notifications/"  # never sent off-site
    note(ana)
    client_for(ana).post("/notifications/read-all")
    assert not Notification.objects.filter(recipient=ana, read_at__isnull=True).exists()


def test_another_users_notification_is_404(ana: Any, ben: Any) -> None:
    bens = note(ben)
    assert client_for(ana).post(f"/notifications/{bens.uuid}/read").status_code == 404
    bens.refresh_from_db()
    assert bens.read_at is None
    delivery = bens.deliveries.get()
    assert client_for(ana).post(f"/notifications/deliveries/{delivery.pk}/retry").status_code == 404
    assert client_for(ana).get(f"/notifications/{bens.uuid}/read").status_code == 405


def test_the_settings_form_saves_a_masked_phone(ana: Any) -> None:
    client = client_for(ana)
    assert_page_ok(client.get("/notifications/settings"))
    response = client.post(
        "/notifications/settings",
        {"email": "on", "sms": "on", "phone": "0788 123 456", "muted_events": [PLAIN]},
    )
    assert response.status_code == 302
    pref = Preference.objects.get(user=ana)
    assert (pref.email, pref.sms, pref.phone, pref.muted_events) == (True, True, "+250788123456", [PLAIN])
    html = assert_page_ok(client.get("/notifications/settings"))
    assert "•••• 456" in html and "788123456" not in html
    # An empty phone field keeps the number; SMS without any number is refused.
    client.post("/notifications/settings", {"sms": "on", "phone": ""})
    assert Preference.objects.get(user=ana).phone == "+250788123456"
    bad = client.post("/notifications/settings", {"sms": "on", "clear_phone": "on"})
    assert bad.status_code == 400 and "Give a phone number" in bad.content.decode()
    assert client.post("/notifications/settings", {"phone": "12"}).status_code == 400


def test_failed_deliveries_are_shown_to_the_organisations_admin_only(cast: Any) -> None:
    mine = note(cast.me_nyarugenge)
    police = note(cast.police_me_nyarugenge)
    Delivery.objects.filter(notification__in=[mine, police]).update(
        status=DeliveryStatus.FAILED, last_error="The account has no e-mail address."
    )
    html = assert_page_ok(client_for(cast.ngo_admin).get("/notifications/failures"))
    assert "me_nyarugenge" in html and "police_me_nyarugenge" not in html
    everyone = assert_page_ok(client_for(cast.sysadmin).get("/notifications/failures"))
    assert "police_me_nyarugenge" in everyone
    assert client_for(cast.me_nyarugenge).get("/notifications/failures").status_code == 403


def test_no_bell_on_the_sign_in_and_two_factor_pages(ana: Any) -> None:
    note(ana)
    response = client_for(ana).get("/accounts/two-factor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bell"' not in html and "bell-count" not in html
