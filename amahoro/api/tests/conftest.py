"""Helpers for the API tests: clients signed in as one of the cast, and the error shape."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def api_as(user: Any = None, **kwargs: Any) -> APIClient:
    """An API client with a session for `user` (anonymous when None)."""
    client = APIClient(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """A 4xx in the API's one error shape, naming `field` when given."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    body = response.json()
    assert body["error"] and body["code"], body
    if field is not None:
        assert body.get("field") == field, body
    return body
