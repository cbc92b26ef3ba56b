"""Role requests: anyone signed in asks, the organisation's administrators over that place decide; reserved
and server-only roles cannot be asked for; the pages and the API refuse the others."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.accounts import services
from amahoro.accounts.models import RoleAssignment, RoleRequest
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import Conflict, PermissionDenied
from amahoro.geo.models import OrgUnit
from conftest import assert_login_redirect, assert_page_ok, client_for, make_user


@pytest.fixture
def nyarugenge(db: Any) -> OrgUnit:
    return OrgUnit.objects.get(code="11")


@pytest.fixture
def pending(cast: Any, nyarugenge: OrgUnit) -> RoleRequest:
    return services.role_request_create(
        actor=cast.nobody, organisation=cast.ngo, role="data_clerk", org_unit=nyarugenge, reason="registers"
    )


def test_a_user_without_a_role_asks_and_it_is_audited(cast: Any, pending: RoleRequest) -> None:
    assert pending.status == "pending" and pending.user == cast.nobody
    assert AuditEvent.objects.filter(object_type="accounts.rolerequest", object_id=str(pending.pk)).exists()


@pytest.mark.parametrize("role", ["system_admin", "assessment_moderator"])
def test_reserved_and_server_only_roles_cannot_be_requested(cast: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.role_request_create(actor=cast.nobody, organisation=cast.ngo, role=role, org_unit=None)


def test_a_second_pending_request_for_the_same_role_and_place_is_a_conflict(
    cast: Any, pending: RoleRequest, nyarugenge: OrgUnit
) -> None:
    with pytest.raises(Conflict):
        services.role_request_create(
            actor=cast.nobody, organisation=cast.ngo, role="data_clerk", org_unit=nyarugenge
        )


def test_the_organisation_admin_approves_and_the_role_is_given(cast: Any, pending: RoleRequest) -> None:
    decided = services.role_request_decide(actor=cast.ngo_admin, request=pending, approve=True, reason="ok")
    assert decided.status == "approved" and decided.decided_by == cast.ngo_admin
    assert RoleAssignment.objects.filter(user=cast.nobody, role="data_clerk", org_unit__code="11").exists()
    with pytest.raises(Conflict):
        services.role_request_decide(actor=cast.ngo_admin, request=pending, approve=False)


def test_declining_gives_nothing(cast: Any, pending: RoleRequest) -> None:
    services.role_request_decide(actor=cast.ngo_admin, request=pending, approve=False, reason="unknown to us")
    assert not RoleAssignment.objects.filter(user=cast.nobody).exists()
    assert RoleRequest.objects.get(pk=pending.pk).status == "declined"


@pytest.mark.parametrize("who", ["me_nyarugenge", "police_me_nyarugenge", "viewer_nyarugenge", "nobody"])
def test_others_cannot_decide(cast: Any, pending: RoleRequest, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.role_request_decide(actor=getattr(cast, who), request=pending, approve=True)


def test_an_admin_of_another_organisation_cannot_decide(cast: Any, pending: RoleRequest) -> None:
    police_admin = make_user("police_admin", ("org_admin", cast.police, "RW"))
    with pytest.raises(PermissionDenied):
        services.role_request_decide(actor=police_admin, request=pending, approve=True)


def test_an_admin_of_another_district_cannot_decide(cast: Any, pending: RoleRequest) -> None:
    gasabo_admin = make_user("gasabo_admin", ("org_admin", cast.ngo, "12"))
    with pytest.raises(PermissionDenied):
        services.role_request_decide(actor=gasabo_admin, request=pending, approve=True)


# ---------------------------------------------------------------------------------------------------------
# API


def test_api_ask_list_and_decide(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.nobody)
    r = api_client.post(
        "/api/v1/role-requests",
        {"organisation": "NGO1", "role": "viewer", "org_unit": "11", "reason": "reading"},
        format="json",
    )
    assert r.status_code == 201, r.content
    ident = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["user"] == "nobody"
    r = api_client.post(
        "/api/v1/role-requests", {"organisation": "NGO1", "role": "viewer", "org_unit": "11"}, format="json"
    )
    assert r.status_code == 409
    mine = api_client.get("/api/v1/role-requests").json()
    assert [x["id"] for x in mine["results"]] == [ident]
    # The requester cannot decide their own request.
    assert (
        api_client.post(f"/api/v1/role-requests/{ident}/decide", {"approve": True}, format="json").status_code
        == 403
    )

    api_client.force_authenticate(cast.ngo_admin)
    listed = api_client.get("/api/v1/role-requests?status=pending").json()
    assert [x["id"] for x in listed["results"]] == [ident]
    r = api_client.post(
        f"/api/v1/role-requests/{ident}/decide", {"approve": True, "reason": "ok"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved" and r.json()["decided_by"] == "ngo_admin"


def test_api_refusals(cast: Any, api_client: Any, pending: RoleRequest) -> None:
    url = f"/api/v1/role-requests/{pending.uuid}/decide"
    assert api_client.get("/api/v1/role-requests").status_code in (401, 403)
    api_client.force_authenticate(cast.nobody)
    r = api_client.post(
        "/api/v1/role-requests", {"organisation": "NGO1", "role": "system_admin"}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "role"
    r = api_client.post(
        "/api/v1/role-requests", {"organisation": "NGO1", "role": "viewer", "x": 1}, format="json"
    )
    assert r.status_code == 400
    police_admin = make_user("police_admin", ("org_admin", cast.police, "RW"))
    api_client.force_authenticate(police_admin)
    assert api_client.get("/api/v1/role-requests").json()["results"] == []
    assert api_client.post(url, {"approve": True}, format="json").status_code == 404
    api_client.force_authenticate(cast.ngo_admin)
    assert api_client.post(url, {"approve": "yes"}, format="json").status_code == 400
    assert api_client.post(url, {"approve": False}, format="json").status_code == 200
    assert api_client.post(url, {"approve": True}, format="json").status_code == 409


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_pages_ask_then_approve(cast: Any) -> None:
    c = client_for(cast.nobody)
    html = assert_page_ok(c.get("/users/role-requests/new/"))
    assert "system_admin" not in html and "assessment_moderator" not in html
    r = c.post(
        "/users/role-requests/new/",
        {"organisation": cast.ngo.pk, "role": "data_clerk", "org_unit": "11", "reason": "registers"},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/users/role-requests/"
    request = RoleRequest.objects.get()
    assert "registers" in assert_page_ok(c.get("/users/role-requests/"))
    assert c.post(f"/users/role-requests/{request.uuid}/decide/", {"decision": "approve"}).status_code == 404

    admin = client_for(cast.ngo_admin)
    html = assert_page_ok(admin.get("/users/role-requests/"))
    assert f'id="request-{request.uuid}"' in html and "Approve" in html
    r = admin.post(f"/users/role-requests/{request.uuid}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    assert RoleAssignment.objects.filter(user=cast.nobody, role="data_clerk").exists()


def test_page_refusals(cast: Any, client: Any, pending: RoleRequest) -> None:
    assert_login_redirect(client.get("/users/role-requests/new/"))
    assert_login_redirect(client.get("/users/role-requests/"))
    me = client_for(cast.me_nyarugenge)
    assert f"request-{pending.uuid}" not in me.get("/users/role-requests/").content.decode()
    assert me.post(f"/users/role-requests/{pending.uuid}/decide/", {"decision": "approve"}).status_code == 404
    r = client_for(cast.nobody).post(
        "/users/role-requests/new/", {"organisation": cast.ngo.pk, "role": "system_admin", "org_unit": ""}
    )
    assert r.status_code == 400
    r = client_for(cast.nobody).post(
        "/users/role-requests/new/", {"organisation": cast.ngo.pk, "role": "data_clerk", "org_unit": "11"}
    )
    assert r.status_code == 409


def test_home_without_a_role_offers_to_ask_for_one(cast: Any) -> None:
    html = assert_page_ok(client_for(cast.nobody).get("/"))
    assert 'href="/users/role-requests/new/"' in html


def test_the_requestable_roles_enum_of_the_api_document_is_the_serializers_list() -> None:
    from django.conf import settings

    from amahoro.accounts.serializers import _requestable
    from amahoro.roles import ROLE_CHOICES, Role

    overrides = settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
    assert overrides["RequestableRoleEnum"] == _requestable()
    assert overrides["RoleEnum"] == "amahoro.roles.ROLE_CHOICES"
    assert [value for value, _ in ROLE_CHOICES] == [r.value for r in Role]
