"""`amahoro participation_setup`: the participation series, share-of-women indicators and targets (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro import policy
from amahoro.participation.services import participation_setup


class Command(BaseCommand):
    help = "Create the women's participation series, indicators (linked to the NAP) and parity targets."

    def handle(self, *args: Any, **options: Any) -> None:
        for note in participation_setup(actor=policy.SYSTEM):
            self.stdout.write(note)
