"""Settings from the environment: prod passes `check --deploy` and refuses to start without its secrets;
dev works with nothing set."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]
# Variables the settings read; cleared so the developer's own environment cannot make a test pass.
SETTINGS_ENV = (
    "DATABASE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_INDEX_KEY",
    "AMAHORO_METRICS_TOKEN",
    "LOG_FORMAT",
    "DEBUG",
    "AMAHORO_REQUIRE_2FA",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the test settings for browser tests; never in deployment
)


def prod_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="amahoro.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://amahoro@db.internal:5432/amahoro",
        ALLOWED_HOSTS="amahoro.example.org",
        CSRF_TRUSTED_ORIGINS="https://amahoro.example.org",
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        FIELD_INDEX_KEY=secrets.token_urlsafe(48),
        AMAHORO_VAR_DIR=str(tmp_path / "var"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def amahoro(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amahoro.manage", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_prod_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    result = amahoro(prod_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def settings_of(env: dict[str, str], module: str, expression: str) -> subprocess.CompletedProcess[str]:
    """Import a settings module in a fresh interpreter (no app loading: fast) and print an expression."""
    code = f"import {module} as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "FIELD_INDEX_KEY"]
)
def test_prod_refuses_to_start_without_a_required_variable(tmp_path: Path, missing: str) -> None:
    result = settings_of(prod_env(tmp_path, **{missing: ""}), "amahoro.settings.prod", "s.DEBUG")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} must be set in production" in result.stderr


def test_prod_check_deploy_flags_a_weak_secret_key(tmp_path: Path) -> None:
    result = amahoro(prod_env(tmp_path, SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stderr


@pytest.mark.parametrize(
    ("index_key", "check_id"),
    [("short", "amahoro.W002"), ("same-as-the-encryption-key", "amahoro.W002")],
)
def test_prod_check_deploy_flags_a_weak_field_index_key(
    tmp_path: Path, index_key: str, check_id: str
) -> None:
    env = prod_env(tmp_path)
    if index_key == "same-as-the-encryption-key":
        index_key = env["FIELD_ENCRYPTION_KEYS"]
    env["FIELD_INDEX_KEY"] = index_key
    result = amahoro(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert check_id in result.stderr and "FIELD_INDEX_KEY" in result.stderr


def test_check_deploy_warns_without_field_index_key_and_with_unhashed_static_files(tmp_path: Path) -> None:
    # Development settings (no FIELD_INDEX_KEY, static files from the sources) are not fit to deploy.
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env["AMAHORO_VAR_DIR"] = str(tmp_path / "var")
    result = amahoro(env, "check", "--deploy")
    assert "amahoro.W001" in result.stderr and "FIELD_INDEX_KEY is not set" in result.stderr
    assert "amahoro.W003" in result.stderr


def test_prod_static_files_are_hashed_and_compressed_and_logs_are_json(tmp_path: Path) -> None:
    expression = "s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS, s.LOGGING['handlers']['console']['formatter']"
    prod = settings_of(prod_env(tmp_path), "amahoro.settings.prod", expression)
    assert prod.stdout.strip() == "amahoro.core.storage.StaticFilesStorage False json", prod.stderr
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env["AMAHORO_VAR_DIR"] = str(tmp_path / "var")
    dev = settings_of(env, "amahoro.settings.dev", expression)
    assert dev.stdout.strip() == "django.contrib.staticfiles.storage.StaticFilesStorage True plain", (
        dev.stderr
    )


def test_prod_settings_are_hardened(tmp_path: Path) -> None:
    expression = (
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], len(s.FIELD_ENCRYPTION_KEYS)"
    )
    result = settings_of(prod_env(tmp_path), "amahoro.settings.prod", expression)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False True True True 31536000 ['amahoro.example.org'] django.db.backends.postgresql 1"
    )


def test_dev_defaults_work_with_no_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env["AMAHORO_VAR_DIR"] = str(tmp_path / "var")
    result = amahoro(env, "check")
    assert result.returncode == 0, result.stderr
    expression = (
        "s.DEBUG, s.DATABASES['default']['ENGINE'], bool(s.SECRET_KEY), bool(s.FIELD_ENCRYPTION_KEYS)"
    )
    result = settings_of(env, "amahoro.settings.dev", expression)
    assert result.stdout.strip() == "True django.db.backends.sqlite3 True True"


def test_env_example_documents_every_variable_the_settings_read() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (PROJECT_DIR / ".env.example").read_text(), re.M)
    )
    reader = re.compile(r"""(?:environ\.get|environ\[|env_bool|env_list)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    read = {
        name
        for path in (PROJECT_DIR / "amahoro" / "settings").glob("*.py")
        for name in reader.findall(path.read_text())
    }
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"} <= read, (
        "the pattern above no longer finds the settings"
    )
    assert read - documented == set(), "add these to .env.example"
    assert "DJANGO_SETTINGS_MODULE" in documented
