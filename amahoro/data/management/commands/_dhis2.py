"""Shared by dhis2_push and dhis2_pull: parse --since/--remote, run each remote, print JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amahoro.core.errors import AmahoroError


class SyncCommand(BaseCommand):
    direction = "push"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--since",
            help="YYYY-MM-DD: values changed on or after this day (default: since the last run, else 30 days)",
        )
        parser.add_argument("--remote", help="Name of one remote DHIS2 (default: every enabled one)")
        parser.add_argument("--dry-run", action="store_true", help="Ask the other side to check only")

    def handle(self, *args: Any, **options: Any) -> None:
        from amahoro.data import dhis2_sync

        since = None
        if options.get("since"):
            try:
                since = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError(f"--since must be YYYY-MM-DD, not '{options['since']}'") from None
        try:
            remotes = dhis2_sync.remotes_for(options.get("remote"))
        except AmahoroError as exc:
            raise CommandError(exc.message) from exc
        if not remotes:
            raise CommandError("no enabled remote DHIS2 is configured (see `amahoro dhis2_remote --help`)")
        failed = False
        for remote in remotes:
            last = remote.last_pushed_at if self.direction == "push" else remote.last_pulled_at
            day = since or (last.date() if last else date.today() - timedelta(days=30))
            run = dhis2_sync.dhis2_push if self.direction == "push" else dhis2_sync.dhis2_pull
            try:
                result = run(remote=remote, since=day, dry_run=options["dry_run"])
            except (dhis2_sync.RemoteError, AmahoroError) as exc:
                failed = True
                self.stderr.write(f"{remote.name}: {getattr(exc, 'message', exc)}")
                continue
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        if failed:
            raise CommandError("at least one remote failed (see above)")
