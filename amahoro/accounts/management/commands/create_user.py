"""amahoro create_user USERNAME --password P [--email E]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro import policy
from amahoro.accounts.services import user_create
from amahoro.core.cli import service_errors


class Command(BaseCommand):
    help = "Create a user account (no role until assign_role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--skip-password-check", action="store_true", help="accept a weak password (test set-ups)"
        )

    def handle(self, *args: Any, username: str, **o: Any) -> None:
        with service_errors():
            user = user_create(
                actor=policy.SYSTEM,
                username=username,
                password=o["password"],
                email=o["email"],
                first_name=o["first_name"],
                last_name=o["last_name"],
                check_password_strength=not o["skip_password_check"],
            )
        self.stdout.write(self.style.SUCCESS(f"created user {user.username}"))
