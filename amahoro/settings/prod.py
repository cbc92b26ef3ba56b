"""Production: refuses to start without its secrets, secure cookies and HSTS, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
# FIELD_INDEX_KEY too: without it the blind indexes hang on the oldest encryption key, which could then
# never be rotated away (docs/security.md).
for _name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "FIELD_INDEX_KEY"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production (see .env.example)")
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
FIELD_INDEX_KEY = os.environ["FIELD_INDEX_KEY"]

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds the whole domain to HTTPS in browsers for good: an opt-in decision per installation
    # (SECURE_HSTS_PRELOAD=true), not a default, so `check --deploy` is not asked to warn about it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
