"""``manage.py period CODE``: show what a DHIS2 period code means, as JSON.

    $ amahoro period 2024W5
    {"code": "2024W5", "type": "Weekly", "start": "2024-01-29", "end": "2024-02-04",
     "iso": "2024-01-29/2024-02-04", "name": "Week 5 2024 (2024-01-29 - 2024-02-04)", "days": 7}

An invalid code exits non-zero with the reason, e.g.
``Invalid period code '2014W53': 2014 has only 52 ISO weeks``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amahoro.metadata.periods import InvalidPeriod, parse_period


class Command(BaseCommand):
    help = "Parse a DHIS2 period code (e.g. 2024W5, 202401, 2024Q1, 2024July) and print it as JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="DHIS2 period code, e.g. 20240115, 2024W5, 202401, 2024Q1, 2024July")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["code"])
        except InvalidPeriod as exc:
            raise CommandError(str(exc)) from exc
        payload = {
            "code": period.code,
            "type": period.type,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "iso": period.iso_interval(),
            "name": period.name,
            "days": period.days,
        }
        self.stdout.write(json.dumps(payload))
