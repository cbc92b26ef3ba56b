"""`amahoro notify_deadlines`: tell case workers of PEP/EC windows closing within 12 h with no dose recorded,
and case supervisors of windows that passed so, once per case (Celery beat runs the same every 15 minutes;
without Celery, cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro import policy
from amahoro.cases.deadline_notices import deadlines_notify


class Command(BaseCommand):
    help = "Notify PEP/EC windows closing (to the case worker) or passed (to the supervisors); idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        run = deadlines_notify(actor=policy.SYSTEM)
        self.stdout.write(f"{run.closing} closing and {run.passed} passed PEP/EC window notice(s) sent")
