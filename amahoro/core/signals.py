"""Signals by which a lower layer tells a higher one that something happened, without importing it."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# Something the public may read changed (a consultation summary published, a national series imported...):
# the portal, which sits above the apps that publish, listens and starts a new cache generation.
public_data_changed = Signal()


def public_data_changed_on_commit(sender: object) -> None:
    """Send `public_data_changed` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: public_data_changed.send(sender=sender))
