"""`amahoro ewer_escalate`: tell the next level up about each open signal past its deadline (Celery beat runs
the same every 5 minutes; without Celery, cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro.warning.services import signals_escalate


class Command(BaseCommand):
    help = "Escalate overdue early-warning signals one level up (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = signals_escalate()
        self.stdout.write(f"{done} overdue signal(s) escalated")
