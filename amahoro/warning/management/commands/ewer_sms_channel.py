"""`amahoro ewer_sms_channel <code> <name>`: create an inbound SMS channel (or give it a new secret) and print
the secret once; the gateway calls POST /api/v1/ewer/inbound/sms/<code> with it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro import policy
from amahoro.warning.sms import sms_channel_create


class Command(BaseCommand):
    help = (
        "Create an inbound SMS channel for early-warning signals, or give an existing one a new secret (the "
        "old one stops working). The secret is printed once: only its SHA-256 is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The channel's code, in its URL: /api/v1/ewer/inbound/sms/<code>")
        parser.add_argument("name", nargs="?", default="", help="What the channel is (number, gateway)")

    def handle(self, *args: Any, **options: Any) -> None:
        channel, secret = sms_channel_create(actor=policy.SYSTEM, code=options["code"], name=options["name"])
        self.stdout.write(f"channel: {channel.code}")
        self.stdout.write(f"url: /api/v1/ewer/inbound/sms/{channel.code}")
        self.stdout.write(
            f"secret (shown once; send it as the X-Amahoro-Secret header or ?secret=): {secret}"
        )
