"""amahoro import_framework FILE [--organisation CODE] [--dry-run]: a results framework from YAML, JSON or
the XLSX template. All-or-nothing: every error is printed with its place in the file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.core.cli import service_errors
from amahoro.frameworks.interchange import FrameworkImportFailed, framework_import, read_file
from amahoro.organisations.selectors import organisation_by_code


class Command(BaseCommand):
    help = "Import a results framework (nodes, indicators, targets, links) from .yaml, .json or .xlsx"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--organisation", help="code of the owning organisation (overrides the file)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args: Any, file: str, organisation: str | None, dry_run: bool, **options: Any) -> None:
        try:
            with service_errors():
                org = organisation_by_code(organisation, required=False, active=False)
                report = framework_import(
                    actor=policy.SYSTEM, bundle=read_file(file), organisation=org, dry_run=dry_run
                )
        except CommandError as exc:
            cause = exc.__cause__
            if isinstance(cause, FrameworkImportFailed):
                for e in cause.errors:
                    self.stderr.write(f"{e['where']}: {e['message']}")
                raise CommandError(f"{len(cause.errors)} error(s); nothing was imported") from None
            raise
        self.stdout.write(self.style.SUCCESS(report.summary()))
