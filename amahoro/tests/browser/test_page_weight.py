"""Page weight on a 3G phone (issue 17 item 3): the first page after signing in, fetched cold through Chromium's
network throttling (400 kbit/s down and up, 300 ms round trip), must be at most 100 KB on the wire and usable
(DOMContentLoaded) within 3 s; loaded again warm it must not ask the server for any static file (no 304
revalidations: hashed names cached as immutable).

The server is the one production runs: static files collected by `collectstatic` (hashed names with .gz and
.br copies, `amahoro.core.storage.StaticFilesStorage`) and served by WhiteNoise inside the app, HTML
compressed by GZipMiddleware. pytest-django's own live server serves static files from the sources through
Django's handler (uncompressed, revalidated), so this test starts its own, with the collected files of a
cache under var/test-static/ keyed by the sources' content (collectstatic with brotli takes ~20 s of CPU;
it runs again only when a static file changes). Run alone: `pytest amahoro/tests/browser/test_page_weight.py -s`
prints the figures (docs/performance.md)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.frontend, pytest.mark.django_db(transaction=True)]

KB = 1000  # DevTools' "kB": what the issue's 233 KB and the 100 KB goal are counted in
LIMIT_BYTES = 100 * KB
LIMIT_SECONDS = 3.0
# Chromium's emulated 3G of the issue: 400 kbit/s each way, 300 ms round trip.
THROTTLE = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
PHONE = {"width": 360, "height": 740}
ROOT = Path(__file__).resolve().parents[3]


def _sources_digest() -> str:
    """A hash of every static source file collectstatic would copy (names and contents)."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    seen: set[str] = set()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if path in seen:
                continue
            seen.add(path)
            digest.update(path.encode() + b"\0")
            with storage.open(path) as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def collected_static() -> Path:
    """collectstatic with the production storage into var/test-static/<digest of the sources>/, once."""
    from django.core.management import call_command
    from django.test import override_settings

    cache = ROOT / "var" / "test-static"
    target = cache / _sources_digest()
    if (target / "staticfiles.json").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache, prefix="tmp-"))
    with override_settings(STATIC_ROOT=work, STORAGES=_production_storages(), WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
    for old in cache.iterdir():  # keep only the newest copy
        if old != work and not old.name.startswith("tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    try:
        work.rename(target)
    except OSError:  # another run collected the same sources meanwhile: use its copy
        shutil.rmtree(work, ignore_errors=True)
    return target


def _production_storages() -> dict[str, Any]:
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "amahoro.core.storage.StaticFilesStorage"},
    }


class _Recorder:
    """WSGI wrapper that notes every path the server is asked for (to prove a warm load asks for none)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.paths.append(environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)


@dataclass
class ProductionServer:
    url: str
    recorder: _Recorder


@pytest.fixture
def production_server(transactional_db: Any, collected_static: Path) -> Iterator[ProductionServer]:
    """A live server configured as production serves static files and pages (not as the test settings do)."""
    from django.db import connections
    from django.test import override_settings
    from django.test.testcases import LiveServerThread

    recorders: list[_Recorder] = []

    def handler(app: Any) -> _Recorder:
        recorders.append(_Recorder(app))
        return recorders[-1]

    in_memory = {
        c.alias: c
        for c in connections.all()
        if c.vendor == "sqlite" and c.is_in_memory_db()  # type: ignore[attr-defined]
    }
    with override_settings(
        STATIC_ROOT=collected_static,
        STORAGES=_production_storages(),
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        DEBUG=False,
    ):
        for conn in in_memory.values():
            conn.inc_thread_sharing()  # as LiveServerTestCase does
        # static_handler wraps the app; ours records paths and lets WhiteNoise (in the app) serve /static/.
        thread = LiveServerThread(
            "localhost",
            static_handler=handler,  # type: ignore[arg-type]
            connections_override=in_memory,
            port=0,
        )
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield ProductionServer(f"http://localhost:{thread.port}", recorders[0])
        finally:
            thread.terminate()
            thread.join()
            for conn in in_memory.values():
                conn.dec_thread_sharing()


@dataclass
class Load:
    bytes: int = 0
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    dom_content_loaded: float = 0.0
    server_wait: float = 0.0

    def by_size(self) -> list[tuple[int, str]]:
        return sorted(((r.get("bytes", 0), r["url"]) for r in self.requests.values()), reverse=True)


class NetworkLog:
    """Bytes on the wire per request, from the DevTools protocol (what DevTools shows as "transferred")."""

    def __init__(self, cdp: Any) -> None:
        self.load = Load()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def reset(self) -> Load:
        self.load = Load()
        return self.load

    def _sent(self, event: dict[str, Any]) -> None:
        self.load.requests.setdefault(event["requestId"], {})["url"] = event["request"]["url"]

    def _response(self, event: dict[str, Any]) -> None:
        r = self.load.requests.setdefault(event["requestId"], {"url": event["response"]["url"]})
        r["status"] = event["response"]["status"]
        r["encoding"] = {k.lower(): v for k, v in event["response"]["headers"].items()}.get(
            "content-encoding"
        )
        r["cached"] = event["response"].get("fromDiskCache") or event["response"].get("fromServiceWorker")

    def _finished(self, event: dict[str, Any]) -> None:
        r = self.load.requests.setdefault(event["requestId"], {"url": "?"})
        r["bytes"] = int(event["encodedDataLength"])
        self.load.bytes += int(event["encodedDataLength"])


def _timing(page: Any) -> tuple[float, float]:
    nav = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventEnd, n.responseStart - n.requestStart]; }"
    )
    return nav[0] / 1000, nav[1] / 1000


def _visit(page: Any, log: NetworkLog, url: str, how: str = "goto") -> Load:
    load = log.reset()
    if how == "reload":
        page.reload(wait_until="networkidle")
    else:
        page.goto(url, wait_until="networkidle")
    time.sleep(0.3)  # late htmx swaps (the menu count) finish their bytes
    load.dom_content_loaded, load.server_wait = _timing(page)
    return load


def _report(name: str, load: Load) -> str:
    lines = [
        f"{name}: {load.bytes / KB:.1f} kB in {len(load.requests)} requests, DOMContentLoaded {load.dom_content_loaded:.2f} s"
    ]
    for size, url in load.by_size():
        lines.append(f"  {size / KB:7.1f} kB  {url}")
    return "\n".join(lines)


@pytest.fixture
def demo(transactional_db: Any, rwanda_slice: Any) -> Any:
    from amahoro import policy
    from amahoro.site.demo import demo_load

    return demo_load(actor=policy.SYSTEM)


# The persona first (a data clerk in Musanze: the due table and a chart on the landing dashboard,
# the district map), then the landing dashboards with the most on them.
USERS = ("clerk_musanze", "me_officer", "viewer")


@dataclass
class Visits:
    cold: Load
    warm: Load
    reload: Load
    warm_static: list[str]
    reload_static: list[str]
    drawn: int  # charts and maps drawn once scrolled to (ECharts and Leaflet fetched then)

    def network_seconds(self) -> float:
        """DOMContentLoaded less the time the server itself took over the page beyond the emulated round
        trip: the 3 s goal is about what the network costs, and a 2-core CI machine running the suite
        under coverage can take a second to render a page that takes 0.2 s alone (both are printed)."""
        latency = THROTTLE["latency"] / 1000
        return self.cold.dom_content_loaded - max(0.0, self.cold.server_wait - latency)


def _visits(browser: Any, server: ProductionServer, username: str, password: str, console: Any) -> Visits:
    from playwright.sync_api import expect

    base = server.url
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    log = NetworkLog(cdp)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.wait_for_load_state("networkidle")
        page.goto("about:blank")  # nothing of that first page may still be loading while we count
        # Cold: nothing cached (the sign-in page's CSS and scripts are forgotten too), throttled to 3G.
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
        cold = _visit(page, log, f"{base}/")
        # Warm: the same page again, as by a link, then by the reload button.
        server.recorder.paths.clear()
        warm = _visit(page, log, f"{base}/")
        warm_static = [p for p in server.recorder.paths if p.startswith("/static/")]
        server.recorder.paths.clear()
        reload = _visit(page, log, f"{base}/", how="reload")
        reload_static = [p for p in server.recorder.paths if p.startswith("/static/")]
        # What was left for later still draws once scrolled to: every chart and map of the page.
        log.reset()
        drawn = 0
        cdp.send("Network.emulateNetworkConditions", {**THROTTLE, "latency": 0, "downloadThroughput": -1})
        for item in page.locator(".viz-item[data-viz-query]").all():
            item.scroll_into_view_if_needed()
            expect(item).to_have_attribute("data-viz-state", "ready", timeout=60_000)
            assert not item.locator(".error").count(), item.inner_text()
            assert item.locator("canvas, table, .map-ready, .viz-note").count(), item.inner_html()
            drawn += item.locator("canvas, .map-ready").count()
        if page.locator("#district-map").count():
            page.locator("#district-map").scroll_into_view_if_needed()
            page.wait_for_selector("#district-map.map-ready")
            drawn += 1
    finally:
        context.close()
    return Visits(cold, warm, reload, warm_static, reload_static, drawn)


def test_first_page_after_sign_in_is_light_on_3g(
    browser: Any, production_server: ProductionServer, demo: Any, console: Any
) -> None:
    results = {}
    for username in USERS:
        v = _visits(browser, production_server, username, demo.password, console)
        results[username] = v
        print(f"\n{_report(username + ' cold', v.cold)}\n  (network {v.network_seconds():.2f} s)")
        print(f"{username} warm: {v.warm.bytes / KB:.1f} kB, static asked of the server: {v.warm_static}")
        print(
            f"{username} reload: {v.reload.bytes / KB:.1f} kB, static asked of the server: {v.reload_static}"
        )
    out = os.environ.get("AMAHORO_PAGE_WEIGHT_JSON")
    if out:
        summary = {
            u: {
                "cold_bytes": v.cold.bytes,
                "cold_requests": len(v.cold.requests),
                "dom_content_loaded_s": round(v.cold.dom_content_loaded, 2),
                "network_s": round(v.network_seconds(), 2),
                "warm_bytes": v.warm.bytes,
                "warm_static_requests": len(v.warm_static),
            }
            for u, v in results.items()
        }
        Path(out).write_text(json.dumps(summary, indent=2) + "\n")

    for username, v in results.items():
        assert v.cold.bytes <= LIMIT_BYTES, _report(f"{username}: too heavy", v.cold)
        assert v.network_seconds() <= LIMIT_SECONDS, _report(f"{username}: too slow", v.cold)
        assert v.warm_static == [], f"{username}: a warm load asked the server for {v.warm_static}"
        assert v.reload_static == [], f"{username}: a reload asked the server for {v.reload_static}"
    # The clerk's landing chart (participants per month) and district map draw once scrolled to.
    assert results["clerk_musanze"].drawn >= 2
    assert console.errors == []
