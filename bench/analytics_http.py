"""The HTTP figure of `make bench`: concurrent clients asking GET /api/v1/analytics of Amahoro started the way
production starts it (gunicorn, production settings), over the data set bench/run.py generated.

Called by bench/run.py after its in-process timings (same database, same analytics store); not a script of
its own. The load generator is plain Python: one thread per client, each with its own keep-alive
http.client connection (gunicorn's sync workers close it after every answer; the client reopens), a token
per client (`Authorization: Token <key>`, one account each, as twenty people at their dashboards would be),
a warm-up, then a fixed duration. The clients run on the same machine as gunicorn and the database.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
ORGANISATION = "BENCH_HTTP"


def analytics_path(de_code: str, months: list[str]) -> str:
    """The question: one data element x district x month x sex (DHIS2's analytics shape)."""
    query = [
        ("dimension", f"dx:{de_code}"),
        ("dimension", "pe:" + ";".join(months)),
        ("dimension", "ou:LEVEL-district"),
        ("dimension", "SEX"),
    ]
    return "/api/v1/analytics?" + urlencode(query, safe=":;")


def client_tokens(count: int) -> list[str]:
    """`count` accounts with a national data viewer role and one API token each (in the database Django is
    configured with; created once, new keys each run)."""
    from amahoro.accounts.models import ApiToken, RoleAssignment, User
    from amahoro.organisations.models import Organisation

    org = Organisation.objects.get_or_create(
        code=ORGANISATION, defaults={"name": "Benchmark readers", "type": "ministry"}
    )[0]
    keys = []
    for i in range(count):
        user, created = User.objects.get_or_create(username=f"bench_http_{i:02d}")
        if created:
            user.set_unusable_password()
            user.save()
            RoleAssignment.objects.create(user=user, organisation=org, role="viewer", org_unit=None)
        ApiToken.objects.filter(user=user).delete()
        key = ApiToken.new_key()
        ApiToken.objects.create(user=user, name="bench", prefix=key[:8], key_hash=ApiToken.hash(key))
        keys.append(key)
    return keys


# ---------------------------------------------------------------------------------------------------------
# The load generator


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    index = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return round(sorted_ms[index], 2)


def fetch(base_url: str, path: str, token: str) -> tuple[int, bytes]:
    """One request (status, body): e.g. to warm a server up or to check the answer before a load run."""
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def load(
    base_url: str, path: str, tokens: list[str], *, seconds: float, warmup: float = 2.0
) -> dict[str, Any]:
    """One thread per token asks `path` again and again for `warmup` seconds (not counted) then `seconds`:
    the requests begun inside that window count (closed loop: a client asks again as soon as it has its
    answer). Returns latency percentiles (ms), answers per second, status counts and the load average."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[list[float]] = [[] for _ in tokens]
    statuses: list[Counter[int | str]] = [Counter() for _ in tokens]
    sizes: list[int] = [0 for _ in tokens]
    start_at = time.perf_counter() + warmup
    stop_at = start_at + seconds
    barrier = threading.Barrier(len(tokens))

    def client(i: int, token: str) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        barrier.wait()
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status: int | str = response.status
                if response.will_close:
                    conn.close()
            except Exception as exc:
                conn.close()
                status, body = type(exc).__name__, b""
            ended = time.perf_counter()
            if began >= start_at:  # begun inside the timed window (the last one may end after it)
                latencies[i].append((ended - began) * 1000)
                statuses[i][status] += 1
                if status == 200:
                    sizes[i] = len(body)
        conn.close()

    load_before = [round(x, 2) for x in os.getloadavg()]
    threads = [threading.Thread(target=client, args=(i, t), daemon=True) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended_at = time.perf_counter()
    load_after = [round(x, 2) for x in os.getloadavg()]
    all_ms = sorted(ms for per in latencies for ms in per)
    counts: Counter[int | str] = Counter()
    for c in statuses:
        counts.update(c)
    ok = counts.get(200, 0)
    return {
        "clients": len(tokens),
        "seconds": seconds,
        "warmup_s": warmup,
        "requests": len(all_ms),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))},
        "requests_per_s": round(ok / (max(stop_at, ended_at) - start_at), 1),
        "p50_ms": _percentile(all_ms, 0.50),
        "p95_ms": _percentile(all_ms, 0.95),
        "p99_ms": _percentile(all_ms, 0.99),
        "mean_ms": round(statistics.fmean(all_ms), 2) if all_ms else 0.0,
        "max_ms": round(all_ms[-1], 2) if all_ms else 0.0,
        "body_bytes": max(sizes),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


# ---------------------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_environment(database_url: str, analytics_dir: str, var_dir: str) -> dict[str, str]:
    """The environment production settings require (docs/deploy.md, .env.example), throwaway secrets."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="amahoro.settings.prod",
        DATABASE_URL=database_url,
        SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_INDEX_KEY=secrets.token_urlsafe(48),
        SECURE_SSL_REDIRECT="false",
        AMAHORO_VAR_DIR=var_dir,
        AMAHORO_ANALYTICS_DIR=analytics_dir,
    )
    return env


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log_path: Path) -> Iterator[str]:
    """gunicorn amahoro.wsgi:application with `workers` sync workers on a free loopback port; yields its
    base URL once /health answers, stops it afterwards."""
    binary = Path(sys.executable).parent / "gunicorn"
    if not binary.exists():
        raise SystemExit(f"{binary} is missing: install the prod extra (pip install -e '.[prod]')")
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(binary),
                "amahoro.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 90
            while True:
                try:
                    with urllib.request.urlopen(base + "/health", timeout=2):
                        break
                except OSError:
                    if server.poll() is not None or time.time() > deadline:
                        raise SystemExit(f"gunicorn did not start: see {log_path}") from None
                    time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
