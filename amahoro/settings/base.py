"""Settings shared by every environment. Everything that differs between installations comes from the
environment (12-factor); see .env.example for the full list."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from amahoro.analytics.schedule import beat_schedule as _analytics_beat_schedule
from amahoro.cases.schedule import beat_schedule as _beat_schedule
from amahoro.cases.schedule import deadline_beat_schedule as _deadline_beat_schedule
from amahoro.cases.schedule import referral_beat_schedule as _referral_beat_schedule
from amahoro.cases.schedule import reply_hours_from_env as _reply_hours_from_env
from amahoro.data.dhis2_schedule import beat_schedule as _dhis2_beat_schedule
from amahoro.data.reminder_schedule import beat_schedule as _reminders_beat_schedule
from amahoro.notifications.schedule import beat_schedule as _notifications_beat_schedule
from amahoro.reports.schedule import beat_schedule as _reports_beat_schedule
from amahoro.warning.alarms_schedule import beat_schedule as _ewer_detect_beat_schedule
from amahoro.warning.schedule import beat_schedule as _ewer_beat_schedule
from amahoro.warning.schedule import deadline_hours_from_env as _ewer_hours_from_env
from amahoro.warning.schedule import publish_beat_schedule as _ewer_publish_beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent  # the amahoro package
# The data directory is an absolute path, never the process's working directory (systemd starts services
# in /, which made var/ land in /var): AMAHORO_VAR_DIR, else var/ in AMAHORO_HOME, else var/ in the checkout.
# Relative values are taken relative to the checkout, not to the working directory.
PROJECT_DIR = BASE_DIR.parent / os.environ.get("AMAHORO_HOME", "")
VAR_DIR = PROJECT_DIR / os.environ.get("AMAHORO_VAR_DIR", "var")


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "amahoro.core",
    "amahoro.audit",
    "amahoro.geo",
    "amahoro.organisations",
    "amahoro.accounts",
    "amahoro.metadata",
    "amahoro.notifications",
    "amahoro.directory",
    "amahoro.frameworks",
    "amahoro.data",
    "amahoro.analytics",
    "amahoro.consultations",
    "amahoro.participation",
    "amahoro.portal",
    "amahoro.cases",
    "amahoro.funding",
    "amahoro.collection",
    "amahoro.programmes",
    "amahoro.warning",
    "amahoro.visualizer",
    "amahoro.dashboards",
    "amahoro.reports",
    "amahoro.worklist",
    "amahoro.site",
    "amahoro.api",
]

MIDDLEWARE = [
    # First: health checks answer any Host over plain HTTP (load balancers); then the request id and log context.
    "amahoro.core.middleware.HealthCheckMiddleware",
    "amahoro.core.logging.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzip-compressed (static files come precompressed from WhiteNoise above, which
    # answers before this). BREACH: Django pads each compressed response with random bytes and masks the
    # CSRF token differently in every response (docs/performance.md, "Light pages").
    "django.middleware.gzip.GZipMiddleware",
    "amahoro.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "amahoro.core.parsing.RefuseNulQueryMiddleware",  # /api/ query parameters with NUL: 400, not a 500
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "amahoro.audit.middleware.AuditContextMiddleware",
    "amahoro.accounts.middleware.RequireTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "amahoro.urls"
WSGI_APPLICATION = "amahoro.wsgi.application"
ASGI_APPLICATION = "amahoro.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "amahoro.core.context_processors.amahoro",
                "amahoro.notifications.context_processors.bell",
            ],
        },
    },
]

# Databases: SQLite file under var/ by default, PostgreSQL (or anything dj-database-url knows) via DATABASE_URL.
DEFAULT_SQLITE_PATH = VAR_DIR / "amahoro.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Seconds a database connection is kept for the next request (0: a new connection per request, e.g. behind
# PgBouncer in transaction mode).
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60)
# What SQLite needs under concurrent requests, however it is configured (default path or DATABASE_URL):
# IMMEDIATE transactions take the write lock at BEGIN, so two edits queue (the second then sees the new
# version and answers 409) instead of deadlocking on a read-to-write upgrade ("database is locked", a 500);
# the busy timeout is how long the second waits; WAL lets reads go on while one request writes.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL;",
}


def database_config(url: str) -> dict[str, Any]:
    """The `default` database from a DATABASE_URL (empty: the SQLite file under var/), SQLite options
    applied whichever way SQLite was named. Options given in the URL's query string win."""
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True)
        )
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DEFAULT_SQLITE_PATH)}
    if config.get("ENGINE") == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **(config.get("OPTIONS") or {})}
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling and lockout (django-axes): 5 failures per username+IP lock for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The client's address (lockout above, audit log): the socket peer, unless the peer is one of these
# proxies (addresses or CIDR networks, comma-separated); then the right-most address of the header below
# that is not a trusted proxy. Empty: the header is never read (see docs/deploy.md).
AMAHORO_TRUSTED_PROXIES = env_list("AMAHORO_TRUSTED_PROXIES")
AMAHORO_CLIENT_IP_HEADER = os.environ.get("AMAHORO_CLIENT_IP_HEADER", "") or "X-Forwarded-For"
AXES_CLIENT_IP_CALLABLE = "amahoro.core.client.axes_client_ip"

# Roles whose holders must use TOTP two-factor (case data). See amahoro/roles.py.
OTP_TOTP_ISSUER = "Amahoro"
AMAHORO_REQUIRE_2FA = env_bool("AMAHORO_REQUIRE_2FA", True)
# Setting up TOTP needs a one-time enrolment code from an administrator, valid this many hours.
AMAHORO_TOTP_ENROLMENT_HOURS = int(os.environ.get("AMAHORO_TOTP_ENROLMENT_HOURS", "") or "72")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("Français")), ("rw", _("Kinyarwanda"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats for Kinyarwanda, which Django has none for (amahoro/formats/rw/formats.py).
FORMAT_MODULE_PATH = ["amahoro.formats"]
TIME_ZONE = "Africa/Kigali"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Project-wide static files (our CSS/JS and vendored libraries) live in amahoro/static/.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes hashed names (served with a 10-year cache) plus .gz and .br copies beside them.
    "staticfiles": {"BACKEND": "amahoro.core.storage.StaticFilesStorage"},
}
# Serve only what collectstatic wrote (dev.py serves the sources instead).
WHITENOISE_USE_FINDERS = False

# Security baseline, tightened further in prod.py.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: everything is served from our own origin (vendored JS/CSS, no CDN).
# Map tiles are off by default; an installation that adds a tile server lists it in CSP_IMG_SRC.
CSP_IMG_SRC = env_list("CSP_IMG_SRC")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "amahoro.api.authentication.SessionAuthentication",
        "amahoro.api.authentication.TokenAuthentication",
        "amahoro.api.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One parsing layer: bounded JSON objects (depth, size, UTF-8, finite numbers) or forms (amahoro/core/parsing.py).
    "DEFAULT_PARSER_CLASSES": [
        "amahoro.core.parsing.JSONObjectParser",
        "amahoro.core.parsing.FormObjectParser",
        "amahoro.core.parsing.MultiPartObjectParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "amahoro.api.pagination.Pagination",
    "PAGE_SIZE": 500,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "amahoro.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "1200/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Amahoro API",
    "DESCRIPTION": "REST API of Amahoro. Authenticate with a session, HTTP Basic, or `Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # DHIS2's import status (metadata ImportReport, dataValueSets WebMessage): one named enum.
    "ENUM_NAME_OVERRIDES": {
        "Dhis2ImportStatusEnum": ["OK", "WARNING", "ERROR"],
        "Dhis2ImportSummaryStatusEnum": ["SUCCESS", "WARNING", "ERROR"],
        # Every role (amahoro/roles.py), and the roles one may ask for (accounts/serializers.py): every role but the reserved and server-only ones.
        "RoleEnum": "amahoro.roles.ROLE_CHOICES",
        # A report subscription's frequency, and the alarm methods' (52 weekly, 12 monthly).
        "SubscriptionFrequencyEnum": "amahoro.reports.models.Frequency",
        "DetectFrequencyEnum": [(52, "weekly"), (12, "monthly")],
        "RequestableRoleEnum": [
            "org_admin",
            "me_officer",
            "data_clerk",
            "case_worker",
            "case_supervisor",
            "viewer",
            "service_provider",
            "ewer_focal_point",
            "ewer_responder",
        ],
        # Early warning (amahoro/warning/models.py): a signal's status and urgency, one name each.
        "SignalStatusEnum": "amahoro.warning.models.SignalStatus",
        "SignalUrgencyEnum": "amahoro.warning.models.Urgency",
    },
    # One Error schema on every 4xx, multipart file fields, hand-read request bodies (amahoro/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "amahoro.api.schema.postprocess",
    ],
}

# Background tasks: in-process unless a broker is configured (REDIS_URL or CELERY_BROKER_URL).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, a report asked for on a page renders in a background thread of the web process (the page
# answers at once and polls the run); true renders it inside the request instead (tests, debugging).
AMAHORO_REPORTS_RUN_INLINE = env_bool("AMAHORO_REPORTS_RUN_INLINE")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Africa/Kigali"
# Monthly push of the GBV accountability counts into NAP P3.O2 (run `celery -A amahoro beat`), as this account.
AMAHORO_ACCOUNTABILITY_PUSH_USER = os.environ.get("AMAHORO_ACCOUNTABILITY_PUSH_USER", "")
CELERY_BEAT_SCHEDULE = _beat_schedule(AMAHORO_ACCOUNTABILITY_PUSH_USER)
# Daily push to (and pull from) the configured remote DHIS2 instances at this hour (0-23); empty = off.
AMAHORO_DHIS2_SYNC_HOUR = os.environ.get("AMAHORO_DHIS2_SYNC_HOUR", "")
CELERY_BEAT_SCHEDULE |= _dhis2_beat_schedule(AMAHORO_DHIS2_SYNC_HOUR)

# A worker stamps a heartbeat every 30 s; /health/ready and /metrics report its age (core.health).
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "amahoro.core.tasks.run_path",
    "schedule": 30.0,
    "args": ["amahoro.core.health.worker_heartbeat"],
    "options": {"expires": 25},
}
# Workers log through LOGGING below (JSON lines in UTC), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# How fine a GBV aggregate may be for roles without case.statistics_detail (amahoro/cases/disclosure.py):
# a DHIS2 period type (Monthly, Quarterly, Yearly...), a geo level (1 country, 2 province, 3 district), and
# the fewest incidents a table or month may rest on (for everyone).
GBV_STATS_MIN_PERIOD = os.environ.get("GBV_STATS_MIN_PERIOD", "Monthly")
GBV_STATS_MIN_ORG_LEVEL = int(os.environ.get("GBV_STATS_MIN_ORG_LEVEL", "3"))
GBV_STATS_MIN_TOTAL = int(os.environ.get("GBV_STATS_MIN_TOTAL", "10"))

# Analytics store (docs/performance.md): a directory every app host can read (shared storage; an absolute
# path) or `s3://bucket/prefix` on an S3-compatible object store. Only the Celery worker writes it, on the
# beat entries below; a host without a store yet answers from the database.
AMAHORO_ANALYTICS_STORE = os.environ.get("AMAHORO_ANALYTICS_STORE") or str(VAR_DIR / "analytics")
if "://" not in AMAHORO_ANALYTICS_STORE:
    AMAHORO_ANALYTICS_STORE = str(PROJECT_DIR / AMAHORO_ANALYTICS_STORE)
# Where the worker builds an s3:// store before uploading it (a cache: it may be lost at any time).
AMAHORO_ANALYTICS_WORK_DIR = PROJECT_DIR / os.environ.get(
    "AMAHORO_ANALYTICS_WORK_DIR", VAR_DIR / "analytics-work"
)
AMAHORO_S3_ENDPOINT_URL = os.environ.get("AMAHORO_S3_ENDPOINT_URL", "")
AMAHORO_S3_REGION = os.environ.get("AMAHORO_S3_REGION", "us-east-1")
# Credentials of the bucket (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are used when these are empty).
AMAHORO_S3_ACCESS_KEY_ID = os.environ.get("AMAHORO_S3_ACCESS_KEY_ID", "")
AMAHORO_S3_SECRET_ACCESS_KEY = os.environ.get("AMAHORO_S3_SECRET_ACCESS_KEY", "")
CELERY_BEAT_SCHEDULE.update(_analytics_beat_schedule())
# Subscribed reports are e-mailed (and failed sends retried) by a beat entry every 15 minutes.
CELERY_BEAT_SCHEDULE.update(_reports_beat_schedule())
# Referrals past their reply time are escalated to the case's supervisors every 15 minutes.
CELERY_BEAT_SCHEDULE.update(_referral_beat_schedule())
# PEP/EC windows closing (to the case's worker) or passed with no dose recorded (to the supervisors), every
# 15 minutes, once per case.
CELERY_BEAT_SCHEDULE.update(_deadline_beat_schedule())
# Hours a receiver has to answer a referral, by urgency: "urgent=24,high=72,normal=168" (the defaults).
CASES_REFERRAL_REPLY_HOURS = _reply_hours_from_env(os.environ.get("CASES_REFERRAL_REPLY_HOURS", ""))
# Early warning (docs/warning.md): open signals past their deadline escalate one level up every 5 minutes;
# deadlines by urgency when no routing rule covers a signal ("immediate=4,high=24,routine=72", the defaults),
# and how old a reported event may be (days).
CELERY_BEAT_SCHEDULE.update(_ewer_beat_schedule())
CELERY_BEAT_SCHEDULE.update(_ewer_detect_beat_schedule())  # weekly statistical alarms
CELERY_BEAT_SCHEDULE.update(_ewer_publish_beat_schedule())  # monthly NAP P2.O3 data values
EWER_DEADLINE_HOURS = {"immediate": 4, "high": 24, "routine": 72} | _ewer_hours_from_env(
    os.environ.get("EWER_DEADLINE_HOURS", "")
)
EWER_MAX_AGE_DAYS = env_int("EWER_MAX_AGE_DAYS", 365)

# Reporting completeness (docs/completeness.md): reminders to the clerks this many days before and after a
# data set's due date (a data set may set its own), late reports older than the window drop off the
# worklist and the reminders, and the daily beat entry runs at this hour (0-23, Africa/Kigali; empty = off).
AMAHORO_REPORT_REMIND_DAYS_BEFORE = env_int("AMAHORO_REPORT_REMIND_DAYS_BEFORE", 3)
AMAHORO_REPORT_REMIND_DAYS_AFTER = env_int("AMAHORO_REPORT_REMIND_DAYS_AFTER", 3)
AMAHORO_REPORT_LATE_WINDOW_DAYS = env_int("AMAHORO_REPORT_LATE_WINDOW_DAYS", 90)
AMAHORO_REPORT_REMINDER_HOUR = os.environ.get("AMAHORO_REPORT_REMINDER_HOUR", "7")
CELERY_BEAT_SCHEDULE.update(_reminders_beat_schedule(AMAHORO_REPORT_REMINDER_HOUR))

# `amahoro backup` writes here (docs/deploy.md, "Backup and restore"); names sort by time.
AMAHORO_BACKUP_DIR = PROJECT_DIR / os.environ.get("AMAHORO_BACKUP_DIR", VAR_DIR / "backups")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail (report subscriptions): one URL, see email_config(). Unset: printed on the console (development).
EMAIL_EXAMPLES = (
    "smtp://user:password@host:587/?tls=True, smtps://user:password@host:465, console:// or locmem://"
)
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def email_config(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from one URL: smtp://user:password@host:port/?tls=True (STARTTLS),
    smtps://user:password@host:465 (implicit TLS; also smtp://...?ssl=True), console://, locmem://, dummy://.
    The user and password may be percent-encoded; `timeout` (seconds, default 30) bounds a stuck server."""
    if not url.strip():
        return {"EMAIL_BACKEND": _EMAIL_BACKENDS["console"]}

    def bad(why: str) -> ImproperlyConfigured:
        # Never echo the password back into a log.
        shown = url.split("://", 1)[0] + "://..." if "@" in url else url
        return ImproperlyConfigured(f"EMAIL_URL '{shown}' is not usable: {why}. Use e.g. {EMAIL_EXAMPLES}.")

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _EMAIL_BACKENDS:
        raise bad(f"the scheme must be one of {', '.join(_EMAIL_BACKENDS)}")
    config: dict[str, Any] = {"EMAIL_BACKEND": _EMAIL_BACKENDS[scheme]}
    if scheme not in ("smtp", "smtps"):
        return config
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() not in ("tls", "ssl", "timeout"):
            raise bad(f"unknown option '{key}' (tls, ssl and timeout are known)")
        options[key.lower()] = value.strip().lower()
    flags: dict[str, bool] = {}
    for key in ("tls", "ssl"):
        value = options.get(key, "")
        if value not in _TRUE | _FALSE:
            raise bad(f"{key} must be True or False")
        flags[key] = value in _TRUE
    use_ssl = flags["ssl"] or scheme == "smtps"
    if use_ssl and flags["tls"]:
        raise bad("tls (STARTTLS, port 587) and ssl (smtps, port 465) exclude each other")
    try:
        port = parts.port or (465 if use_ssl else 25)
        timeout = float(options.get("timeout") or 30)
    except ValueError:
        raise bad("the port and timeout must be numbers") from None
    if not parts.hostname:
        raise bad("a host is required")
    config.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port,
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_TLS=flags["tls"],
        EMAIL_USE_SSL=use_ssl,
        EMAIL_TIMEOUT=timeout,
    )
    return config


_EMAIL = email_config(os.environ.get("EMAIL_URL", ""))
EMAIL_BACKEND: str = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST: str = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT: int = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER: str = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD: str = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS: bool = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL: bool = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT: float = _EMAIL.get("EMAIL_TIMEOUT", 30.0)
# The sender of every e-mail Amahoro sends (report subscriptions).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "") or "Amahoro <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Notifications (docs/notifications.md): e-mail goes through the EMAIL_* settings above, SMS through one
# gateway adapter (amahoro/notifications/sms.py): "http" (a generic JSON gateway at SMS_URL), "africastalking"
# or "console" (written to the log; development). Empty: "http" when SMS_URL is set, else "console".
SMS_BACKEND = os.environ.get("SMS_BACKEND", "").strip().lower()
SMS_URL = os.environ.get("SMS_URL", "")
SMS_TOKEN = os.environ.get("SMS_TOKEN", "")  # sent as `Authorization: Bearer <token>` when set
# Seconds one gateway call may take (connect and read) before it counts as failed and is retried.
SMS_TIMEOUT = env_float("SMS_TIMEOUT", 15.0)
AFRICASTALKING_USERNAME = os.environ.get("AFRICASTALKING_USERNAME", "")
AFRICASTALKING_API_KEY = os.environ.get("AFRICASTALKING_API_KEY", "")
AFRICASTALKING_SENDER_ID = os.environ.get("AFRICASTALKING_SENDER_ID", "")  # empty: the account's default
# The sandbox is https://api.sandbox.africastalking.com (tests point it at a local fake gateway).
AFRICASTALKING_URL = os.environ.get("AFRICASTALKING_URL", "") or "https://api.africastalking.com"
# The address of the site as users reach it, for the links in e-mails and SMS (empty: paths only).
AMAHORO_SITE_URL = os.environ.get("AMAHORO_SITE_URL", "").rstrip("/")
# A delivery claimed by a sender that died is taken again after this many seconds.
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 300)
# Without a broker, notify() sends in a thread after the commit so the request never waits for the mail
# server or the SMS gateway; true sends inside the request instead (tests).
NOTIFICATIONS_SEND_INLINE = env_bool("NOTIFICATIONS_SEND_INLINE")
# Pending e-mails and SMS (and retries whose back-off has passed) are sent by a beat entry every minute.
CELERY_BEAT_SCHEDULE.update(_notifications_beat_schedule())

# Key used to encrypt survivor-identifying fields at rest (Fernet, 32 url-safe base64 bytes).
# Several keys may be given, comma-separated, newest first, for rotation.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
# Key of the blind indexes (exact-match search over encrypted fields); set it so encryption keys can be
# rotated away freely. Unset: the oldest FIELD_ENCRYPTION_KEYS key is used.
FIELD_INDEX_KEY = os.environ.get("FIELD_INDEX_KEY", "")

# Logs: JSON lines (LOG_FORMAT=json, the default) or plain text, both in UTC, with the request id, user id
# and client address of the request being served (amahoro.core.logging).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "amahoro.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "amahoro.core.logging.JsonFormatter"},
        "plain": {
            "()": "amahoro.core.logging.UtcFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Requests are logged once, by amahoro.request; Django's own lines would repeat them.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # WeasyPrint logs every step and page of a PDF at INFO; its warnings (a CSS rule it ignores) stay.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Hostile spreadsheets (docs/security.md, "Spreadsheets and CSV files"): limits every CSV/XLSX upload is
# checked against before it is read (amahoro/core/tabular.py). Sizes in bytes.
AMAHORO_XLSX_MAX_UNCOMPRESSED = int(os.environ.get("AMAHORO_XLSX_MAX_UNCOMPRESSED", str(100 * 1024 * 1024)))
AMAHORO_XLSX_MAX_MEMBER = int(os.environ.get("AMAHORO_XLSX_MAX_MEMBER", str(100 * 1024 * 1024)))
AMAHORO_XLSX_MAX_RATIO = int(os.environ.get("AMAHORO_XLSX_MAX_RATIO", "100"))
AMAHORO_XLSX_MAX_MEMBERS = int(os.environ.get("AMAHORO_XLSX_MAX_MEMBERS", "1000"))
AMAHORO_TABLE_MAX_ROWS = int(os.environ.get("AMAHORO_TABLE_MAX_ROWS", "200000"))
AMAHORO_TABLE_MAX_COLUMNS = int(os.environ.get("AMAHORO_TABLE_MAX_COLUMNS", "1000"))
AMAHORO_TABLE_MAX_CELLS = int(os.environ.get("AMAHORO_TABLE_MAX_CELLS", "5000000"))
AMAHORO_TABLE_MAX_ERRORS = int(os.environ.get("AMAHORO_TABLE_MAX_ERRORS", "100"))

# Observability (docs/deploy.md): bearer token for /metrics scrapers. The age of the newest file in
# AMAHORO_BACKUP_DIR (above) is a metric.
AMAHORO_METRICS_TOKEN = os.environ.get("AMAHORO_METRICS_TOKEN", "")

AMAHORO_DEMO = env_bool("AMAHORO_DEMO", False)
LOGIN_URL_2FA = "/accounts/two-factor/"

# Request sizes (docs/security.md): a JSON or form body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is 413 (Django's
# default, 2.5 MB); the API's JSON bodies are also bounded in depth and bytes (amahoro/api/parsing.py); OpenRosa
# submissions announce and enforce their own limit (docs/collection.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
AMAHORO_API_MAX_JSON_DEPTH = env_int("AMAHORO_API_MAX_JSON_DEPTH", 32)
AMAHORO_API_MAX_JSON_BYTES = env_int("AMAHORO_API_MAX_JSON_BYTES", 20 * 1024 * 1024)
OPENROSA_MAX_CONTENT_LENGTH = env_int("OPENROSA_MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
# Per organisation code, the exact submission URLs its XLSForms may name (docs/collection.md), as JSON:
# {"NGO1": ["https://collect.example.org/submission"]}.
COLLECTION_SUBMISSION_URLS: dict[str, list[str]] = json.loads(
    os.environ.get("COLLECTION_SUBMISSION_URLS") or "{}"
)

# GBV case timeliness (docs/cases.md): PEP and emergency contraception count as on time within these hours.
CASES_PEP_WINDOW_HOURS = env_int("CASES_PEP_WINDOW_HOURS", 72)
CASES_EC_WINDOW_HOURS = env_int("CASES_EC_WINDOW_HOURS", 120)

# Funding (docs/funding.md): the DHIS2 financial-year period type budgets are planned in; IATI's recipient country.
FUNDING_FISCAL_YEAR = os.environ.get("FUNDING_FISCAL_YEAR", "") or "FinancialJuly"
AMAHORO_IATI_COUNTRY = os.environ.get("AMAHORO_IATI_COUNTRY", "") or "RW"

# Public portal (docs/portal.md): the framework it shows and how long its pages are cached (0: off).
AMAHORO_PORTAL_FRAMEWORK = os.environ.get("AMAHORO_PORTAL_FRAMEWORK", "") or "RW-NAP1325-2018"
AMAHORO_PORTAL_CACHE_SECONDS = env_int("AMAHORO_PORTAL_CACHE_SECONDS", 300)

# Analytics store tuning (docs/performance.md). AMAHORO_ANALYTICS_DIR is the older name of
# AMAHORO_ANALYTICS_STORE and wins when set.
AMAHORO_ANALYTICS_DIR = os.environ.get("AMAHORO_ANALYTICS_DIR", "")
AMAHORO_ANALYTICS_CHECK_SECONDS = env_float("AMAHORO_ANALYTICS_CHECK_SECONDS", 10)
AMAHORO_ANALYTICS_QUERY_OVERLAP = env_float("AMAHORO_ANALYTICS_QUERY_OVERLAP", 120)
AMAHORO_ANALYTICS_REFRESH_OVERLAP = env_float("AMAHORO_ANALYTICS_REFRESH_OVERLAP", 3600)
AMAHORO_ANALYTICS_FOLD_ROWS = env_int("AMAHORO_ANALYTICS_FOLD_ROWS", 200_000)
AMAHORO_ANALYTICS_MEMORY = os.environ.get("AMAHORO_ANALYTICS_MEMORY", "") or "2GB"
# Remember aggregate() answers per snapshot and change set (amahoro.analytics.cache); false: always compute.
AMAHORO_ANALYTICS_RESULT_CACHE = env_bool("AMAHORO_ANALYTICS_RESULT_CACHE", True)

# Health (docs/deploy.md): /health/ready warns when the analytics store or the worker's heartbeat is older
# than these (seconds).
AMAHORO_ANALYTICS_MAX_AGE = env_float("AMAHORO_ANALYTICS_MAX_AGE", 3 * 3600)
AMAHORO_HEARTBEAT_MAX_AGE = env_float("AMAHORO_HEARTBEAT_MAX_AGE", 150)

# Early-warning sources (docs/warning.md, "Sources"): inbound SMS per number per hour, the longest SMS taken,
# the language of replies when the keyword does not tell, and reports per client address per hour on /report/.
EWER_SMS_PER_HOUR = env_int("EWER_SMS_PER_HOUR", 10)
EWER_SMS_MAX_LENGTH = env_int("EWER_SMS_MAX_LENGTH", 1000)
EWER_SMS_DEFAULT_LANGUAGE = os.environ.get("EWER_SMS_DEFAULT_LANGUAGE", "") or "rw"
EWER_REPORT_PER_HOUR = env_int("EWER_REPORT_PER_HOUR", 5)
