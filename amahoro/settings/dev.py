"""Development defaults that just work on a bare machine: SQLite under var/, DEBUG on, a throw-away key."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import LOGGING, STATIC_ROOT, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
# Development only: a fixed, obviously-unsafe key so sessions survive restarts. prod.py refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
FIELD_ENCRYPTION_KEYS = [k for k in os.environ.get("FIELD_ENCRYPTION_KEYS", "").split(",") if k] or [
    "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="
]
# Static files straight from the sources (no collectstatic), unhashed; plain-text logs.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if not os.environ.get("LOG_FORMAT"):
    LOGGING["handlers"]["console"]["formatter"] = "plain"  # type: ignore[index]
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
