"""amahoro demo_logins: print the demo logins again (after `amahoro load_demo`). Changes nothing but this:
demo case roles without an authenticator get a fresh two-factor enrolment code (the old one stops working)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amahoro.accounts.models import User
from amahoro.geo.models import OrgUnit
from amahoro.roles import TWO_FACTOR_ROLES
from amahoro.site.demo import USERS, DemoLogin, DemoResult, demo_enrolment, demo_password, logins_table


class Command(BaseCommand):
    help = "Print the demo logins (username, password, role, organisation, scope)."

    def handle(self, *args: Any, **options: Any) -> None:
        present = set(
            User.objects.filter(username__in=[u.username for u in USERS]).values_list("username", flat=True)
        )
        if not present:
            raise CommandError("no demo users: run `amahoro load_demo` first")
        names = dict(OrgUnit.objects.filter(code__in=[u.org_unit for u in USERS]).values_list("code", "name"))
        result = DemoResult(password=demo_password())
        users = {u.username: u for u in User.objects.filter(username__in=present)}
        result.logins = [
            DemoLogin(
                u.username,
                u.role.value,
                u.organisation,
                f"{u.org_unit} {names.get(u.org_unit, '')}".strip(),
                u.role in TWO_FACTOR_ROLES,
                enrolment=demo_enrolment(users[u.username], reissue=True)
                if u.role in TWO_FACTOR_ROLES
                else "",
            )
            for u in USERS
            if u.username in present
        ]
        self.stdout.write(logins_table(result))
