"""``amahoro dhis2_pull --since YYYY-MM-DD [--remote NAME] [--dry-run]``: import the mapped data elements'
values changed in the remote DHIS2 since a day, through the ordinary import, and print the summary."""

from __future__ import annotations

from ._dhis2 import SyncCommand


class Command(SyncCommand):
    help = "Pull data values changed since a day from the configured remote DHIS2 instances."
    direction = "pull"
