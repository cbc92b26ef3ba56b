"""Background work of the early-warning module: the escalation Celery beat runs every 5 minutes, and the
monthly NAP P2.O3 publishing (see schedule.py)."""

from __future__ import annotations

from typing import Any


def signals_escalate() -> int:
    """Escalate the signals past their deadline; idempotent (a signal is claimed by one run only)."""
    from .services import signals_escalate as escalate

    return escalate()


def nap_publish(period: str = "last-month") -> dict[str, Any]:
    """Publish the P2.O3 figures of `period` (a DHIS2 code, or "last-month") as the platform; idempotent."""
    from amahoro import policy

    from .publishing import nap_publish as publish
    from .publishing import nap_setup
    from .schedule import period_code

    nap_setup(actor=policy.SYSTEM)
    return publish(actor=policy.SYSTEM, period=period_code(str(period))).as_dict()
