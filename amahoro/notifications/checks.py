"""System checks (`amahoro check`): an SMS gateway named in the environment must be usable, so a typo is
found at start-up rather than as a retried delivery hours later."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import sms


def sms_gateway(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        sms.backend()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc), hint="See docs/notifications.md, 'The SMS gateways'.", id="notifications.E001"
            )
        ]
    return []
