"""`amahoro backup` / `amahoro restore` end to end: a backup of cases (encrypted values included) restored
into a new database matches the manifest's counts and its values decrypt with the keys; a restore refuses
a non-empty target, a damaged dump and a missing key (named by fingerprint), and a manifest never holds a
key."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from amahoro.cases.models import Incident, Survivor
from amahoro.core import backup, crypto

from .conftest import ACCOUNT, NAME, create

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and SQLite's backup see committed rows only


@pytest.fixture(scope="module", autouse=True)
def _reference_back_for_later_tests(django_db_blocker: Any) -> Iterator[None]:
    """A transactional test ends by emptying the tables: put the session's Rwanda back for the tests of
    other modules that rely on it."""
    yield
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.geo.services import rwanda_load

    with django_db_blocker.unblock():
        if not OrgUnit.objects.filter(code="RW").exists():
            rwanda_load(actor=policy.SYSTEM)


@pytest.fixture
def reference(transactional_db: Any) -> None:
    """Rwanda's org units, loaded again when an earlier transactional test emptied the tables."""
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.geo.services import rwanda_load

    if not OrgUnit.objects.filter(code="RW").exists():
        rwanda_load(actor=policy.SYSTEM)


def _make_cases(cc: Any) -> Incident:
    incident = create(cc.worker)
    create(cc.worker, account="A second account")
    return incident


def _check_restored(
    rows: dict[str, int], raw_account: str, raw_identity: str, manifest: dict[str, Any], incidents: int = 2
) -> None:
    assert rows == manifest["row_counts"]
    assert manifest["row_counts"][Incident._meta.db_table] == Incident.objects.count() == incidents
    assert raw_account.startswith(crypto.PREFIX) and ACCOUNT not in raw_account
    assert crypto.decrypt(raw_account) == ACCOUNT
    assert json.loads(crypto.decrypt(raw_identity))["name"] == NAME


@pytest.fixture
def pg_target() -> Iterator[str]:
    """A new, empty database beside the test database, dropped afterwards."""
    import psycopg

    s = connection.settings_dict
    name = f"amahoro_restore_test_{secrets.token_hex(4)}"
    params = {"user": s.get("USER") or None, "password": s.get("PASSWORD") or None}
    params |= {"host": s.get("HOST") or None, "port": s.get("PORT") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = s.get("USER") or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    yield f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _refusals(result: backup.BackupResult, target: str, settings: Any) -> None:
    """What a restore refuses before it touches the target: a missing key (named by fingerprint), another
    blind-index key, a damaged dump."""
    keys = result.manifest["keys"]
    assert keys["encryption"] and keys["index"] and len(keys["index"]) == 16
    text = result.manifest_path.read_text()
    for key in [*settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_INDEX_KEY]:
        assert key not in text
    other = Fernet.generate_key().decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[other]),
        pytest.raises(backup.BackupFailed, match=keys["encryption"][0]),
    ):
        backup.backup_restore(path=result.manifest_path, database_url=target)
    with (
        override_settings(FIELD_INDEX_KEY="another-index-key"),
        pytest.raises(backup.BackupFailed, match=keys["index"]),
    ):
        backup.backup_restore(path=result.manifest_path, database_url=target)
    damaged = result.dump.with_name("damaged" + result.dump.suffix)
    damaged.write_bytes(result.dump.read_bytes()[:-10] + b"\x00damaged\x00")
    manifest = {**result.manifest, "dump": damaged.name}
    damaged.with_suffix(".json").write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupFailed, match="SHA-256"):
        backup.backup_restore(path=damaged.with_suffix(".json"), database_url=target)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (SQLite has its own test)")
def test_postgresql_backup_restores_into_a_new_database(
    reference: None, cc: Any, tmp_path: Path, pg_target: str, settings: Any
) -> None:
    import psycopg

    settings.FIELD_INDEX_KEY = "an-index-key-kept-apart"
    incident = _make_cases(cc)
    out = StringIO()
    call_command("backup", "--output", str(tmp_path), stdout=out)
    manifest_path = next(tmp_path.glob("amahoro-*.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["database"] == "postgresql" and manifest["dump"].endswith(".dump")
    dump = tmp_path / manifest["dump"]
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    _refusals(backup.BackupResult(dump, manifest_path, manifest), pg_target, settings)

    call_command("restore", str(manifest_path), "--database-url", pg_target, stdout=out)
    assert "row counts match the manifest" in out.getvalue()

    # Read the restored database directly and check counts and decryption with the configured keys.
    target = backup.dj_database_url.parse(pg_target)
    with psycopg.connect(
        dbname=target["NAME"], user=target["USER"] or None, host=target["HOST"], port=target["PORT"]
    ) as conn:
        rows = backup._pg_counts(conn.cursor())[0]
        account = conn.execute(
            f"SELECT account FROM {Incident._meta.db_table} WHERE id = %s",  # noqa: S608
            [incident.pk],
        ).fetchone()[0]
        identity = conn.execute(
            f"SELECT identity FROM {Survivor._meta.db_table} WHERE id = %s",  # noqa: S608
            [incident.survivor_id],
        ).fetchone()[0]
    _check_restored(rows, account, identity, manifest)

    # Never over a database that holds anything.
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(manifest_path), "--database-url", pg_target, stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only (PostgreSQL has its own test)")
def test_sqlite_backup_restores_into_a_new_file(
    reference: None, cc: Any, tmp_path: Path, settings: Any
) -> None:
    import sqlite3

    settings.FIELD_INDEX_KEY = "an-index-key-kept-apart"
    settings.AMAHORO_BACKUP_DIR = tmp_path / "backups"
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    incident = _make_cases(cc)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        create(cc.worker, account="written under the new key")
        first = backup.backup_create()
        result = backup.backup_create()
    # Two backups in AMAHORO_BACKUP_DIR, sorting by time, each manifest written after its dump.
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert names == sorted(
        p.name for p in (first.dump, first.manifest_path, result.dump, result.manifest_path)
    )
    assert first.manifest_path.name < result.manifest_path.name
    assert result.manifest_path.stat().st_mtime >= result.dump.stat().st_mtime
    assert oct(result.dump.stat().st_mode & 0o777) == "0o600"

    # The manifest: the keys the values need (both: some values are under each), by fingerprint only.
    manifest = result.manifest
    assert manifest["dump"].endswith(".sqlite3") and manifest["dump_sha256"] == backup.sha256_of(result.dump)
    assert manifest["keys"]["encryption"] == [backup.fingerprint(new), *(backup.fingerprint(k) for k in old)]
    assert manifest["keys"]["index"] == backup.fingerprint("an-index-key-kept-apart")
    assert manifest["keys"]["unreadable_values"] == 0
    assert "cases.0001_initial" in manifest["migrations"]
    target = tmp_path / "restored.sqlite3"
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        _refusals(result, f"sqlite:///{target}", settings)
    with pytest.raises(backup.BackupFailed, match=backup.fingerprint(new)):  # the configured keys lack `new`
        backup.backup_restore(path=result.manifest_path, database_url=f"sqlite:///{target}")
    assert not target.exists()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        restored = backup.backup_restore(path=result.dump, database_url=f"sqlite:///{target}")
    assert restored.mismatches == {}
    with sqlite3.connect(target) as conn:
        rows = backup._sqlite_counts(conn)[0]
        account = conn.execute(
            f"SELECT account FROM {Incident._meta.db_table} WHERE id = ?",  # noqa: S608
            [incident.pk],
        ).fetchone()[0]
        identity = conn.execute(
            f"SELECT identity FROM {Survivor._meta.db_table} WHERE id = ?",  # noqa: S608
            [str(incident.survivor_id).replace("-", "")],
        ).fetchone()[0]
    _check_restored(rows, account, identity, manifest, incidents=3)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]),
        pytest.raises(backup.BackupFailed, match="is not empty"),
    ):
        backup.backup_restore(path=result.manifest_path, database_url=f"sqlite:///{target}")
