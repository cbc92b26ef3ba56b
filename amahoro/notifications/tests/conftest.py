"""Fixtures of the notification tests: two test events, a real local SMTP server (aiosmtpd) and a fake SMS
gateway (http.server in a thread) that records what it was posted and answers as told."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils.translation import gettext_lazy as _

from amahoro.notifications import events
from conftest import make_user

PLAIN = "test.plain"
URGENT = "test.urgent"


@pytest.fixture(autouse=True)
def test_events() -> Iterator[None]:
    events.register(events.Event(PLAIN, _("Case %(code)s: something to look at"), _("Service: %(service)s")))
    events.register(events.Event(URGENT, _("Urgent referral for %(code)s"), urgent=True))
    yield
    events.EVENTS.pop(PLAIN, None)
    events.EVENTS.pop(URGENT, None)


@pytest.fixture
def ana(db: Any) -> Any:
    return make_user("ana")


@pytest.fixture
def ben(db: Any) -> Any:
    return make_user("ben")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.envelopes: list[Any] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        self.envelopes.append(envelope)
        self.received.set()
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@dataclass
class Posted:
    path: str
    headers: dict[str, str]  # names in lower case (HTTP header names are case-insensitive)
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Gateway:
    """A fake SMS gateway: `status`/`answer` are what it replies; `hang` makes it wait before replying;
    `delay` (seconds) makes every answer slow."""

    url: str = ""
    status: int = 200
    answer: Any = field(default_factory=lambda: {"id": "msg-1"})
    posted: list[Posted] = field(default_factory=list)
    hang: threading.Event | None = None
    delay: float = 0.0
    got_one: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.posted.append(
                Posted(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            )
            state.got_one.set()
            if state.hang is not None:
                state.hang.wait(30)
            if state.delay:
                time.sleep(state.delay)
            body = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        if state.hang is not None:
            state.hang.set()
        server.shutdown()
        server.server_close()
