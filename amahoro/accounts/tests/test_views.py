"""Sign-in, lockout, two-factor, sign-in audit events, and the users-and-roles pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit.models import AuditEvent
from conftest import PASSWORD, assert_login_redirect, assert_page_ok, client_for, make_user

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


# ---------------------------------------------------------------------------------------------------------
# Sign-in, sign-out, lockout


def test_login_page_renders_with_language_selector() -> None:
    html = assert_page_ok(Client().get("/accounts/login/"))
    assert 'id="login-form"' in html and 'name="username"' in html and 'name="password"' in html
    assert 'action="/i18n/setlang/"' in html and 'value="rw"' in html and 'value="fr"' in html


def test_login_with_the_real_form_and_audit_row(cast) -> None:
    c = Client()
    response = login(c, "me_nyarugenge")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert c.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="login").latest("id")
    assert event.actor_username == "me_nyarugenge" and event.object_type == "accounts.user"


def test_login_honours_a_safe_next_only(cast) -> None:
    response = login(Client(), "me_nyarugenge", next="/places/")
    assert response.headers["Location"] == "/places/"
    response = login(Client(), "me_nyarugenge", next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_wrong_password_rerenders_with_error_and_is_audited(cast) -> None:
    response = login(Client(), "me_nyarugenge", "wrong-password")
    html = assert_page_ok(response)
    assert "Wrong username or password" in html
    event = AuditEvent.objects.filter(action="login_failed").latest("id")
    assert event.changes == {"username": "me_nyarugenge"} and event.actor is None
    assert "wrong-password" not in str(event.changes) + event.message


def test_lockout_after_repeated_failures_shows_the_lockout_page(cast, settings) -> None:
    c = Client()
    responses = [login(c, "me_gasabo", f"wrong-{i}") for i in range(settings.AXES_FAILURE_LIMIT)]
    locked = responses[-1]
    assert locked.status_code in (403, 429)
    html = locked.content.decode()
    assert 'id="locked-out"' in html and "Too many failed sign-ins" in html
    # even the right password is refused while locked
    again = login(c, "me_gasabo")
    assert again.status_code in (403, 429) and "Too many failed sign-ins" in again.content.decode()


def test_logout_is_post_only_and_audited(cast) -> None:
    c = client_for(cast.viewer_nyarugenge)
    assert c.get("/accounts/logout/").status_code == 405
    response = c.post("/accounts/logout/")
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/login/"
    assert AuditEvent.objects.filter(action="logout", actor_username="viewer_nyarugenge").exists()
    assert_login_redirect(c.get("/"))


def test_logged_in_user_visiting_login_goes_home(cast) -> None:
    assert client_for(cast.viewer_nyarugenge).get("/accounts/login/").status_code == 302


# ---------------------------------------------------------------------------------------------------------
# Two-factor


@pytest.fixture
def two_factor_on(settings):
    settings.AMAHORO_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def _code(device: TOTPDevice, *, ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{totp.token():0{device.digits}d}"


def test_case_worker_sets_up_and_uses_totp(cast, two_factor_on) -> None:
    make_user("case_worker_11", ("case_worker", cast.ngo, "11"))
    c = Client()
    assert login(c, "case_worker_11").status_code == 302
    response = c.get("/places/")
    assert (
        response.status_code == 302 and response.headers["Location"] == "/accounts/two-factor/?next=/places/"
    )
    # No authenticator yet: first the enrolment code an administrator issued (nothing to scan before it).
    html = assert_page_ok(c.get(response.headers["Location"]))
    assert 'id="two-factor-enrol"' in html and "totp-secret" not in html and "<svg" not in html
    from amahoro.accounts.services import totp_enrolment_issue

    _, code = totp_enrolment_issue(actor=cast.ngo_admin, user=User.objects.get(username="case_worker_11"))
    entered = c.post("/accounts/two-factor/", {"enrolment": code, "next": "/places/"})
    assert entered.status_code == 302
    page = c.get(entered.headers["Location"])
    html = assert_page_ok(page)
    assert 'id="two-factor-setup"' in html and "<svg" in html
    secret = re.search(r'id="totp-secret">([A-Z2-7=]+)<', html).group(1)
    device = TOTPDevice.objects.get(user__username="case_worker_11")
    assert not device.confirmed and secret
    # a wrong code: the form again with an error, nothing confirmed
    bad = c.post(
        "/accounts/two-factor/",
        {"token": "000000" if _code(device) != "000000" else "111111", "next": "/places/"},
    )
    assert bad.status_code == 400 and "That code is not right" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    good = c.post("/accounts/two-factor/", {"token": _code(device), "next": "/places/"})
    assert good.status_code == 302 and good.headers["Location"] == "/places/"
    device.refresh_from_db()
    assert device.confirmed
    assert c.get("/places/").status_code == 200
    assert AuditEvent.objects.filter(action="login", message="two-factor verified").exists()

    # next sign-in: verify only, no secret shown again; an off-site next is ignored
    c2 = Client()
    login(c2, "case_worker_11")
    html = c2.get("/accounts/two-factor/?next=/").content.decode()
    assert 'id="two-factor-verify"' in html and "totp-secret" not in html and "<svg" not in html
    done = c2.post("/accounts/two-factor/?next=https://evil.example/", {"token": _code(device, ahead=1)})
    assert done.status_code == 302 and done.headers["Location"] == "/"


def test_two_factor_bad_input_is_a_field_error(cast, two_factor_on) -> None:
    from amahoro.accounts.services import totp_enrolment_issue

    worker = make_user("case_worker_12", ("case_worker", cast.ngo, "12"))
    c = Client()
    login(c, "case_worker_12")
    response = c.post("/accounts/two-factor/", {"token": "123456"})  # no enrolment code yet
    assert response.status_code == 400 and 'id="two-factor-enrol"' in response.content.decode()
    _, code = totp_enrolment_issue(actor=cast.ngo_admin, user=worker)
    assert c.post("/accounts/two-factor/", {"enrolment": code}).status_code == 302
    response = c.post("/accounts/two-factor/", {"token": "abc"})
    assert response.status_code == 400 and "Enter the six digits" in response.content.decode()


def test_two_factor_not_required_for_other_roles(cast, two_factor_on) -> None:
    c = Client()
    login(c, "me_nyarugenge")
    assert c.get("/places/").status_code == 200


def test_two_factor_page_needs_login() -> None:
    assert_login_redirect(Client().get("/accounts/two-factor/"))


# ---------------------------------------------------------------------------------------------------------
# Users and roles


@pytest.mark.parametrize("url", ["/users/", "/users/new/", "/users/me_gasabo/", "/users/me_gasabo/assign/"])
def test_user_pages_need_login(cast, url: str) -> None:
    assert_login_redirect(Client().get(url))


def test_revoke_needs_login(cast) -> None:
    a = RoleAssignment.objects.get(user=cast.me_gasabo)
    assert_login_redirect(Client().post(f"/users/assignments/{a.uuid}/revoke/"))


def test_user_list_refused_without_user_view(cast) -> None:
    assert client_for(cast.me_nyarugenge).get("/users/").status_code == 403
    assert client_for(cast.nobody).get("/users/").status_code == 403


def test_org_admin_sees_own_organisation_members_only(cast) -> None:
    c = client_for(cast.ngo_admin)
    html = assert_page_ok(c.get("/users/"))
    assert "me_gasabo" in html and "clerk_sector" in html
    assert "police_me_nyarugenge" not in html and "sysadmin" not in html
    assert 'href="/users/new/"' in html
    assert c.get("/users/police_me_nyarugenge/").status_code == 404
    detail = assert_page_ok(c.get("/users/me_gasabo/"))
    assert "M&amp;E officer" in detail and "Gasabo" in detail and "Revoke" in detail


def test_user_search(cast) -> None:
    html = client_for(cast.ngo_admin).get("/users/?q=gasabo").content.decode()
    assert "me_gasabo" in html and "me_nyarugenge" not in html


def test_user_sees_own_page_without_user_view(cast) -> None:
    c = client_for(cast.viewer_nyarugenge)
    assert c.get("/users/viewer_nyarugenge/").status_code == 200
    assert c.get("/users/me_nyarugenge/").status_code == 404


def _create(c: Client, **overrides):
    data = {
        "username": "new_clerk",
        "first_name": "Aline",
        "last_name": "Uwase",
        "email": "aline@example.org",
        "password1": "a-long-enough-pass-42",
        "password2": "a-long-enough-pass-42",
        "organisation": "",
        "role": "data_clerk",
        "org_unit": "1101",
    }
    data.update(overrides)
    return c.post("/users/new/", data)


def test_org_admin_creates_a_user_with_a_first_role(cast) -> None:
    c = client_for(cast.ngo_admin)
    assert_page_ok(c.get("/users/new/"))
    response = _create(c, organisation=cast.ngo.pk)
    assert response.status_code == 302 and response.headers["Location"] == "/users/new_clerk/"
    user = User.objects.get(username="new_clerk")
    assert user.check_password("a-long-enough-pass-42")
    assert list(user.role_assignments.values_list("role", "org_unit__code")) == [("data_clerk", "1101")]
    assert AuditEvent.objects.filter(
        action="create", object_type="accounts.user", object_id=str(user.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="grant", changes__user="new_clerk").exists()
    assert "new_clerk" in c.get("/users/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password2": "something-else-99"}, "password2", "The two passwords differ"),
        ({"username": "me_gasabo"}, "username", "already exists"),
        ({"username": "bad name!"}, "username", "Letters, digits"),
        ({"org_unit": "9999"}, "org_unit", "No place with code"),
        ({"org_unit": "../x"}, "org_unit", "not a valid place code"),
        ({"role": "system_admin"}, "role", "Select a valid choice"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_user_create_bad_input_names_the_field(cast, overrides, field, message) -> None:
    response = _create(client_for(cast.ngo_admin), organisation=cast.ngo.pk, **overrides)
    assert response.status_code == 400
    html = assert_page_ok(response, status=400)
    assert f'id="id_{field}_errors"' in html and message in html, html[
        html.find("errorlist") - 200 : html.find("errorlist") + 400
    ]
    assert not User.objects.filter(username="new_clerk").exists()


def test_org_admin_cannot_create_in_another_organisation(cast) -> None:
    response = _create(client_for(cast.ngo_admin), organisation=cast.police.pk)
    assert response.status_code == 400 and 'id="id_organisation_errors"' in response.content.decode()
    assert not User.objects.filter(username="new_clerk").exists()


def test_policy_refusal_from_the_service_is_shown_and_rolls_back(cast) -> None:
    # An org admin over Rwanda may not hand out a role "everywhere" (above their subtree).
    response = _create(client_for(cast.ngo_admin), organisation=cast.ngo.pk, org_unit="")
    assert response.status_code == 403
    assert "you may not assign this role" in response.content.decode()
    assert not User.objects.filter(username="new_clerk").exists()


def test_user_create_refused_without_user_manage(cast) -> None:
    assert client_for(cast.me_nyarugenge).get("/users/new/").status_code == 403
    assert _create(client_for(cast.viewer_nyarugenge), organisation=cast.ngo.pk).status_code == 403


def test_org_admin_assigns_and_revokes_a_role(cast) -> None:
    c = client_for(cast.ngo_admin)
    assert_page_ok(c.get("/users/me_gasabo/assign/"))
    response = c.post(
        "/users/me_gasabo/assign/", {"organisation": cast.ngo.pk, "role": "viewer", "org_unit": "12"}
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=cast.me_gasabo, role="viewer")
    assert c.get(f"/users/assignments/{assignment.uuid}/revoke/").status_code == 405
    response = c.post(f"/users/assignments/{assignment.uuid}/revoke/")
    assert response.status_code == 302 and response.headers["Location"] == "/users/me_gasabo/"
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="revoke", changes__user="me_gasabo").exists()


def test_assign_refused_for_wrong_role_and_other_organisation(cast) -> None:
    # no role.assign: 403 even on one's own page
    assert client_for(cast.me_nyarugenge).get("/users/me_nyarugenge/assign/").status_code == 403
    # a user of another organisation is not even visible: 404
    assert client_for(cast.ngo_admin).get("/users/police_me_nyarugenge/assign/").status_code == 404
    # bad org unit: field error
    response = client_for(cast.ngo_admin).post(
        "/users/me_gasabo/assign/", {"organisation": cast.ngo.pk, "role": "viewer", "org_unit": "XX"}
    )
    assert response.status_code == 400 and 'id="id_org_unit_errors"' in response.content.decode()


def test_revoke_of_invisible_assignment_is_404_and_of_unrevokable_is_403(cast) -> None:
    police_assignment = RoleAssignment.objects.get(user=cast.police_me_nyarugenge)
    assert (
        client_for(cast.ngo_admin).post(f"/users/assignments/{police_assignment.uuid}/revoke/").status_code
        == 404
    )
    # one's own assignment is visible (own account) but only an assigner may revoke it
    own = RoleAssignment.objects.get(user=cast.me_nyarugenge)
    assert client_for(cast.me_nyarugenge).post(f"/users/assignments/{own.uuid}/revoke/").status_code == 403
    assert RoleAssignment.objects.filter(pk=own.pk).exists()
