"""`amahoro import_peacekeeping_csv FILE --user USERNAME [--country RWA] [--dry-run]`: the UN peacekeeping
contributions-by-gender CSV into WPS_PK_DEPLOYED (all or nothing; see docs/participation.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.participation.services import participation_setup, peacekeeping_csv_import


class Command(BaseCommand):
    help = "Import the UN peacekeeping contributions-by-gender CSV for one contributing country."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--country", default="RWA", help="ISO 3166 alpha-3 code (default RWA)")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--user",
            required=True,
            help="the account the values are entered as (needs data.enter nationally)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        from amahoro.accounts.models import User

        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user '{options['user']}'")
        try:
            participation_setup(actor=policy.SYSTEM)
            result = peacekeeping_csv_import(
                actor=user, content=path.read_bytes(), country=options["country"], dry_run=options["dry_run"]
            )
        except AmahoroError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{'[dry run] ' if options['dry_run'] else ''}{len(result.periods)} months "
            f"({result.periods[0]}..{result.periods[-1]}), {result.values} values: {result.imported} imported, "
            f"{result.updated} updated, {result.unchanged} unchanged; {result.rows_used} rows used, "
            f"{result.rows_other_countries} of other countries skipped"
        )
