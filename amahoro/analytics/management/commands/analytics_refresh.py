"""`amahoro analytics_refresh [--full] [--wait]`: bring the analytics store up to date (cron-friendly)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from amahoro.analytics import store


class Command(BaseCommand):
    help = "Refresh the analytics store (incremental by default). Skips if another refresh is running."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild from scratch (nightly)")
        parser.add_argument(
            "--wait", action="store_true", help="wait for a running refresh instead of skipping"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = store.refresh(full=options["full"], wait=options["wait"])
        self.stdout.write(json.dumps(result.as_dict()))
