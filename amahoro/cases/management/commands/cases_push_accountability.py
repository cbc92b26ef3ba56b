"""`amahoro cases_push_accountability PERIOD --user USERNAME`: the suppressed Isange One Stop Centre
accountability counts of one DHIS2 period into the NAP P3.O2 indicators (see docs/cases.md). PERIOD
`last-month` is the calendar month before today (Africa/Kigali), for cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.cases.accountability import accountability_push, accountability_setup
from amahoro.cases.schedule import period_code
from amahoro.core.errors import AmahoroError


class Command(BaseCommand):
    help = "Write the GBV accountability counts of a period (suppressed) as data values of the NAP P3.O2 indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "period",
            help="a DHIS2 period code, e.g. 202603 (always push the same period type), or last-month",
        )
        parser.add_argument(
            "--user",
            required=True,
            help="the account the values are entered as (case.statistics and data.enter over whole provinces)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from amahoro.accounts.models import User

        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user '{options['user']}'")
        try:
            accountability_setup(actor=policy.SYSTEM)
            result = accountability_push(actor=user, period=period_code(options["period"]))
        except AmahoroError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{result.period}: values at {len(result.written)} places ({result.imported} imported, "
            f"{result.updated} updated, {result.deleted} deleted, {result.unchanged} unchanged); "
            f"{len(result.suppressed)} place groups suppressed"
        )
