"""API authentication: every endpoint refuses anonymous callers with 401 and a challenge; tokens, HTTP Basic
and the session work; revoked tokens and CSRF-less session writes are refused."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from amahoro.accounts.models import ApiToken
from amahoro.accounts.services import token_create, token_revoke
from conftest import PASSWORD

from .conftest import api_as, assert_error

ENDPOINTS = [
    ("get", "/api/v1/orgunits"),
    ("get", "/api/v1/orgunits?level=district"),
    ("get", "/api/v1/orgunits/11"),
    ("get", "/api/v1/orgunits/does-not-exist"),
    ("get", "/api/v1/orgunits/11/children"),
    ("get", "/api/v1/orgunits.geojson"),
    ("get", "/api/v1/organisations"),
    ("post", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/NGO1"),
    ("patch", "/api/v1/organisations/NGO1"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/ngo_admin"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/role-assignments"),
    ("post", "/api/v1/role-assignments"),
    ("delete", "/api/v1/role-assignments/1"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/audit.csv"),
    ("get", "/api/v1/openapi.json"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_gets_401_with_a_challenge_everywhere(cast, method, url) -> None:
    response = (
        getattr(APIClient(), method)(url, {}, format="json") if method != "get" else APIClient().get(url)
    )
    body = assert_error(response, 401)
    assert body["code"] == "not_authenticated"
    assert "Token" in response["WWW-Authenticate"]
    assert "Basic" in response["WWW-Authenticate"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS[:3])
def test_garbage_credentials_get_401(cast, method, url) -> None:
    for header in (
        "Token nope",
        "Token",
        "Token a b",
        "Basic !!!",
        "Basic " + base64.b64encode(b"ngo_admin:wrong").decode(),
    ):
        response = APIClient().get(url, HTTP_AUTHORIZATION=header)
        assert_error(response, 401)
        assert response.has_header("WWW-Authenticate")


def test_token_authenticates_and_records_use(cast) -> None:
    token, key = token_create(actor=cast.sysadmin, user=cast.me_nyarugenge, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "me_nyarugenge"
    token.refresh_from_db()
    assert token.last_used_at is not None
    # The key itself is never stored.
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_token_follows_the_policy_of_its_user(cast) -> None:
    _, key = token_create(actor=cast.sysadmin, user=cast.me_nyarugenge)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/orgunits/11").status_code == 200
    assert_error(client.get("/api/v1/orgunits/12"), 404)


def test_revoked_token_gets_401(cast) -> None:
    token, key = token_create(actor=cast.sysadmin, user=cast.me_nyarugenge)
    token_revoke(actor=cast.sysadmin, token=token)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me")
    body = assert_error(response, 401)
    assert "revoked" in body["error"]


def test_token_of_deactivated_user_gets_401(cast) -> None:
    _, key = token_create(actor=cast.sysadmin, user=cast.me_nyarugenge)
    cast.me_nyarugenge.is_active = False
    cast.me_nyarugenge.save()
    assert_error(APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me"), 401)


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_http_basic_authenticates(cast) -> None:
    response = APIClient().get(
        "/api/v1/orgunits?level=district", HTTP_AUTHORIZATION=_basic("me_gasabo", PASSWORD)
    )
    assert response.status_code == 200
    assert [u["code"] for u in response.json()["results"]] == ["12"]


def test_http_basic_with_wrong_password_gets_401(cast) -> None:
    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=_basic("me_gasabo", "not-the-password"))
    assert_error(response, 401)


def test_http_basic_refused_for_case_roles_when_two_factor_is_required(cast, settings) -> None:
    from conftest import make_user

    make_user("worker", ("case_worker", cast.ngo, "11"))
    settings.AMAHORO_REQUIRE_2FA = True
    body = assert_error(APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=_basic("worker", PASSWORD)), 401)
    assert "token" in body["error"]


def test_http_basic_refused_for_case_roles_even_with_two_factor_off(cast, settings) -> None:
    """A case role's password alone must not work anywhere, whatever AMAHORO_REQUIRE_2FA says."""
    from conftest import make_user

    make_user("worker", ("case_worker", cast.ngo, "11"))
    settings.AMAHORO_REQUIRE_2FA = False
    body = assert_error(APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=_basic("worker", PASSWORD)), 401)
    assert "token" in body["error"]


def test_session_authenticates(cast) -> None:
    response = api_as(cast.viewer_nyarugenge).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "viewer_nyarugenge"


def test_session_writes_need_the_csrf_token(cast) -> None:
    client = api_as(cast.sysadmin, enforce_csrf_checks=True)
    payload = {"code": "NEW1", "name": "New", "type": "ngo"}
    body = assert_error(client.post("/api/v1/organisations", payload, format="json"), 403)
    assert "CSRF" in body["error"]
    # Reads need no CSRF token.
    assert client.get("/api/v1/organisations").status_code == 200


def test_token_writes_need_no_csrf_token(cast) -> None:
    _, key = token_create(actor=cast.sysadmin, user=cast.sysadmin)
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        "/api/v1/organisations", {"code": "NEW1", "name": "New", "type": "ngo"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_user_without_any_role_is_authenticated_but_sees_nothing(cast) -> None:
    client = api_as(cast.nobody)
    me = client.get("/api/v1/me").json()
    assert me["roles"] == []
    assert me["permissions"] == []
    assert client.get("/api/v1/orgunits").json()["count"] == 0
    assert client.get("/api/v1/organisations").json()["count"] == 0
