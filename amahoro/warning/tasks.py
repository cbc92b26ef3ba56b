"""Background work of the early-warning module: the escalation Celery beat runs every 5 minutes (see
schedule.py)."""

from __future__ import annotations


def signals_escalate() -> int:
    """Escalate the signals past their deadline; idempotent (a signal is claimed by one run only)."""
    from .services import signals_escalate as escalate

    return escalate()
