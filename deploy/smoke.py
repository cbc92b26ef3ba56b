"""The smoke journey of `make deploy-check` (deploy/check.sh), against a running installation:

    python deploy/smoke.py --proxy https://localhost:18443 --app-a 127.0.0.1:18001 --app-b 127.0.0.1:18002

Health on both app servers (plain HTTP, a load balancer's Host), static files (hashed, compressed, cached),
a sign-in through the proxy (CSRF), an XLSForm upload and an ODK submission (OpenRosa HEAD + POST with a
data clerk's Basic auth), a GBV case through the API with a case worker's token, an analytics read on the
*other* app server with the same session, the metrics endpoint (refused without the token), and finally a
heartbeat from the Celery worker. Exits non-zero, naming the step, at the first failure.

Standard library only (plus openpyxl, from Amahoro's own dependencies, to write the XLSForm).
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import io
import json
import re
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta
from typing import Any

PASSWORD = "deploy-check-password-2026"  # noqa: S105 (throwaway accounts in a throwaway database)

_insecure = ssl.create_default_context()
_insecure.check_hostname = False
_insecure.verify_mode = ssl.CERT_NONE  # the check's self-signed certificate


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Reply:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Browser:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=_insecure),
            NoRedirect(),
        )

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def cookie_header(self) -> str:
        """The cookies as a header, for a request the jar would not send them with (another host, HTTP)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(req, timeout=60) as resp:
                return Reply(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.headers, err.read())


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, ctype, data) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def xlsform() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"  # type: ignore[union-attr]
    for row in (
        ["type", "name", "label", "required"],
        ["text", "village", "Village code", "yes"],
        ["integer", "men", "Men attending", ""],
        ["integer", "women", "Women attending", ""],
    ):
        survey.append(row)  # type: ignore[union-attr]
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(["deploycheck", "1", "Deploy check"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def submission(instance_id: str) -> bytes:
    return (
        '<?xml version="1.0"?><data id="deploycheck" version="1"><village>11010101</village>'
        f"<men>4</men><women>7</women><meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


STEP = ""


def step(name: str) -> None:
    global STEP
    STEP = name
    print(f"  - {name}", flush=True)


def expect(condition: bool, what: str, reply: Reply | None = None) -> None:
    if not condition:
        detail = f" [HTTP {reply.status}: {reply.text[:400]}]" if reply is not None else ""
        raise SystemExit(f"deploy-check FAILED at '{STEP}': {what}{detail}")


def journey(proxy: str, app_a: str, app_b: str, metrics_token: str, worker_timeout: float) -> None:
    host = proxy.split("://", 1)[1]  # localhost:18443: the Host the proxy passes on, port included
    anon = Browser()

    step("health: live and ready on both app servers, plain HTTP, a load balancer's Host header")
    for app in (app_a, app_b):
        for path in ("/health/live", "/health/ready", "/health"):
            r = anon.request("GET", f"http://{app}{path}", headers={"Host": "10.0.0.5:8000"})
            expect(r.status == 200, f"{path} on {app} answered {r.status}", r)
            expect(r.json()["status"] in ("ok", "warn"), f"{path} on {app}: {r.text}", r)
    ready = anon.request("GET", f"http://{app_a}/health/ready").json()
    expect(ready["checks"]["database"]["status"] == "ok", f"database not ready: {ready}")
    expect(ready["checks"]["redis"] == {"status": "ok", "configured": True}, f"redis: {ready}")
    expect(ready["checks"]["migrations"]["status"] == "ok", f"migrations: {ready}")

    step("plain HTTP through the proxy redirects to HTTPS")
    proxy_http = proxy.replace("https://", "http://").rsplit(":", 1)[0]
    r = anon.request("GET", f"{proxy_http}:{ARGS.proxy_http_port}/accounts/login/")
    expect(r.status == 301 and r.headers["Location"].startswith("https://"), "no redirect to https", r)

    step("sign-in page through the proxy, with its static files hashed, compressed and cached")
    r = anon.request("GET", f"{proxy}/accounts/login/")
    expect(r.status == 200, "login page", r)
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', r.text)
    expect(css is not None, "no hashed stylesheet on the login page", r)
    assert css is not None
    for encoding in ("br", "gzip"):
        s = anon.request("GET", proxy + css.group(1), headers={"Accept-Encoding": encoding})
        expect(s.status == 200, f"static file {css.group(1)}", s)
        expect(
            s.headers.get("Content-Encoding") == encoding or encoding == "br", f"not {encoding}-encoded", s
        )
        expect("immutable" in s.headers.get("Cache-Control", ""), f"cache headers: {dict(s.headers)}", s)
    # The page itself leaves the app gzip-compressed (GZipMiddleware) and nginx passes it on as it is.
    z = anon.request("GET", f"{proxy}/accounts/login/", headers={"Accept-Encoding": "gzip"})
    expect(z.status == 200 and z.headers.get("Content-Encoding") == "gzip", "page not gzip-encoded", z)
    # The app serves them the same way when the proxy does not (WhiteNoise), brotli included.
    s = anon.request(
        "GET",
        f"http://{app_b}{css.group(1)}",
        headers={"Accept-Encoding": "br", "X-Forwarded-Proto": "https", "Host": host},
    )
    expect(s.status == 200 and s.headers.get("Content-Encoding") == "br", "app server: brotli", s)
    expect("max-age=315360000" in s.headers.get("Cache-Control", ""), f"app cache: {dict(s.headers)}", s)

    step("sign in through the proxy (CSRF token, secure cookies)")
    officer = Browser()
    page = officer.request("GET", f"{proxy}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    expect(token is not None, "no CSRF token in the login form", page)
    assert token is not None
    form = f"csrfmiddlewaretoken={token.group(1)}&username=officer&password={PASSWORD}".encode()
    r = officer.request(
        "POST",
        f"{proxy}/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{proxy}/accounts/login/",
            "Origin": proxy,
        },
    )
    expect(r.status == 302, "sign-in did not redirect", r)
    home = officer.request("GET", f"{proxy}/")
    expect(home.status == 200 and "officer" in home.text, "home page after sign-in", home)
    expect(bool(home.headers.get("X-Request-ID")), "no X-Request-ID from the proxy", home)

    step("upload an XLSForm through the proxy (session + CSRF header)")
    body, ctype = multipart(
        {"organisation": "NGO1"}, {"xlsform": ("deploycheck.xlsx", "application/octet-stream", xlsform())}
    )
    r = officer.request(
        "POST",
        f"{proxy}/api/v1/forms",
        body,
        {
            "Content-Type": ctype,
            "X-CSRFToken": officer.cookie("csrftoken"),
            "Referer": f"{proxy}/",
            "Origin": proxy,
        },
    )
    expect(r.status == 201, "form upload", r)

    step("ODK submission through the proxy: HEAD then POST, Basic auth of a data clerk")
    clerk = Browser()
    basic = {
        "Authorization": "Basic " + base64.b64encode(f"clerk:{PASSWORD}".encode()).decode(),
        "X-OpenRosa-Version": "1.0",
    }
    r = clerk.request("HEAD", f"{proxy}/openrosa/submission", headers=basic)
    expect(r.status == 204, "OpenRosa HEAD", r)
    body, ctype = multipart(
        {}, {"xml_submission_file": ("submission.xml", "text/xml", submission(f"uuid:{uuid.uuid4()}"))}
    )
    r = clerk.request("POST", f"{proxy}/openrosa/submission", body, {**basic, "Content-Type": ctype})
    expect(r.status == 201, "OpenRosa submission", r)

    step("GBV case intake through the API with a case worker's token")
    today = date.today()
    case = {
        "survivor": {"name": "Deploy Check", "sex": "female", "age": 30},
        "incident_date": (today - timedelta(days=3)).isoformat(),
        "report_date": (today - timedelta(days=1)).isoformat(),
        "org_unit": "1201",
        "classification": {"physical_assault": True},
        "perpetrators": [{"relationship": "former_partner", "sex": "male", "age_group": "26-40"}],
        "goods_exchanged": False,
        "abduction": "none",
        "account": "deploy check",
        "consent": {"services": True, "reporting": True},
    }
    r = Browser().request(
        "POST",
        f"{proxy}/api/v1/gbv/incidents",
        json.dumps(case).encode(),
        {"Authorization": f"Token {ARGS.case_token}", "Content-Type": "application/json"},
    )
    expect(r.status == 201, "GBV case intake", r)

    step("analytics read on the other app server, with the session signed in through the proxy")
    r = officer.request(
        "GET",
        f"http://{app_b}/api/v1/frameworks/RW-NAP1325-2018/progress",
        headers={
            "Host": host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "192.0.2.10",
            "Cookie": officer.cookie_header(),
        },
    )
    expect(r.status == 200, "framework progress on the other app server", r)

    step("metrics: refused without the token, served with it")
    r = anon.request("GET", f"{proxy}/metrics")
    expect(r.status == 401, "metrics without credentials", r)
    r = anon.request("GET", f"{proxy}/metrics", headers={"Authorization": "Bearer wrong"})
    expect(r.status == 401, "metrics with a wrong token", r)
    r = anon.request("GET", f"{proxy}/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
    expect(r.status == 200 and "amahoro_http_request_duration_seconds" in r.text, "metrics with the token", r)
    expect("amahoro_task_queue_length" in r.text, "no queue depth in the metrics", r)

    step("a Celery worker heartbeat (beat -> Redis -> worker)")
    deadline = time.time() + worker_timeout
    while True:
        worker = anon.request("GET", f"http://{app_b}/health/ready").json()["checks"]["worker"]
        if worker.get("status") == "ok":
            break
        expect(time.time() < deadline, f"no worker heartbeat within {worker_timeout:.0f}s: {worker}")
        time.sleep(1)
    print(f"  worker heartbeat {worker['age_seconds']}s old", flush=True)


ARGS: argparse.Namespace


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--proxy-http-port", required=True)
    parser.add_argument("--app-a", required=True)
    parser.add_argument("--app-b", required=True)
    parser.add_argument("--metrics-token", required=True)
    parser.add_argument("--case-token", required=True)
    parser.add_argument("--worker-timeout", type=float, default=60)
    ARGS = parser.parse_args()
    journey(ARGS.proxy, ARGS.app_a, ARGS.app_b, ARGS.metrics_token, ARGS.worker_timeout)
    print("smoke journey passed", flush=True)


if __name__ == "__main__":
    sys.exit(main())
