"""`amahoro ewer_publish PERIOD [--user USERNAME]`: the NAP P2.O3 early-warning figures of one DHIS2 period,
per district, written as data values through the import engine (see docs/warning.md). PERIOD `last-month`
is the calendar month before today (Africa/Kigali), for cron; without --user the platform writes them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.warning.publishing import nap_publish, nap_setup
from amahoro.warning.schedule import period_code


class Command(BaseCommand):
    help = "Write the early-warning NAP P2.O3 figures of a period as data values (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "period", help="a DHIS2 period code, e.g. 202611 (always the same period type), or last-month"
        )
        parser.add_argument(
            "--user",
            default="",
            help="the account the values are entered as (signal.view and data.enter over whole provinces); "
            "default: the platform",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from amahoro.accounts.models import User

        actor: Any = policy.SYSTEM
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user '{options['user']}'")
        try:
            nap_setup(actor=policy.SYSTEM)
            result = nap_publish(actor=actor, period=period_code(options["period"]))
        except AmahoroError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{result.period}: {result.signals} signal(s); values at {len(result.written)} places "
            f"({result.imported} imported, {result.updated} updated, {result.deleted} deleted, "
            f"{result.unchanged} unchanged); {len(result.suppressed)} place groups left out (fewer than 5)"
        )
