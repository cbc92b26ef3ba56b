"""amahoro load_reference rwanda: Rwanda's administrative hierarchy with NISR and ISO 3166-2 codes.

Other domain apps add data sets here (e.g. `nap-rw-2018`) through REFERENCE_LOADERS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.core.cli import service_errors
from amahoro.core.reference import REFERENCE_LOADERS


class Command(BaseCommand):
    help = "Load a reference data set: " + ", ".join(sorted(REFERENCE_LOADERS))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", help="one of: " + ", ".join(sorted(REFERENCE_LOADERS)))

    def handle(self, *args: Any, dataset: str, **options: Any) -> None:
        loader = REFERENCE_LOADERS.get(dataset)
        if loader is None:
            raise CommandError(
                f"unknown reference data set '{dataset}' (known: {', '.join(sorted(REFERENCE_LOADERS))})"
            )
        with service_errors():
            summary = loader()
        self.stdout.write(self.style.SUCCESS(summary))
