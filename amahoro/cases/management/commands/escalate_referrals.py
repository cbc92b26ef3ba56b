"""`amahoro escalate_referrals`: tell the case supervisors, once, about each referral still awaiting the
receiver's reply past its due time (Celery beat runs the same every 15 minutes; without Celery, cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amahoro import policy
from amahoro.cases.services import referrals_escalate


class Command(BaseCommand):
    help = "Escalate overdue referral replies to the case supervisors (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = referrals_escalate(actor=policy.SYSTEM)
        self.stdout.write(f"{done} overdue referral(s) escalated")
