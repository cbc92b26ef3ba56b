from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "amahoro.portal"
    label = "portal"
    verbose_name = "Public transparency portal"

    def ready(self) -> None:
        from amahoro.core.signals import public_data_changed

        public_data_changed.connect(_expire_cache, dispatch_uid="portal-expire-cache")


def _expire_cache(sender: Any, **kwargs: Any) -> None:
    from amahoro.portal.selectors import invalidate

    invalidate()
