"""amahoro programme_push_indicators CODE PERIOD --user USERNAME: unique reach, completion and the share in
a band of a programme for a DHIS2 period, into its data elements (through the data import service)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.accounts.models import User
from amahoro.core.errors import AmahoroError
from amahoro.programmes.models import Programme
from amahoro.programmes.services.programmes import programme_indicators_push


class Command(BaseCommand):
    help = "Push a programme's unique reach and completion for a period to its data elements"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("programme", help="programme code")
        parser.add_argument("period", help="DHIS2 period code, e.g. 2026 or 2026Q1")
        parser.add_argument("--user", required=True, help="username entering the data (needs data.enter)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user '{options['user']}'")
        programme = Programme.objects.filter(code=options["programme"]).first()
        if programme is None:
            raise CommandError(f"no programme '{options['programme']}'")
        try:
            out = programme_indicators_push(actor=user, programme=programme, period=options["period"])
        except AmahoroError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(out, indent=2, default=str))
