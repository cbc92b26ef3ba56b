"""`amahoro ewer_detect`: run the active statistical-alarm detectors for the latest complete ISO week (weekly,
from cron or Celery beat); an alarm becomes a signal once per detector, place and week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro.warning.detectors import detectors_run


class Command(BaseCommand):
    help = "Run the statistical-alarm detectors for the latest complete week (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Run as if today were this date")

    def handle(self, *args: Any, **options: Any) -> None:
        for run in detectors_run(today=options.get("today")):
            if run.skipped:
                self.stdout.write(f"{run.detector}: skipped ({run.skipped})")
            else:
                self.stdout.write(
                    f"{run.detector} {run.week}: {run.places} place(s) with signals, "
                    f"{len(run.alarms)} alarm(s) {' '.join(run.alarms)}".rstrip()
                )
