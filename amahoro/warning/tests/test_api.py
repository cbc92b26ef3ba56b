"""/api/v1/ewer/: signal types, create (201, 400 naming the field), the scoped list and detail (another
district's focal point gets 404; content only for those who act), transitions (200, 403, 404, 409)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error

from .conftest import DESCRIPTION, REPORTER, create, yesterday

pytestmark = pytest.mark.django_db

URL = "/api/v1/ewer/signals"


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "gbv",
        "org_unit": "1101",
        "occurred_on": yesterday().isoformat(),
        "urgency": "immediate",
        "description": DESCRIPTION,
        "reporter": REPORTER,
    }
    out.update(overrides)
    return out


def test_signal_types_need_signal_view(ec: Any) -> None:
    assert_error(api_as().get("/api/v1/ewer/signal-types"), 401)
    assert_error(api_as(ec.nobody).get("/api/v1/ewer/signal-types"), 403)
    rows = api_as(ec.responder).get("/api/v1/ewer/signal-types").json()
    assert [r["code"] for r in rows] == ["gbv", "land_dispute"]
    assert rows[0]["name_fr"] == "Violence basée sur le genre" and rows[0]["keywords"] == ["GBV"]


def test_create_answers_201_with_status_assignment_and_deadline(ec: Any) -> None:
    response = api_as(ec.focal).post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "new" and data["assigned_to"] is None and data["due_at"]
    assert data["id"] and data["type"] == "gbv" and data["org_unit"] == "1101"
    assert "description" not in data and "reporter" not in data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "nope"}, "type"),
        ({"org_unit": "99999"}, "org_unit"),
        ({"org_unit": "11"}, "org_unit"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "soon"}, "occurred_on"),
        ({"urgency": "extreme"}, "urgency"),
        ({"description": "x" * 2001}, "description"),
        ({"reporter": {"name": "x" * 201}}, "reporter.name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field(ec: Any, overrides: dict[str, Any], field: str) -> None:
    assert_error(api_as(ec.focal).post(URL, body(**overrides), format="json"), 400, field)


def test_create_refusals(ec: Any) -> None:
    assert_error(api_as().post(URL, body(), format="json"), 401)
    assert_error(api_as(ec.nobody).post(URL, body(), format="json"), 403)
    assert_error(api_as(ec.focal_gasabo).post(URL, body(), format="json"), 400, "org_unit")


def test_list_is_scoped_and_filtered(ec: Any) -> None:
    mine = create()
    create(type="land_dispute", org_unit="1102", urgency="routine")
    create(org_unit="1201")  # Gasabo
    data = api_as(ec.focal).get(URL).json()
    assert data["count"] == 2
    assert all("description" not in r and "reporter" not in r for r in data["results"])
    assert [r["id"] for r in api_as(ec.focal).get(URL, {"type": "gbv"}).json()["results"]] == [str(mine.uuid)]
    assert api_as(ec.focal).get(URL, {"org_unit": "1102"}).json()["count"] == 1
    assert api_as(ec.focal).get(URL, {"status": "resolved"}).json()["count"] == 0
    assert api_as(ec.focal_gasabo).get(URL).json()["count"] == 1
    assert api_as(ec.me_officer).get(URL).json()["count"] == 2
    assert_error(api_as(ec.focal).get(URL, {"status": "open"}), 400, "status")
    assert_error(api_as(ec.focal).get(URL, {"colour": "x"}), 400, "colour")
    assert_error(api_as().get(URL), 401)
    assert_error(api_as(ec.nobody).get(URL), 403)


def test_other_district_focal_point_gets_404(ec: Any) -> None:
    signal = create()
    assert_error(api_as(ec.focal_gasabo).get(f"{URL}/{signal.uuid}"), 404)
    assert_error(
        api_as(ec.focal_gasabo).post(f"{URL}/{signal.uuid}/transition", {"to": "verified"}, format="json"),
        404,
    )
    assert_error(api_as(ec.focal).get(f"{URL}/not-a-uuid"), 404)


def test_detail_content_by_role(ec: Any) -> None:
    signal = create()
    focal = api_as(ec.focal).get(f"{URL}/{signal.uuid}").json()
    assert focal["description"] == DESCRIPTION and focal["reporter"] == REPORTER
    assert focal["allowed_transitions"] == ["verified", "discarded", "assigned"]
    viewer = api_as(ec.me_officer).get(f"{URL}/{signal.uuid}").json()
    assert viewer["description"] is None and viewer["reporter"] is None
    responder = api_as(ec.responder).get(f"{URL}/{signal.uuid}").json()
    assert responder["description"] is None  # not assigned to RIB yet
    api_as(ec.focal).post(
        f"{URL}/{signal.uuid}/transition", {"to": "assigned", "assign_to": "RIB"}, format="json"
    )
    responder = api_as(ec.responder).get(f"{URL}/{signal.uuid}").json()
    assert responder["description"] == DESCRIPTION and responder["reporter"] is None
    assert responder["allowed_transitions"] == ["responding"]
    other = api_as(ec.maj_responder).get(f"{URL}/{signal.uuid}").json()
    assert other["description"] is None and other["reporter"] is None


def test_transitions_through_the_api(ec: Any) -> None:
    signal = create()
    url = f"{URL}/{signal.uuid}/transition"
    ok = api_as(ec.focal).post(url, {"to": "verified", "note": "checked"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    assert ok.json()["transitions"][0]["by"] == "focal" and ok.json()["transitions"][0]["note"] == "checked"
    body409 = assert_error(api_as(ec.focal).post(url, {"to": "resolved"}, format="json"), 409)
    assert "verified" in body409["error"] and "resolved" in body409["error"]
    assert_error(api_as(ec.responder).post(url, {"to": "assigned"}, format="json"), 403)
    assert_error(
        api_as(ec.focal).post(url, {"to": "assigned", "assign_to": "NOPE"}, format="json"), 400, "assign_to"
    )
    assert_error(api_as(ec.focal).post(url, {"to": "flying"}, format="json"), 400, "to")
    assigned = api_as(ec.focal).post(url, {"to": "assigned", "assign_to": "RIB"}, format="json").json()
    assert assigned["assigned_to"] == "RIB"
    assert api_as(ec.responder).post(url, {"to": "responding"}, format="json").status_code == 200
    viewer = api_as(ec.me_officer).get(f"{URL}/{signal.uuid}").json()
    assert all(t["note"] is None for t in viewer["transitions"])
    assert_error(api_as().post(url, {"to": "resolved"}, format="json"), 401)


def test_reading_the_reporter_is_audited_without_the_contact(ec: Any) -> None:
    from amahoro.audit.models import AuditEvent

    signal = create()
    api_as(ec.me_officer).get(f"{URL}/{signal.uuid}")
    assert not AuditEvent.objects.filter(action="read", object_id=str(signal.uuid)).exists()
    api_as(ec.focal).get(f"{URL}/{signal.uuid}")
    row = AuditEvent.objects.get(action="read", object_id=str(signal.uuid))
    assert row.actor_username == "focal" and "Reportername" not in str(row.changes) + row.message
