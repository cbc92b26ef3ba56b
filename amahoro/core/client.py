"""The client's address for sign-in lockout (django-axes) and the audit log, proxy-aware but unspoofable.

Behind the documented nginx + gunicorn set-up every request's socket peer is the proxy (127.0.0.1). The
forwarded-for header names the real client, but anyone can send one: it is read only when the socket
peer is one of AMAHORO_TRUSTED_PROXIES, and then from the right, skipping addresses of trusted proxies, so
what a client wrote at the left of the header never counts.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"AMAHORO_TRUSTED_PROXIES: '{entry}' is not an IP address or network (CIDR)"
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """The configured trusted proxies (addresses or CIDR networks); ImproperlyConfigured names a bad one."""
    return _networks(tuple(getattr(settings, "AMAHORO_TRUSTED_PROXIES", ()) or ()))


def _header_key() -> str:
    name = str(getattr(settings, "AMAHORO_CLIENT_IP_HEADER", "X-Forwarded-For") or "X-Forwarded-For")
    return "HTTP_" + name.upper().replace("-", "_")


def parse_ip(value: str | None) -> IPAddress | None:
    """An address as proxies write them: plain, [IPv6], or with a port (1.2.3.4:5678, [::1]:80)."""
    text = (value or "").strip().strip('"')
    if not text:
        return None
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_ip(request: Any) -> str | None:
    """The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most address
    in the forwarded-for header that is not itself a trusted proxy."""
    meta = getattr(request, "META", {})
    peer = parse_ip(meta.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = trusted_proxies()
    if not networks or not _trusted(peer, networks):
        return str(peer)
    nearest = peer  # the closest hop we can vouch for
    for hop in reversed(str(meta.get(_header_key(), "")).split(",")):
        address = parse_ip(hop)
        if address is None:
            # Our proxies write addresses only: anything else was written by someone we do not trust.
            return str(nearest)
        if not _trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)


def axes_client_ip(request: Any) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: lockout keyed on the same address the audit log records."""
    return client_ip(request)
