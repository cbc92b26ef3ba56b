"""Background work of the case module, queued with
`amahoro.core.tasks.run_task("amahoro.cases.tasks.accountability_push", user_id, "202603")`."""

from __future__ import annotations

from typing import Any


def accountability_push(user_id: int | str, period: int | str) -> dict[str, Any]:
    """Push the suppressed accountability counts of `period` as the user `user_id` (idempotent)."""
    from amahoro.accounts.models import User

    from .accountability import accountability_push as push

    user = User.objects.get(pk=int(user_id), is_active=True)
    return push(actor=user, period=str(period)).as_dict()
