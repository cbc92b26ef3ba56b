"""`amahoro send_due_reports`: e-mail the subscribed reports that are due (for cron, e.g. every 15 minutes;
Celery beat runs the same by itself, see amahoro/reports/schedule.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro.reports.runs import KEEP_DAYS, purge_old
from amahoro.reports.subscriptions import send_due


class Command(BaseCommand):
    help = (
        "E-mail the subscribed reports that are due now, retry failed sends whose back-off has passed, and "
        f"delete the report runs (files made on the reports pages) older than {KEEP_DAYS} days."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = send_due()
        self.stdout.write(f"send_due_reports: {summary}")
        purged = purge_old()
        if purged:
            self.stdout.write(f"send_due_reports: {purged} report runs older than {KEEP_DAYS} days deleted")
