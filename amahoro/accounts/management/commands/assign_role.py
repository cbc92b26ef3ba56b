"""amahoro assign_role USERNAME --organisation CODE --role ROLE --org-unit CODE"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.accounts.services import role_assign
from amahoro.core.cli import service_errors
from amahoro.geo.selectors import org_unit_by_code
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Role


class Command(BaseCommand):
    help = "Give a user a role in an organisation over an org-unit subtree."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True)
        parser.add_argument("--role", required=True, help="one of: " + ", ".join(r.value for r in Role))
        parser.add_argument("--org-unit", required=True, help="org-unit code; the role covers its subtree")

    def handle(self, *args: Any, username: str, **o: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user '{username}'")
        with service_errors():
            org = organisation_by_code(o["organisation"], field="--organisation", active=False)
        if o["role"] not in {r.value for r in Role}:
            raise CommandError(
                f"unknown role '{o['role']}' (--role; one of: {', '.join(r.value for r in Role)})"
            )
        with service_errors():
            unit = org_unit_by_code(o["org_unit"], field="--org-unit")
            # The server's operator may give any role, server-only ones included.
            a = role_assign(actor=policy.SYSTEM, user=user, organisation=org, role=o["role"], org_unit=unit)
        self.stdout.write(
            self.style.SUCCESS(f"{user.username} is {a.role} in {org.code} over {unit.code} ({unit.name})")
        )
