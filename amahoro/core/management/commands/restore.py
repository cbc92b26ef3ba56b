"""`amahoro restore PATH --database-url URL`: restore a backup into an empty database (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.core import backup
from amahoro.core.cli import call


class Command(BaseCommand):
    help = (
        "Restore a backup (its .json manifest or its dump) into an EMPTY database, after checking the dump's "
        "SHA-256 and that the configured keys include every key the manifest names; compares row counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup's manifest (.json) or dump")
        parser.add_argument(
            "--database-url",
            required=True,
            help="the empty target, e.g. postgres://amahoro@db/amahoro_restored (never the live database)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = call(backup.backup_restore, path=options["path"], database_url=options["database_url"])
        rows = sum(result.row_counts.values())
        self.stdout.write(f"restored {len(result.row_counts)} tables, {rows} rows")
        newer = backup.unknown_migrations(result.manifest)
        if newer:
            self.stderr.write(
                "warning: the backup has migrations this code does not know (restore with the version "
                f"{result.manifest.get('amahoro_version')} that made it): {', '.join(newer[:10])}"
            )
        if result.mismatches:
            detail = ", ".join(
                f"{t}: manifest {a}, restored {b}" for t, (a, b) in sorted(result.mismatches.items())
            )
            raise CommandError(f"row counts differ from the manifest: {detail}")
        self.stdout.write("row counts match the manifest")
