"""Two people save the same case at the same moment, in two real threads with their own database
connections: one gets 200, the other 409 (reload and apply again), never a 500 ("database is locked").

On SQLite the threads use a file database configured exactly as a DATABASE_URL=sqlite:///... installation
is (amahoro.settings.base.database_config), a copy of the test database; on PostgreSQL, the test database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from amahoro.cases import services
from amahoro.settings.base import database_config

from .conftest import CaseCast, create

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/gbv/incidents"


@pytest.fixture
def hierarchy(transactional_db: Any) -> None:
    """Transactional tests flush the database: bring back the slice of Rwanda the case cast needs."""
    from amahoro.geo.models import OrgUnit
    from amahoro.tests.browser.conftest import _create_slice

    if not OrgUnit.objects.filter(code="1201").exists():
        _create_slice()


@contextmanager
def _threads_on_sqlite_file(path: Path) -> Iterator[dict[str, Any]]:
    """Copy the (in-memory) test database to a file; connections opened from now on (the worker threads')
    use it, configured from a DATABASE_URL as an installation would be. The test's own connection stays."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    config = database_config(f"sqlite:///{path}")
    saved = connections.settings["default"]
    connections.settings["default"] = {**saved, "NAME": config["NAME"], "OPTIONS": config["OPTIONS"]}
    try:
        yield config
    finally:
        connections.settings["default"] = saved


def _race(cc: CaseCast, incident: Any, monkeypatch: Any) -> list[Any]:
    """Both threads send an edit of version 1. Inside the edit each waits (up to a second) for the other to
    have read the case too, so without serialised writers both hold a read when they try to write."""
    original = services._snapshot
    read = [threading.Event(), threading.Event()]
    who = threading.local()

    def snapshot_then_wait(obj: Any) -> Any:
        out = original(obj)
        me = who.index
        read[me].set()
        read[1 - me].wait(timeout=1.0)
        return out

    monkeypatch.setattr(services, "_snapshot", snapshot_then_wait)
    start = threading.Barrier(2)
    results: list[Any] = [None, None]

    def edit(index: int, user: Any, where: str) -> None:
        who.index = index
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)
        try:
            start.wait(timeout=10)
            response = client.patch(
                f"{URL}/{incident.uuid}",
                {"version": 1, "location_type": where},
                format="json",
            )
            results[index] = response.status_code
        except Exception as exc:  # reported by the assertion below
            results[index] = repr(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=(0, cc.worker, "school")),
        threading.Thread(target=edit, args=(1, cc.supervisor, "market")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_threads_editing_one_case_get_one_200_and_one_409(
    hierarchy: Any, cc: CaseCast, monkeypatch: Any, tmp_path: Path
) -> None:
    incident = create(cc.worker)
    if connection.vendor == "sqlite":
        with _threads_on_sqlite_file(tmp_path / "amahoro.sqlite3") as config:
            assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
            results = _race(cc, incident, monkeypatch)
    else:
        results = _race(cc, incident, monkeypatch)
    assert sorted(results, key=str) == [200, 409], results
