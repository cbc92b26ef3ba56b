"""Bottom-up approval and period locks: approved or locked data refuses edits with a clear message naming
the org unit and period; who may approve, accept, unapprove; the API."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.api.tests.conftest import api_as, assert_error
from amahoro.core.errors import Conflict, PermissionDenied
from amahoro.data import services
from amahoro.data.models import ApprovalState, DataApproval, DataLock, DataValue
from amahoro.geo.models import OrgUnit

pytestmark = pytest.mark.django_db


def ou(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def put(
    actor: Any, value: str, unit: str = "1101", period: str = "202401", aoc: str | None = None
) -> dict[str, Any]:
    row = {"dataElement": "GBV_TOTAL", "period": period, "orgUnit": unit, "value": value}
    if aoc:
        row["attributeOptionCombo"] = aoc
    return services.datavalues_import(actor=actor, payload={"dataValues": [row]}).as_dict()


def test_approved_data_refuses_edits_naming_org_unit_and_period(cast, meta) -> None:
    put(cast.me_nyarugenge, "1")
    period = services.period_ensure(code="202401")
    services.approval_approve(actor=cast.me_nyarugenge, org_unit=ou("1101"), period=period)
    summary = put(cast.me_nyarugenge, "2")
    conflict = summary["conflicts"][0]
    assert conflict["errorCode"] == "E7642"
    assert (
        conflict["value"].startswith("Data is approved")
        and "1101" in conflict["value"]
        and "202401" in conflict["value"]
    )
    # Below the approved unit too, and for a quarter that overlaps, but not next month or elsewhere.
    assert put(cast.me_nyarugenge, "1", unit="110101")["conflicts"][0]["errorCode"] == "E7642"
    assert put(cast.me_nyarugenge, "1", period="2024Q1")["conflicts"][0]["errorCode"] == "E7642"
    assert put(cast.me_nyarugenge, "1", period="202402")["status"] == "SUCCESS"
    assert put(cast.me_nyarugenge, "1", unit="1102")["status"] == "SUCCESS"
    # Another attribute (organisation) is approved separately.
    assert put(cast.me_nyarugenge, "1", aoc="NGO1")["status"] == "SUCCESS"
    assert (
        DataValue.objects.get(
            org_unit__code="1101", period__code="202401", attribute_option_combo=meta.default
        ).value
        == "1"
    )


def test_single_value_edit_of_approved_data_raises_conflict(cast, meta) -> None:
    period = services.period_ensure(code="202401")
    services.approval_approve(actor=cast.me_nyarugenge, org_unit=ou("11"), period=period)
    with pytest.raises(Conflict) as exc:
        services.datavalue_set(
            actor=cast.me_nyarugenge, data_element=meta.total, org_unit=ou("1101"), period="202401", value="3"
        )
    assert "Data is approved" in exc.value.message and "`11`" in exc.value.message


def test_locked_period_refuses_edits(cast, meta) -> None:
    period = services.period_ensure(code="2024")
    lock = services.data_lock_create(
        actor=cast.me_nyarugenge, period=period, org_unit=ou("11"), reason="annual report sent"
    )
    summary = put(cast.me_nyarugenge, "1", period="202405")
    conflict = summary["conflicts"][0]
    assert conflict["errorCode"] == "E7643" and conflict["value"].startswith("Period is locked")
    assert "2024" in conflict["value"] and "`11`" in conflict["value"]
    assert put(cast.me_nyarugenge, "1", period="202501")["status"] == "SUCCESS"
    with pytest.raises(Conflict, match="Period is locked"):
        services.datavalue_set(
            actor=cast.me_nyarugenge, data_element=meta.total, org_unit=ou("1101"), period="202403", value="3"
        )
    services.data_lock_delete(actor=cast.me_nyarugenge, lock=lock)
    assert put(cast.me_nyarugenge, "1", period="202405")["status"] == "SUCCESS"


def test_lock_for_one_organisation_leaves_others_open(cast, meta) -> None:
    period = services.period_ensure(code="202401")
    services.data_lock_create(actor=cast.sysadmin, period=period, organisation=cast.ngo)
    assert put(cast.me_nyarugenge, "1", aoc="NGO1")["conflicts"][0]["errorCode"] == "E7643"
    assert put(cast.me_nyarugenge, "1")["status"] == "SUCCESS"


def test_locking_needs_approve_permission_over_the_place(cast, meta) -> None:
    period = services.period_ensure(code="202401")
    for user in (cast.clerk_sector, cast.viewer_nyarugenge):
        with pytest.raises(PermissionDenied):
            services.data_lock_create(actor=user, period=period, org_unit=ou("1101"))
    with pytest.raises(PermissionDenied):
        services.data_lock_create(actor=cast.me_gasabo, period=period, org_unit=ou("11"))
    with pytest.raises(PermissionDenied):
        services.data_lock_create(actor=cast.me_nyarugenge, period=period)  # the whole country


def test_bottom_up_submit_approve_accept_and_unapprove(cast, meta) -> None:
    period = services.period_ensure(code="202401")
    sector, district = ou("1101"), ou("11")
    # A clerk submits the sector's data; it stays editable.
    approval = services.approval_submit(actor=cast.clerk_sector, org_unit=sector, period=period)
    assert approval.state == ApprovalState.SUBMITTED and approval.level == sector.depth
    assert put(cast.clerk_sector, "5")["status"] == "SUCCESS"
    # The clerk may not approve.
    with pytest.raises(PermissionDenied):
        services.approval_approve(actor=cast.clerk_sector, org_unit=sector, period=period)
    # The district cannot be approved while the sector's submission waits.
    with pytest.raises(Conflict, match="submitted but not yet approved"):
        services.approval_approve(actor=cast.me_nyarugenge, org_unit=district, period=period)
    services.approval_approve(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    assert put(cast.clerk_sector, "6")["conflicts"][0]["errorCode"] == "E7642"
    # Accepting is for the level above; then the sector cannot unapprove.
    with pytest.raises(PermissionDenied):
        services.approval_accept(actor=cast.clerk_sector, org_unit=sector, period=period)
    services.approval_accept(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    with pytest.raises(Conflict, match="accepted"):
        services.approval_unapprove(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    services.approval_approve(actor=cast.me_nyarugenge, org_unit=district, period=period)
    with pytest.raises(Conflict, match="higher level"):
        services.approval_unaccept(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    # Unwind top-down.
    services.approval_unapprove(actor=cast.me_nyarugenge, org_unit=district, period=period)
    services.approval_unaccept(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    services.approval_unapprove(actor=cast.me_nyarugenge, org_unit=sector, period=period)
    assert not DataApproval.objects.exists()
    assert put(cast.clerk_sector, "7")["status"] == "SUCCESS"


def test_unapprove_needs_data_approve_in_the_place_and_organisation(cast, meta) -> None:
    period = services.period_ensure(code="202401")
    services.approval_approve(
        actor=cast.me_nyarugenge, org_unit=ou("1101"), period=period, attribute_option_combo=meta.aoc_ngo
    )
    for user in (cast.clerk_sector, cast.me_gasabo, cast.police_me_nyarugenge, cast.viewer_nyarugenge):
        with pytest.raises(PermissionDenied):
            services.approval_unapprove(
                actor=user, org_unit=ou("1101"), period=period, attribute_option_combo=meta.aoc_ngo
            )
    with pytest.raises(PermissionDenied):
        services.approval_approve(
            actor=cast.police_me_nyarugenge,
            org_unit=ou("1102"),
            period=period,
            attribute_option_combo=meta.aoc_ngo,
        )
    services.approval_unapprove(
        actor=cast.me_nyarugenge, org_unit=ou("1101"), period=period, attribute_option_combo=meta.aoc_ngo
    )


def test_approval_api(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    state = client.get("/api/v1/dataApprovals", {"orgUnit": "1101", "period": "202401"}).json()
    assert state["state"] == "open" and state["mayApprove"] and state["mayEnter"]
    response = client.post(
        "/api/v1/dataApprovals/approve", {"orgUnit": "1101", "period": "202401"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"
    state = client.get("/api/v1/dataApprovals", {"orgUnit": "1101", "period": "202401"}).json()
    assert (
        state["state"] == "approved"
        and state["locked"].startswith("Data is approved")
        and not state["mayEnter"]
    )
    assert_error(
        client.post("/api/v1/dataApprovals/approve", {"orgUnit": "1101", "period": "202401"}, format="json"),
        409,
    )
    assert_error(
        client.post("/api/v1/dataApprovals/approve", {"orgUnit": "1101", "period": "2014Q5"}, format="json"),
        400,
        "period",
    )
    assert_error(
        client.post("/api/v1/dataApprovals/approve", {"period": "202401"}, format="json"), 400, "orgUnit"
    )
    assert_error(
        client.post("/api/v1/dataApprovals/bless", {"orgUnit": "1101", "period": "202401"}, format="json"),
        404,
    )
    # Refusal: anonymous, wrong role, other district.
    assert_error(
        api_as().post(
            "/api/v1/dataApprovals/unapprove", {"orgUnit": "1101", "period": "202401"}, format="json"
        ),
        401,
    )
    assert_error(
        api_as(cast.clerk_sector).post(
            "/api/v1/dataApprovals/unapprove", {"orgUnit": "1101", "period": "202401"}, format="json"
        ),
        403,
    )
    assert_error(
        api_as(cast.me_gasabo).post(
            "/api/v1/dataApprovals/unapprove", {"orgUnit": "1101", "period": "202401"}, format="json"
        ),
        403,
    )
    assert_error(
        api_as(cast.me_gasabo).get("/api/v1/dataApprovals", {"orgUnit": "1101", "period": "202401"}), 404
    )
    response = client.post(
        "/api/v1/dataApprovals/unapprove", {"orgUnit": "1101", "period": "202401"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "open"


def test_lock_api(cast, meta) -> None:
    client = api_as(cast.me_nyarugenge)
    response = client.post(
        "/api/v1/dataLocks", {"period": "2024", "orgUnit": "11", "reason": "closed"}, format="json"
    )
    assert response.status_code == 201, response.content
    lock_id = response.json()["id"]
    assert [lock["period"] for lock in client.get("/api/v1/dataLocks").json()["dataLocks"]] == ["2024"]
    assert api_as(cast.me_gasabo).get("/api/v1/dataLocks").json()["dataLocks"] == []
    assert_error(api_as(cast.me_gasabo).delete(f"/api/v1/dataLocks/{lock_id}"), 404)
    assert_error(api_as(cast.clerk_sector).delete(f"/api/v1/dataLocks/{lock_id}"), 403)
    assert_error(
        api_as(cast.me_gasabo).post("/api/v1/dataLocks", {"period": "2024", "orgUnit": "11"}, format="json"),
        403,
    )
    assert_error(client.post("/api/v1/dataLocks", {"orgUnit": "11"}, format="json"), 400, "period")
    assert_error(api_as().get("/api/v1/dataLocks"), 401)
    assert client.delete(f"/api/v1/dataLocks/{lock_id}").status_code == 204
    assert not DataLock.objects.exists()
