"""The client's address behind a proxy: the forwarded-for header counts only when the socket peer is a
trusted proxy (AMAHORO_TRUSTED_PROXIES), read from the right; a client cannot choose its own address."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from amahoro.audit.models import AuditEvent
from amahoro.core.client import client_ip
from conftest import PASSWORD

rf = RequestFactory()


def ip(peer: str, forwarded: str | None = None, **extra: str) -> str | None:
    meta = {"REMOTE_ADDR": peer, **extra}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


@pytest.fixture
def behind_nginx(settings):
    settings.AMAHORO_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "::1"]
    return settings


def test_without_trusted_proxies_the_header_is_never_read(settings) -> None:
    settings.AMAHORO_TRUSTED_PROXIES = []
    assert ip("127.0.0.1", "203.0.113.5") == "127.0.0.1"
    assert ip("198.51.100.7") == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_is_taken_from_the_header(behind_nginx) -> None:
    assert ip("127.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert ip("::1", "2001:db8::7") == "2001:db8::7"
    # Two trusted hops (a load balancer in 10/8, then nginx): the right-most untrusted address.
    assert ip("127.0.0.1", "203.0.113.5, 10.1.2.3") == "203.0.113.5"
    assert ip("127.0.0.1", "203.0.113.5:51234") == "203.0.113.5"
    assert ip("127.0.0.1", "[2001:db8::7]:443") == "2001:db8::7"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(behind_nginx) -> None:
    assert ip("198.51.100.7", "127.0.0.1") == "198.51.100.7"
    assert ip("198.51.100.7", "203.0.113.99") == "198.51.100.7"


def test_addresses_a_client_puts_at_the_left_of_the_header_do_not_count(behind_nginx) -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real peer: the real peer wins.
    assert ip("127.0.0.1", "1.2.3.4, 203.0.113.5") == "203.0.113.5"
    # A client claiming to be a trusted proxy does not move the choice past its own address.
    assert ip("127.0.0.1", "10.9.9.9, 203.0.113.5") == "203.0.113.5"
    # Garbage written by the client (left of the real peer) is never returned.
    assert ip("127.0.0.1", "<script>, 203.0.113.5") == "203.0.113.5"
    # Garbage where the proxy's own entry should be: fall back to the proxy, never to the garbage.
    assert ip("127.0.0.1", "203.0.113.5, not-an-ip") == "127.0.0.1"
    # Only trusted addresses: the request came from the proxy itself.
    assert ip("127.0.0.1", "10.0.0.2") == "10.0.0.2"
    assert ip("127.0.0.1", "") == "127.0.0.1"


def test_the_header_name_is_configurable(behind_nginx) -> None:
    behind_nginx.AMAHORO_CLIENT_IP_HEADER = "X-Real-IP"
    assert ip("127.0.0.1", "203.0.113.5", HTTP_X_REAL_IP="198.51.100.1") == "198.51.100.1"


def test_a_bad_trusted_proxy_entry_is_a_configuration_error(settings) -> None:
    settings.AMAHORO_TRUSTED_PROXIES = ["127.0.0.1", "nginx.internal"]
    with pytest.raises(ImproperlyConfigured, match=r"nginx\.internal"):
        ip("127.0.0.1", "203.0.113.5")


# ---------------------------------------------------------------------------------------------------------
# Lockout (django-axes) and the audit log use the same address


def _login(c: Client, username: str, password: str, forwarded: str, peer: str = "127.0.0.1"):
    return c.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_lockout_behind_the_proxy_is_keyed_on_the_real_client(cast, behind_nginx) -> None:
    limit = behind_nginx.AXES_FAILURE_LIMIT
    attacker = [_login(Client(), "me_gasabo", f"wrong-{i}", "203.0.113.66") for i in range(limit)]
    assert attacker[-1].status_code in (403, 429)
    assert _login(Client(), "me_gasabo", PASSWORD, "203.0.113.66").status_code in (403, 429)
    # The real user, at another address behind the same proxy, is not locked out by the attacker.
    ok = _login(Client(), "me_gasabo", PASSWORD, "198.51.100.20")
    assert ok.status_code == 302, ok.content[:300]
    event = AuditEvent.objects.filter(action="login", actor_username="me_gasabo").latest("id")
    assert event.ip_address == "198.51.100.20"
    failed = AuditEvent.objects.filter(action="login_failed").latest("id")
    assert failed.ip_address == "203.0.113.66"


@pytest.mark.django_db
def test_a_client_cannot_escape_lockout_by_rotating_a_spoofed_header(cast, behind_nginx) -> None:
    limit = behind_nginx.AXES_FAILURE_LIMIT
    for i in range(limit):
        _login(Client(), "me_gasabo", f"wrong-{i}", f"192.0.2.{i + 1}", peer="203.0.113.66")
    locked = _login(Client(), "me_gasabo", PASSWORD, "192.0.2.200", peer="203.0.113.66")
    assert locked.status_code in (403, 429)
    assert AuditEvent.objects.filter(action="login_failed").latest("id").ip_address == "203.0.113.66"
