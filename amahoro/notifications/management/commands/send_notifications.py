"""`amahoro send_notifications`: send the due e-mail and SMS notifications once (for cron, every minute;
Celery beat runs the same by itself, see amahoro/notifications/schedule.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro.notifications.sending import send_pending


class Command(BaseCommand):
    help = (
        "Send the e-mail and SMS notifications that are due: new ones, failed ones whose back-off has "
        "passed, and ones a stopped sender left half-sent. Prints how many were sent, retried and failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Claim at most this many deliveries")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = send_pending(limit=options["limit"])
        self.stdout.write(f"send_notifications: {summary}")
