"""amahoro create_organisation CODE "NAME" --type ngo|ministry|police|osc|donor|un|cso [--area CODE ...]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro import policy
from amahoro.core.cli import service_errors
from amahoro.geo.selectors import org_unit_by_code
from amahoro.organisations.models import OrganisationType
from amahoro.organisations.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--type", required=True, choices=OrganisationType.values)
        parser.add_argument("--short-name", default="")
        parser.add_argument(
            "--area", action="append", default=[], help="org-unit code where it operates (repeatable)"
        )

    def handle(self, *args: Any, code: str, name: str, **o: Any) -> None:
        with service_errors():
            areas = [org_unit_by_code(area, field="--area") for area in o["area"]]
            org = organisation_create(
                actor=policy.SYSTEM,
                code=code,
                name=name,
                type=o["type"],
                short_name=o["short_name"],
                areas=areas,
            )
        self.stdout.write(self.style.SUCCESS(f"created organisation {org.code}: {org.name} ({org.type})"))
