"""amahoro totp_enrolment USERNAME: issue a one-time two-factor enrolment code (and link) for a user and
print it. For whoever holds the server (e.g. the first administrator, or a reset); shown once, hashed at rest."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.accounts.services import totp_enrolment_issue


class Command(BaseCommand):
    help = (
        "Issue a one-time TOTP enrolment code for a user (resets their authenticator) and print it with the "
        "enrolment link. Hand it over out of band."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url",
            default="",
            help="the site's address, e.g. https://amahoro.example.org, for the link",
        )

    def handle(self, *args: Any, username: str, base_url: str, **o: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user '{username}'")
        if not user.is_active:
            raise CommandError(f"user '{username}' is inactive")
        enrolment, code = totp_enrolment_issue(actor=policy.SYSTEM, user=user)
        link = base_url.rstrip("/") + reverse("accounts:two_factor_enrol", kwargs={"code": code})
        self.stdout.write(f"code: {code}\nlink: {link}\nvalid until: {enrolment.expires_at.isoformat()}")
