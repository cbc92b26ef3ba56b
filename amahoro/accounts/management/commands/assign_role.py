"""amahoro assign_role USERNAME --organisation CODE --role ROLE --org-unit CODE"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.accounts.models import User
from amahoro.accounts.services import role_assign
from amahoro.core.cli import service_errors
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
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
        org = Organisation.objects.filter(code=o["organisation"]).first()
        if org is None:
            raise CommandError(f"unknown organisation '{o['organisation']}' (--organisation)")
        if o["role"] not in {r.value for r in Role}:
            raise CommandError(
                f"unknown role '{o['role']}' (--role; one of: {', '.join(r.value for r in Role)})"
            )
        unit = OrgUnit.objects.filter(code=o["org_unit"]).first()
        if unit is None:
            raise CommandError(f"unknown org unit '{o['org_unit']}' (--org-unit)")
        with service_errors():
            a = role_assign(
                actor=None, user=user, organisation=org, role=o["role"], org_unit=unit, enforce_policy=False
            )
        self.stdout.write(
            self.style.SUCCESS(f"{user.username} is {a.role} in {org.code} over {unit.code} ({unit.name})")
        )
