"""Background work of the case module, queued with
`amahoro.core.tasks.run_task("amahoro.cases.tasks.accountability_push", user_id, "202603")`, and run every
month by Celery beat when AMAHORO_ACCOUNTABILITY_PUSH_USER is set (see schedule.py)."""

from __future__ import annotations

from typing import Any

from amahoro import policy


def accountability_push(user: int | str, period: int | str) -> dict[str, Any]:
    """Push the suppressed accountability counts of `period` (a DHIS2 code, or "last-month") as `user` (an id
    or a username); idempotent."""
    from amahoro.accounts.models import User

    from .accountability import accountability_push as push
    from .accountability import accountability_setup
    from .schedule import period_code

    active = User.objects.filter(is_active=True)
    actor = active.get(pk=int(user)) if str(user).isdigit() else active.get(username=str(user))
    accountability_setup(actor=policy.SYSTEM)
    return push(actor=actor, period=period_code(str(period))).as_dict()


def referrals_escalate() -> int:
    """Escalate the referrals past their reply time (Celery beat, every 15 minutes); idempotent."""
    from .services import referrals_escalate as escalate

    return escalate(actor=policy.SYSTEM)


def deadlines_notify() -> dict[str, int]:
    """Tell workers of closing PEP/EC windows and supervisors of passed ones (Celery beat, every 15 minutes);
    idempotent."""
    from .deadline_notices import deadlines_notify as send

    return send(actor=policy.SYSTEM).as_dict()
