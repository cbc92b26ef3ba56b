"""The bell on every page: one indexed COUNT, run only when a template reads it. Not on the sign-in and
two-factor pages (/accounts/): nothing is shown before the sign-in is complete."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import selectors

HIDDEN_UNDER = "/accounts/"


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(HIDDEN_UNDER):
        return {}
    return {
        "notifications_bell": True,
        "notifications_unread": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
    }
