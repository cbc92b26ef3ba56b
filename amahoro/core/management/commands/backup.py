"""`amahoro backup [--output DIR]`: dump the database with a manifest of what a restore needs (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro.core import backup
from amahoro.core.cli import call


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format; SQLite: online backup) into AMAHORO_BACKUP_DIR with a "
        "JSON manifest: time, version, migrations, row counts, SHA-256, fingerprints of the keys it needs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="directory (default AMAHORO_BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = call(backup.backup_create, output_dir=options["output"])
        manifest = result.manifest
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"backup: {result.dump} ({manifest['dump_bytes']} bytes, {rows} rows)")
        self.stdout.write(f"manifest: {result.manifest_path}")
        keys = manifest["keys"]
        self.stdout.write(
            "keys needed (fingerprints): encryption "
            + (", ".join(keys["encryption"]) or "none")
            + f"; blind index {keys['index'] or 'none'} ({keys['index_source']})"
        )
        if keys["unreadable_values"]:
            self.stderr.write(
                f"warning: {keys['unreadable_values']} stored values open with none of the configured keys"
            )
