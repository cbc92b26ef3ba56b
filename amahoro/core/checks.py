"""`amahoro check --deploy` checks of our own: the blind-index key, static files, the metrics token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

MIN_INDEX_KEY_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 32


@register(Tags.security, deploy=True)
def check_field_index_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = str(getattr(settings, "FIELD_INDEX_KEY", "") or "")
    hint = 'Set FIELD_INDEX_KEY to a long random string: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
    if not key:
        return [
            Warning(
                "FIELD_INDEX_KEY is not set: blind indexes fall back to the oldest encryption key, which then "
                "can never be rotated away.",
                hint=hint,
                id="amahoro.W001",
            )
        ]
    if len(key) < MIN_INDEX_KEY_LENGTH or key in getattr(settings, "FIELD_ENCRYPTION_KEYS", []):
        return [
            Warning(
                f"FIELD_INDEX_KEY is shorter than {MIN_INDEX_KEY_LENGTH} characters or equal to an encryption key.",
                hint=hint,
                id="amahoro.W002",
            )
        ]
    return []


@register(Tags.staticfiles, deploy=True)
def check_static_files(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.utils.module_loading import import_string

    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    hashed = bool(backend) and issubclass(import_string(backend), ManifestFilesMixin)
    if hashed and not getattr(settings, "WHITENOISE_USE_FINDERS", False):
        return []
    return [
        Warning(
            "Static files are served unhashed (no manifest storage, or WHITENOISE_USE_FINDERS on): browsers "
            "cannot cache them for long.",
            hint="Use amahoro.settings.prod (hashed, compressed static files) and run collectstatic.",
            id="amahoro.W003",
        )
    ]


@register(Tags.security, deploy=True)
def check_metrics_token(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    token = str(getattr(settings, "AMAHORO_METRICS_TOKEN", "") or "")
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        return [
            Warning(
                f"AMAHORO_METRICS_TOKEN is shorter than {MIN_METRICS_TOKEN_LENGTH} characters.",
                hint='python3 -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="amahoro.W004",
            )
        ]
    return []
