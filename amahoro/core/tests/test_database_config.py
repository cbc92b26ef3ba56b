"""SQLite gets its concurrency options (IMMEDIATE transactions, busy timeout, WAL) however it is named:
the default file under var/ or DATABASE_URL=sqlite:///... (which used to skip them: 'database is locked')."""

from __future__ import annotations

from amahoro.settings.base import DEFAULT_SQLITE_PATH, database_config

WANTED = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


def test_sqlite_from_database_url_gets_the_concurrency_options() -> None:
    config = database_config("sqlite:////srv/amahoro/amahoro.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/amahoro/amahoro.sqlite3"
    assert config["OPTIONS"] == WANTED


def test_default_sqlite_file_gets_the_same_options() -> None:
    config = database_config("")
    assert config["NAME"] == str(DEFAULT_SQLITE_PATH) and config["OPTIONS"] == WANTED


def test_options_in_the_url_win() -> None:
    config = database_config("sqlite:////tmp/x.sqlite3?timeout=60")
    assert config["OPTIONS"]["timeout"] in (60, "60") and config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_gets_no_sqlite_options() -> None:
    config = database_config("postgres://amahoro@db.internal:5432/amahoro")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in config.get("OPTIONS", {})
