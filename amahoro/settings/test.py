"""Test settings: fast hashing, eager tasks, no 2FA prompt unless a test turns it on."""

from __future__ import annotations

import os

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
NOTIFICATIONS_SEND_INLINE = True  # notifications/tests/test_sending.py tries the thread
AMAHORO_REPORTS_RUN_INLINE = True  # reports render inside the request (tests/test_runs.py tries the thread)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
AMAHORO_REQUIRE_2FA = False
ALLOWED_HOSTS = ["*"]  # test client and live server only
# Playwright's sync API inside pytest-django's live_server (see STACK-NOTES.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
