"""amahoro create_token USERNAME: prints a new API token (shown once; only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (use as 'Authorization: Token <key>')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label for the token")

    def handle(self, *args: Any, username: str, name: str, **o: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user '{username}'")
        if not user.is_active:
            raise CommandError(f"user '{username}' is inactive")
        _, key = token_create(actor=policy.SYSTEM, user=user, name=name)
        self.stdout.write(key)
