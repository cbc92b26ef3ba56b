"""Push to and pull from a remote DHIS2, against a small fake DHIS2 (http.server on 127.0.0.1, a random port)
that checks payloads as DHIS2 2.38+ does: the ApiToken, uids only, known data elements, places and option
combos, valid periods and numeric values; it answers WebMessages (200, or 409 with conflicts)."""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amahoro.audit.models import AuditEvent
from amahoro.core import crypto
from amahoro.core.errors import PermissionDenied
from amahoro.data import dhis2_sync
from amahoro.data.dhis2_schedule import beat_schedule
from amahoro.data.models import DataValue, RemoteDhis2
from amahoro.data.services import datavalues_import
from amahoro.geo.models import OrgUnit

TOKEN = "d2pat_fake0000000000000000000000000000"
PERIOD = re.compile(r"^\d{4}(\d{2}|Q[1-4]|W\d{1,2}|\d{4})?$")


class FakeDhis2:
    """What the fake DHIS2 knows, and the values it holds."""

    data_elements = {"DeCases0001": "INTEGER_ZERO_OR_POSITIVE", "DeTotal0001": "INTEGER"}
    org_units = {"OuNyaru0001", "OuKigali001"}
    cocs = {"HllvX50cXC0", "CocFemale01", "CocMale0001"}

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.queries: list[dict[str, list[str]]] = []

    def check(self, i: int, v: dict[str, Any]) -> dict[str, Any] | None:
        def conflict(obj: Any, message: str, code: str) -> dict[str, Any]:
            return {"object": str(obj), "value": message, "errorCode": code, "indexes": [i]}

        if v.get("dataElement") not in self.data_elements:
            return conflict(v.get("dataElement"), "Data element not found or not accessible", "E7610")
        if not PERIOD.match(str(v.get("period", ""))):
            return conflict(v.get("period"), "Period not valid", "E7611")
        if v.get("orgUnit") not in self.org_units:
            return conflict(v.get("orgUnit"), "Organisation unit not found or not accessible", "E7612")
        for key in ("categoryOptionCombo", "attributeOptionCombo"):
            if v.get(key, "HllvX50cXC0") not in self.cocs:
                return conflict(v.get(key), "Category option combo not found or not accessible", "E7613")
        if not v.get("deleted") and not re.match(r"^-?\d+$", str(v.get("value", ""))):
            return conflict(v.get("value"), "Value must match data element's type constraints", "E7619")
        return None

    def post(self, query: dict[str, list[str]], payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.posts.append({"query": query, "payload": payload})
        counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
        conflicts = []
        for i, v in enumerate(payload.get("dataValues", [])):
            problem = self.check(i, v)
            if problem:
                conflicts.append(problem)
                counts["ignored"] += 1
                continue
            key = (
                v["dataElement"],
                v["period"],
                v["orgUnit"],
                v.get("categoryOptionCombo", "HllvX50cXC0"),
                v.get("attributeOptionCombo", "HllvX50cXC0"),
            )
            if v.get("deleted"):
                counts["deleted" if self.values.pop(key, None) else "ignored"] += 1
                continue
            counts["updated" if key in self.values else "imported"] += 1
            self.values[key] = {**v, "lastUpdated": "2024-02-01T00:00:00.000"}
        status = (
            "ERROR"
            if conflicts and not any(counts[k] for k in ("imported", "updated", "deleted"))
            else ("WARNING" if conflicts else "SUCCESS")
        )
        http = 409 if conflicts else 200
        summary = {
            "responseType": "ImportSummary",
            "status": status,
            "importCount": counts,
            "conflicts": conflicts,
        }
        return http, {
            "httpStatus": "Conflict" if conflicts else "OK",
            "httpStatusCode": http,
            "status": {"SUCCESS": "OK"}.get(status, status),
            "message": "Import was successful." if not conflicts else "One more conflicts encountered.",
            "response": summary,
        }


@pytest.fixture
def fake() -> Iterator[tuple[FakeDhis2, str]]:
    state = FakeDhis2()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"ApiToken {TOKEN}":
                self._answer(401, {"httpStatus": "Unauthorized", "httpStatusCode": 401, "status": "ERROR"})
                return False
            return True

        def do_POST(self) -> None:
            if not self._authorised():
                return
            url = urllib.parse.urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length))
            if url.path != "/api/dataValueSets" or self.headers.get("Content-Type") != "application/json":
                self._answer(404, {"httpStatusCode": 404})
                return
            self._answer(*state.post(urllib.parse.parse_qs(url.query), payload))

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            state.queries.append(query)
            if url.path != "/api/dataValueSets.json":
                self._answer(404, {"httpStatusCode": 404})
                return
            # DHIS2 requires a data set or data elements, org units, and periods or lastUpdated.
            if not (query.get("dataElement") or query.get("dataSet")) or not query.get("orgUnit"):
                self._answer(
                    409, {"httpStatusCode": 409, "message": "At least one data set must be specified"}
                )
                return
            if not (query.get("period") or query.get("lastUpdated") or query.get("startDate")):
                self._answer(409, {"httpStatusCode": 409, "message": "At least one period must be specified"})
                return
            wanted = set(query["dataElement"])
            rows = [v for k, v in state.values.items() if k[0] in wanted]
            self._answer(200, {"dataValues": rows})

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _remote(cast: Any, url: str, run_as: Any = None) -> RemoteDhis2:
    remote = dhis2_sync.remote_save(
        actor=cast.sysadmin, name="hmis", base_url=url, token=TOKEN, run_as=run_as or cast.me_nyarugenge
    )
    for kind, local, uid in (
        ("dataElement", "GBV_CASES", "DeCases0001"),
        ("dataElement", "GBV_TOTAL", "DeTotal0001"),
        ("categoryOptionCombo", "F", "CocFemale01"),
        ("categoryOptionCombo", "M", "CocMale0001"),
    ):
        dhis2_sync.mapping_set(
            actor=cast.sysadmin, remote=remote, kind=kind, local_code=local, remote_uid=uid
        )
    OrgUnit.objects.filter(code="1101").update(uid="OuNyaru0001")  # as imported from the remote's metadata
    return remote


def _values(cast: Any) -> None:
    datavalues_import(
        actor=cast.me_nyarugenge,
        payload={
            "period": "202401",
            "dataValues": [
                {"dataElement": "GBV_CASES", "categoryOptionCombo": "F", "orgUnit": "1101", "value": "12"},
                {"dataElement": "GBV_CASES", "categoryOptionCombo": "M", "orgUnit": "1101", "value": "3"},
                {"dataElement": "GBV_TOTAL", "orgUnit": "1101", "value": "15", "comment": "register"},
                {"dataElement": "POP", "orgUnit": "1101", "value": "412.5"},  # not mapped: never sent
                {"dataElement": "GBV_TOTAL", "orgUnit": "110101", "value": "2"},  # place unknown remotely
            ],
        },
    )


def test_push_sends_mapped_values_by_uid_and_reports_what_was_skipped(
    cast: Any, meta: Any, fake: Any
) -> None:
    state, url = fake
    remote = _remote(cast, url)
    assert remote.token_enc != TOKEN and crypto.decrypt(remote.token_enc) == TOKEN
    _values(cast)
    OrgUnit.objects.filter(code="110101").update(uid="OuUnknown01")
    result = dhis2_sync.dhis2_push(remote=remote, since=date(2020, 1, 1)).as_dict()
    assert result["sent"] == 4 and result["skipped"] == {"dataElement POP": 1}
    assert result["importCount"]["imported"] == 3
    assert [c["errorCode"] for c in result["conflicts"]] == ["E7612"]  # the fake does not know that place
    assert (
        state.values[("DeCases0001", "202401", "OuNyaru0001", "CocFemale01", "HllvX50cXC0")]["value"] == "12"
    )
    assert state.values[("DeTotal0001", "202401", "OuNyaru0001", "HllvX50cXC0", "HllvX50cXC0")][
        "comment"
    ] == ("register")
    assert state.posts[0]["query"]["idScheme"] == ["UID"]
    remote.refresh_from_db()
    assert remote.last_pushed_at is not None
    assert AuditEvent.objects.filter(message__startswith="DHIS2 push to hmis").exists()
    # A deletion travels too; a second push of unchanged values updates nothing new.
    datavalues_import(
        actor=cast.me_nyarugenge,
        payload={
            "dataValues": [{"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101", "value": ""}]
        },
    )
    again = dhis2_sync.dhis2_push(remote=remote, since=date.today()).as_dict()
    assert again["importCount"]["deleted"] == 1
    assert ("DeTotal0001", "202401", "OuNyaru0001", "HllvX50cXC0", "HllvX50cXC0") not in state.values


def test_push_sends_only_what_run_as_may_see(cast: Any, meta: Any, fake: Any) -> None:
    state, url = fake
    remote = _remote(cast, url, run_as=cast.me_gasabo)
    _values(cast)
    result = dhis2_sync.dhis2_push(remote=remote, since=date(2020, 1, 1)).as_dict()
    assert result["sent"] == 0 and not state.values


def test_wrong_token_or_unreachable_remote_is_a_clear_error(cast: Any, meta: Any, fake: Any) -> None:
    _, url = fake
    remote = _remote(cast, url)
    _values(cast)
    remote.token_enc = crypto.encrypt("wrong")
    with pytest.raises(dhis2_sync.RemoteError, match="HTTP 401"):
        dhis2_sync.dhis2_push(remote=remote, since=date(2020, 1, 1))
    remote.base_url = "http://127.0.0.1:9"
    with pytest.raises(dhis2_sync.RemoteError, match="cannot reach"):
        dhis2_sync.dhis2_push(remote=remote, since=date(2020, 1, 1))
    assert RemoteDhis2.objects.get(pk=remote.pk).last_pushed_at is None


def test_pull_imports_remote_values_through_the_ordinary_import(cast: Any, meta: Any, fake: Any) -> None:
    state, url = fake
    remote = _remote(cast, url)
    dhis2_sync.mapping_set(
        actor=cast.sysadmin, remote=remote, kind="orgUnit", local_code="1101", remote_uid="OuNyaru0001"
    )
    state.values[("DeCases0001", "202402", "OuNyaru0001", "CocMale0001", "HllvX50cXC0")] = {
        "dataElement": "DeCases0001",
        "period": "202402",
        "orgUnit": "OuNyaru0001",
        "categoryOptionCombo": "CocMale0001",
        "attributeOptionCombo": "HllvX50cXC0",
        "value": "7",
    }
    state.values[("DeCases0001", "202402", "OuKigali001", "CocMale0001", "HllvX50cXC0")] = {
        "dataElement": "DeCases0001",
        "period": "202402",
        "orgUnit": "OuKigali001",
        "categoryOptionCombo": "CocMale0001",
        "attributeOptionCombo": "HllvX50cXC0",
        "value": "9",
    }
    result = dhis2_sync.dhis2_pull(remote=remote, since=date(2024, 1, 1)).as_dict()
    assert result["importCount"]["imported"] == 1
    assert result["conflicts"][0]["object"] == "remote:OuKigali001"  # no local place for it: refused, named
    value = DataValue.objects.get(period__code="202402")
    assert (value.org_unit.code, value.category_option_combo.code, value.value) == ("1101", "M", "7")
    assert state.queries[0]["lastUpdated"] == ["2024-01-01"] and state.queries[0]["orgUnit"] == [
        "OuNyaru0001"
    ]


def test_commands_and_schedule(cast: Any, meta: Any, fake: Any) -> None:
    _, url = fake
    _remote(cast, url)
    _values(cast)
    out = io.StringIO()
    call_command("dhis2_push", "--since", "2020-01-01", "--remote", "hmis", stdout=out)
    assert json.loads(out.getvalue().splitlines()[0])["importCount"]["imported"] == 3
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("dhis2_push", "--since", "yesterday")
    with pytest.raises(CommandError, match="no remote DHIS2 named"):
        call_command("dhis2_push", "--remote", "nope")
    from amahoro.data.tasks import dhis2_sync as task

    assert task()[0]["direction"] == "push"
    entry = beat_schedule("3")["dhis2-sync-daily"]
    assert entry["args"] == ["amahoro.data.tasks.dhis2_sync"]
    assert beat_schedule("") == {}
    with pytest.raises(ValueError, match="0-23"):
        beat_schedule("25")


def test_only_system_administrators_configure_remotes(cast: Any, meta: Any) -> None:
    with pytest.raises(PermissionDenied):
        dhis2_sync.remote_save(
            actor=cast.me_nyarugenge,
            name="x",
            base_url="https://x.org",
            token=TOKEN,
            run_as=cast.me_nyarugenge,
        )
    with pytest.raises(Exception, match="http"):
        dhis2_sync.remote_save(
            actor=cast.sysadmin, name="x", base_url="file:///etc/passwd", token=TOKEN, run_as=cast.sysadmin
        )
    assert not RemoteDhis2.objects.exists()
