"""/api/v1/audit and /api/v1/audit.csv: only holders of audit.view / audit.export, only their organisation's
events in their part of the country, filters checked, and every export recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.audit.services import audit_record
from conftest import make_user

from .conftest import api_as, assert_error


@pytest.fixture
def events(cast) -> dict[str, AuditEvent]:
    return {
        "ngo_11": audit_record(
            actor=cast.me_nyarugenge,
            action="update",
            object_type="data.datavalue",
            object_id="1",
            organisation_id=cast.ngo.pk,
            org_unit_path="/RW/1/11/1101/",
            changes={"value": [1, 2]},
        ),
        "ngo_12": audit_record(
            actor=cast.me_gasabo,
            action="create",
            object_type="data.datavalue",
            object_id="2",
            organisation_id=cast.ngo.pk,
            org_unit_path="/RW/1/12/",
        ),
        "ngo_org": audit_record(
            actor=cast.ngo_admin,
            action="update",
            obj=cast.ngo,
            organisation_id=cast.ngo.pk,
            message='=HYPERLINK("http://evil")',
        ),
        "police": audit_record(
            actor=cast.police_me_nyarugenge,
            action="create",
            object_type="data.datavalue",
            object_id="3",
            organisation_id=cast.police.pk,
            org_unit_path="/RW/1/11/",
        ),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {e["id"] for e in response.json()["results"]}


def test_org_admin_reads_their_organisations_events_only(cast, events) -> None:
    seen = _ids(api_as(cast.ngo_admin).get("/api/v1/audit"))
    assert {events["ngo_11"].pk, events["ngo_12"].pk, events["ngo_org"].pk} <= seen
    assert events["police"].pk not in seen


def test_event_shape(cast, events) -> None:
    body = (
        api_as(cast.ngo_admin)
        .get("/api/v1/audit", {"object_type": "data.datavalue", "actor": "me_nyarugenge"})
        .json()
    )
    assert body["count"] == 1
    event = body["results"][0]
    assert event["actor"] == "me_nyarugenge" and event["action"] == "update"
    assert event["organisation"] == "NGO1" and event["org_unit_path"] == "/RW/1/11/1101/"
    assert event["changes"] == {"value": [1, 2]}


def test_district_auditor_sees_only_their_district(cast, events) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    seen = _ids(api_as(admin11).get("/api/v1/audit"))
    assert events["ngo_11"].pk in seen
    assert events["ngo_org"].pk in seen  # organisation-wide, no place
    assert events["ngo_12"].pk not in seen
    assert events["police"].pk not in seen


def test_system_admin_reads_across_organisations(cast, events) -> None:
    seen = _ids(api_as(cast.sysadmin).get("/api/v1/audit", {"object_type": "data.datavalue"}))
    assert seen == {events["ngo_11"].pk, events["ngo_12"].pk, events["police"].pk}


@pytest.mark.parametrize("who", ["me_nyarugenge", "viewer_nyarugenge", "clerk_sector", "nobody"])
def test_without_audit_view_is_403(cast, events, who) -> None:
    assert_error(api_as(getattr(cast, who)).get("/api/v1/audit"), 403)
    assert_error(api_as(getattr(cast, who)).get("/api/v1/audit.csv"), 403)


def test_filters(cast, events) -> None:
    client = api_as(cast.ngo_admin)
    assert _ids(client.get("/api/v1/audit", {"action": "create", "object_type": "data.datavalue"})) == {
        events["ngo_12"].pk
    }
    today = dt.date.today().isoformat()
    assert events["ngo_11"].pk in _ids(client.get("/api/v1/audit", {"since": today, "until": "2999-01-01"}))
    assert _ids(client.get("/api/v1/audit", {"until": "2000-01-01"})) == set()
    assert _ids(client.get("/api/v1/audit", {"sensitive": "true"})) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "until"),
        ({"action": "destroy"}, "action"),
        ({"actor": "x" * 151}, "actor"),
        ({"sensitive": "kinda"}, "sensitive"),
        ({"acton": "create"}, "acton"),
        ({"page": "next"}, "page"),
    ],
)
def test_bad_parameters_are_400_naming_them(cast, params, field) -> None:
    assert_error(api_as(cast.ngo_admin).get("/api/v1/audit", params), 400, field)
    if field not in ("page",):
        assert_error(api_as(cast.ngo_admin).get("/api/v1/audit.csv", params), 400, field)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_is_scoped_and_audited(cast, events) -> None:
    rows = _csv(api_as(cast.ngo_admin).get("/api/v1/audit.csv", {"object_type": "data.datavalue"}))
    assert sorted(r["actor"] for r in rows) == ["me_gasabo", "me_nyarugenge"]
    export = AuditEvent.objects.filter(action="export", actor_username="ngo_admin").get()
    assert export.changes == {"filters": {"object_type": "data.datavalue"}, "rows": 2}
    assert export.organisation_id == cast.ngo.pk
    # The export shows up in the log its organisation's administrators read.
    assert export.pk in _ids(api_as(cast.ngo_admin).get("/api/v1/audit", {"action": "export"}))


def test_csv_cells_cannot_run_as_formulas(cast, events) -> None:
    rows = _csv(
        api_as(cast.ngo_admin).get("/api/v1/audit.csv", {"object_type": "organisations.organisation"})
    )
    assert rows[0]["message"].startswith("'=")


def test_csv_of_a_district_auditor_leaves_out_other_districts(cast, events) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    rows = _csv(api_as(admin11).get("/api/v1/audit.csv", {"object_type": "data.datavalue"}))
    assert [r["actor"] for r in rows] == ["me_nyarugenge"]


def test_case_supervisor_may_read_but_not_export(cast, events) -> None:
    supervisor = make_user("supervisor11", ("case_supervisor", cast.ngo, "11"))
    assert api_as(supervisor).get("/api/v1/audit").status_code == 200
    assert_error(api_as(supervisor).get("/api/v1/audit.csv"), 403)
    assert not AuditEvent.objects.filter(action="export").exists()
