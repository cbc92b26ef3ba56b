"""``amahoro dhis2_push --since YYYY-MM-DD [--remote NAME] [--dry-run]``: send changed data values to the
configured DHIS2 instances and print each one's import counts and conflicts as JSON."""

from __future__ import annotations

from ._dhis2 import SyncCommand


class Command(SyncCommand):
    help = "Push data values changed since a day to the configured remote DHIS2 instances."
    direction = "push"
