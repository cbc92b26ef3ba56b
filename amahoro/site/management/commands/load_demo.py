"""amahoro load_demo: demo organisations, contacts and one user per role; prints the logins. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro import policy
from amahoro.core.cli import service_errors
from amahoro.site.demo import PASSWORD_ENV, demo_load, logins_table


class Command(BaseCommand):
    help = (
        "Load demo organisations and users (one per role) into a database that has Rwanda loaded. "
        f"Password from {PASSWORD_ENV} or the printed default. Never run this on a production database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            result = demo_load(actor=policy.SYSTEM)
        created = len(result.organisations_created), len(result.users_created)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created[0]} organisations and {created[1]} users created)."
            )
        )
        for note in result.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write("\nDemo logins:\n" + logins_table(result) + "\n")
