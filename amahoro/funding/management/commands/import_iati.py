"""``amahoro import_iati FILE --organisation CODE``: import an IATI activity file (2.01-2.03, 1.01-1.05) for
an organisation, as the system, and print the summary (counts and a reason per skip) as JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.funding.iati import iati_import
from amahoro.organisations.selectors import organisation_by_code


class Command(BaseCommand):
    help = "Import an IATI activity file for an organisation and print the summary as JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="code of the organisation to record it for")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            org = organisation_by_code(options["organisation"], active=False)
            summary = iati_import(
                actor=policy.SYSTEM, content=path.read_bytes(), organisation=org, filename=path.name
            )
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        except AmahoroError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(summary.as_dict() | {"organisation": org.code}, indent=2))
