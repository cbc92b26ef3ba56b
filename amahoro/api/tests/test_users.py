"""/api/v1/users, /me and /role-assignments: who sees which accounts and grants, who may create accounts
and hand out roles (only their own organisation, only their part of the country, never system_admin)."""

from __future__ import annotations

import pytest

from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit.models import AuditEvent
from conftest import make_user

from .conftest import api_as, assert_error

STRONG = "a-long-and-unusual-passphrase-42"


def _usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [u["username"] for u in response.json()["results"]]


# --- users -------------------------------------------------------------------------------------------


def test_org_admin_lists_their_organisation_members_with_roles(cast) -> None:
    response = api_as(cast.ngo_admin).get("/api/v1/users")
    names = _usernames(response)
    assert {"ngo_admin", "me_nyarugenge", "me_gasabo", "viewer_nyarugenge", "clerk_sector"} == set(names)
    gasabo = next(u for u in response.json()["results"] if u["username"] == "me_gasabo")
    assert [(r["organisation"], r["role"], r["org_unit"]) for r in gasabo["roles"]] == [
        ("NGO1", "me_officer", "12")
    ]


def test_other_organisations_members_are_absent_and_404(cast) -> None:
    client = api_as(cast.ngo_admin)
    assert "police_me_nyarugenge" not in _usernames(client.get("/api/v1/users"))
    assert_error(client.get("/api/v1/users/police_me_nyarugenge"), 404)
    assert_error(client.get("/api/v1/users/no-such-user"), 404)


def test_district_admin_sees_only_members_in_their_district(cast) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    client = api_as(admin11)
    names = _usernames(client.get("/api/v1/users"))
    assert {"admin11", "me_nyarugenge", "viewer_nyarugenge", "clerk_sector"} == set(names)
    assert_error(client.get("/api/v1/users/me_gasabo"), 404)


def test_a_user_without_user_view_sees_only_themself(cast) -> None:
    for user in (cast.me_gasabo, cast.nobody):
        client = api_as(user)
        assert _usernames(client.get("/api/v1/users")) == [user.username]
        assert client.get(f"/api/v1/users/{user.username}").status_code == 200
        assert_error(client.get("/api/v1/users/ngo_admin"), 404)


def test_system_admin_sees_roles_across_organisations(cast) -> None:
    body = api_as(cast.sysadmin).get("/api/v1/users/police_me_nyarugenge").json()
    assert body["roles"][0]["organisation"] == "RNP"
    assert "password" not in body


def test_user_search_and_bad_parameters(cast) -> None:
    client = api_as(cast.ngo_admin)
    assert _usernames(client.get("/api/v1/users", {"q": "gasabo"})) == ["me_gasabo"]
    assert_error(client.get("/api/v1/users", {"q": "x" * 101}), 400, "q")
    assert_error(client.get("/api/v1/users", {"query": "x"}), 400, "query")
    assert_error(client.get("/api/v1/users", {"page_size": "ten"}), 400, "page_size")


def test_org_admin_creates_a_user_with_a_role(cast) -> None:
    payload = {
        "username": "new_clerk",
        "password": STRONG,
        "email": "new_clerk@example.org",
        "roles": [{"organisation": "NGO1", "role": "data_clerk", "org_unit": "11"}],
    }
    response = api_as(cast.ngo_admin).post("/api/v1/users", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "new_clerk" and "password" not in body
    assert [(r["organisation"], r["role"], r["org_unit"]) for r in body["roles"]] == [
        ("NGO1", "data_clerk", "11")
    ]
    user = User.objects.get(username="new_clerk")
    assert user.check_password(STRONG)
    assert AuditEvent.objects.filter(
        action="create", object_type="accounts.user", object_id=str(user.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="grant", object_type="accounts.roleassignment").exists()
    assert not AuditEvent.objects.filter(changes__icontains=STRONG).exists()


def test_user_without_role_is_created_and_returned(cast) -> None:
    response = api_as(cast.ngo_admin).post(
        "/api/v1/users", {"username": "plain", "password": STRONG}, format="json"
    )
    assert response.status_code == 201 and response.json()["roles"] == []


@pytest.mark.parametrize("who", ["me_nyarugenge", "viewer_nyarugenge", "nobody"])
def test_users_without_user_manage_cannot_create_users(cast, who) -> None:
    response = api_as(getattr(cast, who)).post(
        "/api/v1/users", {"username": "x1", "password": STRONG}, format="json"
    )
    assert_error(response, 403)
    assert not User.objects.filter(username="x1").exists()


def test_refused_role_undoes_the_new_account(cast) -> None:
    payload = {
        "username": "mole",
        "password": STRONG,
        "roles": [{"organisation": "RNP", "role": "viewer", "org_unit": "11"}],
    }
    assert_error(api_as(cast.ngo_admin).post("/api/v1/users", payload, format="json"), 403, "role")
    assert not User.objects.filter(username="mole").exists()
    assert not AuditEvent.objects.filter(changes__username="mole").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "ngo_admin", "password": STRONG}, "username"),
        ({"username": "bad name!", "password": STRONG}, "username"),
        ({"username": "weak", "password": "123"}, "password"),
        ({"username": "nopass"}, "password"),
        ({"username": "x2", "password": STRONG, "email": "nope"}, "email"),
        ({"username": "x2", "password": STRONG, "is_superuser": True}, "is_superuser"),
        (
            {"username": "x2", "password": STRONG, "roles": [{"organisation": "NOPE", "role": "viewer"}]},
            "roles.0.organisation",
        ),
        (
            {
                "username": "x2",
                "password": STRONG,
                "roles": [
                    {"organisation": "NGO1", "role": "viewer"},
                    {"organisation": "NGO1", "role": "boss"},
                ],
            },
            "roles.1.role",
        ),
    ],
)
def test_bad_new_user_is_400_naming_the_field(cast, payload, field) -> None:
    assert_error(api_as(cast.ngo_admin).post("/api/v1/users", payload, format="json"), 400, field)


# --- me ----------------------------------------------------------------------------------------------


def test_me_lists_roles_and_permissions(cast) -> None:
    body = api_as(cast.me_nyarugenge).get("/api/v1/me").json()
    assert body["username"] == "me_nyarugenge"
    assert [(r["organisation"], r["role"], r["org_unit"]) for r in body["roles"]] == [
        ("NGO1", "me_officer", "11")
    ]
    assert "data.enter" in body["permissions"] and "user.manage" not in body["permissions"]
    assert body["permissions"] == sorted(body["permissions"])


def test_me_shows_all_own_roles_across_organisations(cast) -> None:
    both = make_user("both", ("viewer", cast.ngo, "11"), ("me_officer", cast.police, "12"))
    roles = api_as(both).get("/api/v1/me").json()["roles"]
    assert sorted((r["organisation"], r["org_unit"]) for r in roles) == [("NGO1", "11"), ("RNP", "12")]


def test_me_rejects_parameters(cast) -> None:
    assert_error(api_as(cast.nobody).get("/api/v1/me", {"user": "ngo_admin"}), 400, "user")


# --- role assignments --------------------------------------------------------------------------------


def _assignments(response) -> list[tuple[str, str, str, str | None]]:
    assert response.status_code == 200, response.content
    return [(a["user"], a["organisation"], a["role"], a["org_unit"]) for a in response.json()["results"]]


def test_org_admin_lists_their_organisations_assignments(cast) -> None:
    rows = _assignments(api_as(cast.ngo_admin).get("/api/v1/role-assignments"))
    assert {r[1] for r in rows} == {"NGO1"}
    assert ("me_gasabo", "NGO1", "me_officer", "12") in rows
    filtered = _assignments(api_as(cast.ngo_admin).get("/api/v1/role-assignments", {"role": "viewer"}))
    assert filtered == [("viewer_nyarugenge", "NGO1", "viewer", "11")]
    assert _assignments(api_as(cast.ngo_admin).get("/api/v1/role-assignments", {"user": "me_gasabo"})) == [
        ("me_gasabo", "NGO1", "me_officer", "12")
    ]


def test_others_see_only_their_own_assignments(cast) -> None:
    assert _assignments(api_as(cast.me_gasabo).get("/api/v1/role-assignments")) == [
        ("me_gasabo", "NGO1", "me_officer", "12")
    ]
    assert _assignments(api_as(cast.nobody).get("/api/v1/role-assignments")) == []


@pytest.mark.parametrize(
    ("params", "field"), [({"role": "boss"}, "role"), ({"usr": "x"}, "usr"), ({"page": "1.5"}, "page")]
)
def test_bad_assignment_list_parameters_are_400(cast, params, field) -> None:
    assert_error(api_as(cast.ngo_admin).get("/api/v1/role-assignments", params), 400, field)


def test_org_admin_assigns_a_role_in_their_organisation(cast) -> None:
    payload = {"user": "nobody", "organisation": "NGO1", "role": "viewer", "org_unit": "1101"}
    response = api_as(cast.ngo_admin).post("/api/v1/role-assignments", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["org_unit"] == "1101"
    assignment = RoleAssignment.objects.get(user=cast.nobody)
    event = AuditEvent.objects.get(action="grant", object_id=str(assignment.pk))
    assert event.actor_username == "ngo_admin" and event.organisation_id == cast.ngo.pk
    # The new role takes effect at once.
    assert api_as(cast.nobody).get("/api/v1/orgunits/1101").status_code == 200


@pytest.mark.parametrize(
    ("who", "payload"),
    [
        ("ngo_admin", {"organisation": "RNP", "role": "viewer", "org_unit": "11"}),  # other organisation
        ("ngo_admin", {"organisation": "NGO1", "role": "system_admin", "org_unit": "11"}),  # reserved role
        ("me_nyarugenge", {"organisation": "NGO1", "role": "viewer", "org_unit": "11"}),  # no role.assign
        ("nobody", {"organisation": "NGO1", "role": "viewer", "org_unit": "11"}),
        ("sysadmin", {"organisation": "NGO1", "role": "viewer", "org_unit": None}),  # beyond their subtree
    ],
)
def test_assignments_not_yours_to_give_are_403(cast, who, payload) -> None:
    response = api_as(getattr(cast, who)).post(
        "/api/v1/role-assignments", {"user": "nobody", **payload}, format="json"
    )
    assert_error(response, 403)
    assert not RoleAssignment.objects.filter(user=cast.nobody).exists()


def test_district_admin_cannot_assign_in_another_district(cast) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    client = api_as(admin11)
    payload = {"user": "nobody", "organisation": "NGO1", "role": "viewer"}
    assert_error(client.post("/api/v1/role-assignments", {**payload, "org_unit": "12"}, format="json"), 403)
    assert_error(client.post("/api/v1/role-assignments", payload, format="json"), 403)  # everywhere
    assert (
        client.post("/api/v1/role-assignments", {**payload, "org_unit": "1102"}, format="json").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"user": "ghost", "organisation": "NGO1", "role": "viewer", "org_unit": "11"}, "user"),
        ({"user": "nobody", "organisation": "GHOST", "role": "viewer", "org_unit": "11"}, "organisation"),
        ({"user": "nobody", "organisation": "NGO1", "role": "boss", "org_unit": "11"}, "role"),
        ({"user": "nobody", "organisation": "NGO1", "role": "viewer", "org_unit": "nowhere"}, "org_unit"),
        (
            {"user": "nobody", "organisation": "NGO1", "role": "viewer", "org_unit": "11", "until": "2030"},
            "until",
        ),
        ({"organisation": "NGO1", "role": "viewer"}, "user"),
    ],
)
def test_bad_assignment_is_400_naming_the_field(cast, payload, field) -> None:
    assert_error(api_as(cast.ngo_admin).post("/api/v1/role-assignments", payload, format="json"), 400, field)


def test_org_admin_revokes_an_assignment(cast) -> None:
    assignment = RoleAssignment.objects.get(user=cast.me_gasabo)
    response = api_as(cast.ngo_admin).delete(f"/api/v1/role-assignments/{assignment.pk}")
    assert response.status_code == 204
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(
        action="revoke", object_id=str(assignment.pk), actor_username="ngo_admin"
    ).exists()


def test_revoking_needs_the_right_to_give_the_role(cast) -> None:
    own = RoleAssignment.objects.get(user=cast.me_gasabo)
    assert_error(api_as(cast.me_gasabo).delete(f"/api/v1/role-assignments/{own.pk}"), 403)
    police = RoleAssignment.objects.get(user=cast.police_me_nyarugenge)
    assert_error(api_as(cast.ngo_admin).delete(f"/api/v1/role-assignments/{police.pk}"), 404)
    assert_error(api_as(cast.ngo_admin).delete("/api/v1/role-assignments/999999"), 404)
    assert RoleAssignment.objects.filter(pk__in=[own.pk, police.pk]).count() == 2


def test_district_admin_cannot_revoke_in_another_district(cast) -> None:
    admin11 = make_user("admin11", ("org_admin", cast.ngo, "11"))
    gasabo = RoleAssignment.objects.get(user=cast.me_gasabo)
    assert_error(api_as(admin11).delete(f"/api/v1/role-assignments/{gasabo.pk}"), 404)
    assert RoleAssignment.objects.filter(pk=gasabo.pk).exists()
