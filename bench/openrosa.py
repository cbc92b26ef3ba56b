"""OpenRosa benchmark: sustained submissions per second against Amahoro started the way production starts
it (gunicorn, production settings, PostgreSQL), and the time to map 100k submissions into data values.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/openrosa.py
    DATABASE_URL=... .venv/bin/python bench/openrosa.py --seconds 10 --workers 4 --mapped 20000   # shorter

Uses (drops and re-creates) a database named `bench_openrosa` on the DATABASE_URL server; gunicorn must be
installed (the `prod` extra: `pip install -e ".[prod]"`, which `make bench` does; see docs/deploy.md). Each client process does what ODK Collect does
for every record: HEAD /openrosa/submission, then a multipart POST with HTTP Basic. Prints the figures
and writes var/bench/openrosa.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "var" / "bench" / "openrosa.json"
PASSWORD = "bench-password-2026"  # a throwaway account in a throwaway database
DB_NAME = "bench_openrosa"


def environment(base_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    server = base_url.rsplit("/", 1)[0]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="amahoro.settings.prod",
        DATABASE_URL=f"{server}/{DB_NAME}",
        SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_INDEX_KEY=uuid.uuid4().hex * 2,
        SECURE_SSL_REDIRECT="false",
    )
    return env


def recreate_database(base_url: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "amahoro.manage", *args], env=env, cwd=ROOT, check=True)


SETUP = """
from amahoro.accounts.models import RoleAssignment, User
from amahoro.collection import services
from amahoro.collection.tests.factories import dialogue_form
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
org = Organisation.objects.create(code="NGO1", name="Bench NGO", type="ngo")
user = User.objects.create_user(username="enumerator", password="{password}")
RoleAssignment.objects.create(user=user, organisation=org, role="data_clerk", org_unit=OrgUnit.objects.get(code="1101"))
admin = User.objects.create_user(username="officer", password="{password}")
RoleAssignment.objects.create(user=admin, organisation=org, role="me_officer", org_unit=OrgUnit.objects.get(code="RW"))
services.form_upload(actor=admin, organisation=org, content=dialogue_form(), filename="dialogue.xlsx")
"""


def client_loop(port: int, seconds: float, results: Any) -> None:
    from amahoro.collection.tests.openrosa_client import OpenRosaClient

    sys.path.insert(0, str(ROOT))
    client = OpenRosaClient(f"http://127.0.0.1:{port}/openrosa", "enumerator", PASSWORD)
    done = errors = 0
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        xml = instance(f"uuid:{uuid.uuid4()}")
        started = time.perf_counter()
        head = client.head()
        reply = client.submit(xml)
        latencies.append(time.perf_counter() - started)
        if head.status == 204 and reply.status == 201:
            done += 1
        else:
            errors += 1
    client.close()
    results.put((done, errors, latencies))


def instance(instance_id: str) -> bytes:
    return (
        '<?xml version="1.0"?><data id="dialogue" version="1"><session_date>2026-03-14</session_date>'
        "<village>1101</village><facilitator><fac_sex>F</fac_sex></facilitator><men>4</men><women>7</women>"
        "<total>11</total><topics>gbv</topics><participant><p_sex>F</p_sex><p_age>15_24</p_age></participant>"
        "<participant><p_sex>M</p_sex><p_age>25_49</p_age></participant><location>-1.94 30.06 1500 5</location>"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def submissions_per_second(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    port = args.port or free_port()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    log = (OUT.parent / "openrosa-gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "amahoro.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", timeout=90)
        results: Any = mp.Queue()
        procs = [mp.Process(target=client_loop, args=(port, 2.0, results)) for _ in range(2)]  # warm-up
        for p in procs:
            p.start()
        for _ in procs:
            results.get()
        procs = [
            mp.Process(target=client_loop, args=(port, args.seconds, results)) for _ in range(args.clients)
        ]
        started = time.perf_counter()
        for p in procs:
            p.start()
        outcomes = [results.get() for _ in procs]
        elapsed = time.perf_counter() - started
        for p in procs:
            p.join()
    finally:
        server.terminate()
        server.wait(60)
        log.close()
    done = sum(o[0] for o in outcomes)
    latencies = sorted(lat for o in outcomes for lat in o[2])
    return {
        "submissions": done,
        "errors": sum(o[1] for o in outcomes),
        "seconds": round(elapsed, 2),
        "per_second": round(done / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        "clients": args.clients,
        "workers": args.workers,
    }


def mapping_time(env: dict[str, str], count: int) -> dict[str, Any]:
    os.environ.update(env)
    import django

    django.setup()
    from django.db import transaction

    from amahoro.accounts.models import User
    from amahoro.collection import mapping
    from amahoro.collection.models import Submission, XForm
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.importer import metadata_import
    from amahoro.metadata.models import DataElement
    from amahoro.metadata.tests.factories import SEX_AGE_PAYLOAD

    metadata_import(actor=None, payload=SEX_AGE_PAYLOAD)
    form = XForm.objects.get(form_id="dialogue")
    villages = list(OrgUnit.objects.filter(level__code="village", path__startswith="/RW/1/11/")[:400])
    existing = Submission.objects.filter(form=form).count()
    rows = []
    for i in range(count):
        sex, age = ("F", "M")[i % 2], ("15_24", "25_49")[(i // 2) % 2]
        rows.append(
            Submission(
                form=form,
                instance_id=f"uuid:bulk-{i}",
                xml="<data/>",
                xml_md5="0" * 32,
                data={
                    "session_date": f"2025-{1 + i % 12:02d}-15",
                    "men": str(i % 9),
                    "participant": [{"p_sex": sex, "p_age": age}, {"p_sex": "F", "p_age": "25_49"}],
                },
                org_unit=villages[i % len(villages)],
            )
        )
    with transaction.atomic():
        Submission.objects.bulk_create(rows, batch_size=5000)
    officer = User.objects.get(username="officer")
    started = time.perf_counter()
    rule, run = mapping.mapping_rule_save(
        actor=officer,
        form=form,
        data_element=DataElement.objects.get(code="GBV_AWARE"),
        name="Participants",
        repeat="participant",
        disaggregate_by=["p_sex", "p_age"],
        period_field="session_date",
    )
    first = time.perf_counter() - started
    started = time.perf_counter()
    mapping.mapping_run(actor=officer, rule=rule)
    again = time.perf_counter() - started
    return {
        "submissions": count + existing,
        "values": run.values,
        "first_run_s": round(first, 2),
        "rerun_unchanged_s": round(again, 2),
        "import_status": run.import_summary.get("status"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers",
        default="3,4",
        help="gunicorn worker counts to measure, comma-separated (default 3,4: on 2 cores shared with the "
        "clients and PostgreSQL, 3 measured best; docs/deploy.md starts 4)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--mapped", type=int, default=100_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (production runs on PostgreSQL)")
    env = environment(base)
    recreate_database(base)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_reference", "rwanda")
    manage(env, "shell", "-c", SETUP.format(password=PASSWORD))
    runs = []
    for workers in [int(w) for w in str(args.workers).split(",") if w.strip()]:
        runs.append(submissions_per_second(env, argparse.Namespace(**{**vars(args), "workers": workers})))
        print(json.dumps(runs[-1]), flush=True)
    best = max(runs, key=lambda r: r["per_second"])
    report = {"openrosa": best, "openrosa_runs": runs, "mapping": mapping_time(env, args.mapped)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
