"""Backups of the whole database with a manifest, and restores into an empty database (docs/deploy.md,
"Backup and restore").

A backup is two files in AMAHORO_BACKUP_DIR named by UTC time (so they sort by time): the dump
(`amahoro-<time>.dump`, pg_dump's custom format; on SQLite `amahoro-<time>.sqlite3`, SQLite's online
backup) and, written last, its manifest (`amahoro-<time>.json`): time, Amahoro version, applied migrations,
rows per table, the dump's SHA-256, and the fingerprints (first 16 hex digits of SHA-256) of the
encryption keys its values need and of the blind-index key. Never the keys: a dump and its keys are kept
apart, and a restore refuses to run without every key the manifest names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dj_database_url
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from amahoro import __version__
from amahoro.core import crypto, rotation
from amahoro.core.errors import ValidationFailed

FORMAT = 1
CLIENT_HINT = (
    "PostgreSQL's client programs are missing: install them with `sudo apt-get install -y postgresql-client`"
    " (Debian/Ubuntu), the same major version as the server or newer"
)


class BackupFailed(ValidationFailed):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def fingerprint(key: str) -> str:
    """What a manifest records of a key: enough to recognise it, useless to decrypt anything."""
    return hashlib.sha256(key.strip().encode()).hexdigest()[:16]


def _encryption_keys() -> list[str]:
    return [k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip()]


def index_key() -> str:
    """The key the blind indexes are computed with (crypto.blind_index): FIELD_INDEX_KEY, else the oldest
    encryption key."""
    configured = str(getattr(settings, "FIELD_INDEX_KEY", "") or "")
    keys = _encryption_keys()
    return configured or (keys[-1] if keys else "")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keys_needed() -> dict[str, Any]:
    """The encryption keys that open at least one stored value or blob (each value is tried with the
    configured keys, newest first), and the blind-index key. Values no configured key opens are counted:
    a backup still runs, and says so."""
    keys = _encryption_keys()
    fernets = [Fernet(k.encode()) for k in keys]
    used: set[int] = set()
    unreadable = 0
    for column in crypto.encrypted_columns():
        for rows in rotation._raw_batches(column, 1000):
            for _pk, raw in rows:
                try:
                    token = crypto.token_of(raw, column.kind)
                except crypto.DecryptionFailed:
                    unreadable += 1
                    continue
                if token is None:
                    continue
                for i, fernet in enumerate(fernets):
                    try:
                        fernet.decrypt(token)
                    except InvalidToken:
                        continue
                    used.add(i)
                    break
                else:
                    unreadable += 1
    index = index_key()
    return {
        "encryption": [fingerprint(keys[i]) for i in sorted(used)],
        "index": fingerprint(index) if index else None,
        "index_source": "FIELD_INDEX_KEY" if getattr(settings, "FIELD_INDEX_KEY", "") else "oldest key",
        "unreadable_values": unreadable,
    }


# ---------------------------------------------------------------------------------------------------------
# Backup


@dataclass
class BackupResult:
    dump: Path
    manifest_path: Path
    manifest: dict[str, Any]


def backup_dir() -> Path:
    return Path(getattr(settings, "AMAHORO_BACKUP_DIR", None) or Path(settings.VAR_DIR) / "backups")


def backup_create(*, output_dir: Path | None = None) -> BackupResult:
    """Dump the configured database into `output_dir` (default AMAHORO_BACKUP_DIR) with its manifest."""
    target_dir = Path(output_dir) if output_dir else backup_dir()
    if not target_dir.is_absolute():
        target_dir = Path(settings.PROJECT_DIR) / target_dir
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.now(tz=UTC)
    stem = f"amahoro-{now:%Y%m%dT%H%M%S.%fZ}"
    vendor = connection.vendor
    suffix = {"postgresql": ".dump", "sqlite": ".sqlite3"}.get(vendor)
    if suffix is None:
        raise BackupFailed(f"amahoro backup supports PostgreSQL and SQLite, not {vendor}", field="database")
    n = 1
    while (target_dir / f"{stem}{suffix}").exists() or (target_dir / f"{stem}.json").exists():
        n += 1
        stem = f"amahoro-{now:%Y%m%dT%H%M%S.%fZ}-{n}"
    dump = target_dir / f"{stem}{suffix}"
    partial = target_dir / f".{stem}{suffix}.partial"
    try:
        if vendor == "postgresql":
            counts, migrations = _pg_dump(partial)
        else:
            counts, migrations = _sqlite_backup(partial)
        os.chmod(partial, 0o600)
        os.replace(partial, dump)
    finally:
        partial.unlink(missing_ok=True)
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "amahoro_version": __version__,
        "database": vendor,
        "dump": dump.name,
        "dump_sha256": sha256_of(dump),
        "dump_bytes": dump.stat().st_size,
        "migrations": migrations,
        "row_counts": counts,
        "keys": keys_needed(),
    }
    manifest_path = target_dir / f"{stem}.json"
    tmp = target_dir / f".{stem}.json.partial"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.chmod(tmp, 0o600)
    os.replace(tmp, manifest_path)  # last: "the newest file in the directory" is a complete backup
    return BackupResult(dump, manifest_path, manifest)


def _pg_params(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password through the environment."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} not found. {CLIENT_HINT}", field=name)
    return found


@contextmanager
def _pg_connect(settings_dict: dict[str, Any]) -> Iterator[Any]:
    import psycopg

    conn = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
    )
    try:
        yield conn
    finally:
        conn.close()


def _pg_counts(cur: Any) -> tuple[dict[str, int], list[str]]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [row[0] for row in cur.fetchall()]
    counts = {}
    for table in tables:
        cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
        counts[table] = int(cur.fetchone()[0])
    migrations: list[str] = []
    if "django_migrations" in counts:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cur.fetchall()]
    return counts, migrations


def _pg_dump(target: Path) -> tuple[dict[str, int], list[str]]:
    """pg_dump from an exported snapshot, counted in the same snapshot: the counts are the dump's."""
    pg_dump = _program("pg_dump")
    settings_dict = connection.settings_dict
    args, env = _pg_params(settings_dict)
    with _pg_connect(settings_dict) as conn, conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        counts, migrations = _pg_counts(cur)
        completed = subprocess.run(  # noqa: S603 (fixed program, no shell)
            [
                pg_dump,
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                str(settings_dict["NAME"]),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if completed.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {completed.stderr.strip()[-2000:]}", field="pg_dump")
    return counts, migrations


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], list[str]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}  # noqa: S608
    migrations: list[str] = []
    if "django_migrations" in counts:
        migrations = [
            f"{app}.{name}"
            for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        ]
    return counts, migrations


def _sqlite_backup(target: Path) -> tuple[dict[str, int], list[str]]:
    """SQLite's online backup API (consistent while the site writes), counted in the copy."""
    connection.ensure_connection()
    source = connection.connection
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        return _sqlite_counts(dest)
    finally:
        dest.close()


# ---------------------------------------------------------------------------------------------------------
# Restore


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    mismatches: dict[str, tuple[int, int]]  # table -> (manifest, restored)


def read_backup(path: Path) -> tuple[dict[str, Any], Path]:
    """The manifest and the dump of a backup named by either file."""
    path = Path(path)
    manifest_path = path if path.suffix == ".json" else path.with_suffix(".json")
    if not manifest_path.exists():
        raise BackupFailed(
            f"{manifest_path}: no manifest beside the dump; a restore needs both", field="path"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError as exc:
        raise BackupFailed(f"{manifest_path}: not a backup manifest ({exc})", field="path") from exc
    if manifest.get("format") != FORMAT or "dump" not in manifest:
        raise BackupFailed(f"{manifest_path}: not an Amahoro backup manifest (format {FORMAT})", field="path")
    dump = manifest_path.parent / manifest["dump"]
    if not dump.exists():
        raise BackupFailed(f"{dump}: the dump the manifest names is missing", field="path")
    return manifest, dump


def check_keys(manifest: dict[str, Any]) -> None:
    """Refuse a restore whose values the configured keys could not open, naming the missing key."""
    keys = manifest.get("keys") or {}
    configured = {fingerprint(k) for k in _encryption_keys()}
    for needed in keys.get("encryption", []):
        if needed not in configured:
            raise BackupFailed(
                f"encryption key {needed} (fingerprint) is not in FIELD_ENCRYPTION_KEYS: the backup holds "
                "values only that key opens. Configure it (any position) and retry.",
                field="FIELD_ENCRYPTION_KEYS",
            )
    index = keys.get("index")
    if index and fingerprint(index_key()) != index:
        raise BackupFailed(
            f"the blind indexes in this backup were computed with key {index} (fingerprint, "
            f"{keys.get('index_source', 'FIELD_INDEX_KEY')}); configure that key as FIELD_INDEX_KEY and retry",
            field="FIELD_INDEX_KEY",
        )


def backup_restore(*, path: Path, database_url: str) -> RestoreResult:
    """Restore a backup into the EMPTY database at `database_url`, after checking the dump's hash and that
    the configured keys include every key it needs; then compare the restored row counts with the
    manifest's."""
    manifest, dump = read_backup(path)
    actual = sha256_of(dump)
    if actual != manifest.get("dump_sha256"):
        raise BackupFailed(
            f"{dump.name}: SHA-256 {actual} does not match the manifest's {manifest.get('dump_sha256')}: "
            "the dump is damaged or not the one this manifest describes",
            field="path",
        )
    check_keys(manifest)
    target = dj_database_url.parse(database_url)
    engine = str(target.get("ENGINE", ""))
    if manifest["database"] == "postgresql":
        if "postgresql" not in engine:
            raise BackupFailed("a PostgreSQL dump restores into PostgreSQL only", field="database_url")
        counts = _pg_restore(dump, dict(target))
    elif manifest["database"] == "sqlite":
        if "sqlite" not in engine:
            raise BackupFailed("a SQLite backup restores into SQLite only", field="database_url")
        counts = _sqlite_restore(dump, Path(str(target["NAME"])))
    else:
        raise BackupFailed(f"unknown database kind {manifest['database']!r} in the manifest", field="path")
    expected = manifest.get("row_counts", {})
    mismatches = {
        table: (int(expected.get(table, -1)), int(counts.get(table, -1)))
        for table in set(expected) | set(counts)
        if expected.get(table) != counts.get(table)
    }
    return RestoreResult(manifest, counts, mismatches)


def _pg_restore(dump: Path, target: dict[str, Any]) -> dict[str, int]:
    pg_restore = _program("pg_restore")
    with _pg_connect(target) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'S', 'p')"
        )
        if cur.fetchone()[0]:
            raise BackupFailed(
                f"database {target['NAME']} is not empty: restore only into a new, empty database "
                "(createdb NAME), never over a live one",
                field="database_url",
            )
    args, env = _pg_params(target)
    completed = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [
            pg_restore,
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={target['NAME']}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {completed.stderr.strip()[-2000:]}", field="pg_restore")
    with _pg_connect(target) as conn, conn.cursor() as cur:
        return _pg_counts(cur)[0]


def _sqlite_restore(dump: Path, target: Path) -> dict[str, int]:
    if not target.is_absolute():
        raise BackupFailed(f"the SQLite target must be an absolute path, not {target}", field="database_url")
    if target.exists() and target.stat().st_size > 0:
        with sqlite3.connect(target) as probe:
            tables = probe.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise BackupFailed(
                f"{target} is not empty: restore only into a new, empty database file", field="database_url"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        return _sqlite_counts(dest)[0]
    finally:
        source.close()
        dest.close()


def unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations the backup has applied that this code does not know (a backup from a newer version)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    return sorted(set(manifest.get("migrations", [])) - known)
