"""amahoro import_boundaries FILE.geojson --level LEVEL --code-property PROP [--match name]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.core.cli import service_errors
from amahoro.geo.services import boundaries_import


class Command(BaseCommand):
    help = "Attach GeoJSON geometries to org units of a level, matched by code (or by name)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--level", required=True, help="level code, e.g. district")
        parser.add_argument(
            "--code-property", default="id", help="feature property holding the org-unit code"
        )
        parser.add_argument(
            "--name-property", default="name", help="feature property holding the name (--match name)"
        )
        parser.add_argument("--match", choices=["code", "name"], default="code")
        parser.add_argument(
            "--code-prefix", default="", help="prefix added to property values before matching"
        )
        parser.add_argument("--strict", action="store_true", help="exit non-zero if any feature is unmatched")

    def handle(self, *args: Any, **o: Any) -> None:
        with service_errors():
            result = boundaries_import(
                actor=policy.SYSTEM,
                source=o["file"],
                level=o["level"],
                code_property=o["code_property"],
                match=o["match"],
                name_property=o["name_property"],
                code_prefix=o["code_prefix"],
            )
        self.stdout.write(self.style.SUCCESS(f"matched {len(result.matched)} features"))
        if result.unmatched:
            self.stdout.write(self.style.WARNING(f"{len(result.unmatched)} features not matched:"))
            for item in result.unmatched:
                self.stdout.write(
                    f"  feature {item['feature']}: {json.dumps(item['value'])}: {item['reason']}"
                )
            if o["strict"]:
                raise CommandError(f"{len(result.unmatched)} features not matched")
