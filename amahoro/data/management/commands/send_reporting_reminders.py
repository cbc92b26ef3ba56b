"""`amahoro send_reporting_reminders [--date YYYY-MM-DD] [--dry-run]`: send the reporting reminders due
today (report.due / report.late), each once; for cron where Celery beat does not run it."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Send reporting reminders (report.due, report.late) to the clerks, each once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD: act as if today were this day (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be sent; send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        from amahoro.data.reminders import send_reporting_reminders

        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not '{options['date']}'") from None
        run = send_reporting_reminders(today=today, dry_run=options["dry_run"])
        self.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False))
