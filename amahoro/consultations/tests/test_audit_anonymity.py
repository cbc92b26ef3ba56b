"""The audit log does not name the author of an anonymous assessment (user, organisation, address) to anyone
but the assessment moderator role: not to system administrators (who may sit in the ministry assessed),
not through an actor filter, not in the CSV exports, the page or the admin."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from amahoro import policy
from amahoro.accounts.services import role_assign
from amahoro.consultations import services
from amahoro.core.errors import PermissionDenied
from amahoro.roles import Role
from conftest import client_for, make_org, make_user

API = "/api/v1/audit"


@pytest.fixture
def cast(voices: Any) -> Any:
    v = voices
    platform = make_org("PLATFORM", "ministry")
    v.sysadmin = make_user("sysadmin", ("system_admin", platform, "RW"), superuser=True)
    v.cso_admin = make_user("cso_admin", ("org_admin", v.cso, "RW"))
    v.moderator = make_user("moderator", ("assessment_moderator", make_org("OMBUDS", "cso"), "RW"))
    v.anonymous = services.assessment_submit(
        actor=v.cso_me, round=v.round, node=v.outcome, rating=2, evidence="x", anonymous=True
    )
    services.attachment_add(actor=v.cso_me, assessment=v.anonymous, filename="a.txt", content=b"evidence")
    v.named = services.assessment_submit(
        actor=v.cso2_me, round=v.round, node=v.outcome, rating=3, evidence="y"
    )
    return v


def _rows(api_client: Any, user: Any, **params: str) -> list[dict[str, Any]]:
    api_client.force_authenticate(user)
    r = api_client.get(API, {"object_type": "consultations.assessment", "page_size": "100", **params})
    assert r.status_code == 200, r.content
    return r.json()["results"]


def _anonymous_rows(rows: list[dict[str, Any]], v: Any) -> list[dict[str, Any]]:
    return [r for r in rows if r["object_id"] == str(v.anonymous.pk)]


@pytest.mark.parametrize("who", ["sysadmin", "cso_admin"])
def test_the_api_names_no_author_of_an_anonymous_assessment(api_client: Any, cast: Any, who: str) -> None:
    rows = _rows(api_client, getattr(cast, who))
    anonymous = _anonymous_rows(rows, cast)
    assert anonymous, "the event itself stays visible"
    for row in anonymous:
        assert row["actor"] == "" and row["organisation"] is None
        assert row.get("ip_address") in (None, "")
    if who == "sysadmin":  # a named assessment still names its author
        assert any(r["actor"] == "cso2_me" for r in rows if r["object_id"] == str(cast.named.pk))


def test_an_actor_filter_cannot_find_the_author(api_client: Any, cast: Any) -> None:
    assert _anonymous_rows(_rows(api_client, cast.sysadmin, actor="cso_me"), cast) == []
    api_client.force_authenticate(cast.sysadmin)
    body = api_client.get(API, {"actor": "cso_me", "object_type": "consultations.attachment"}).json()
    assert body["results"] == []


def test_the_csv_exports_and_the_page_name_no_author(api_client: Any, cast: Any) -> None:
    api_client.force_authenticate(cast.sysadmin)
    text = b"".join(api_client.get(f"{API}.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["object_type"] in ("consultations.assessment", "consultations.attachment") and row["actor"]:
            assert row["actor"] != "cso_me", row
            assert row["organisation"] != "CSO1", row
    c = client_for(cast.sysadmin)
    for url in ("/audit/?object_type=consultations.assessment", "/audit/export.csv"):
        content = c.get(url).content.decode()
        assert "cso_me" not in content and "CSO1" not in content, url
    assert "cso_me" not in c.get("/admin/audit/auditevent/").content.decode()


def test_the_moderator_role_sees_the_author_in_any_organisation(api_client: Any, cast: Any) -> None:
    anonymous = _anonymous_rows(_rows(api_client, cast.moderator), cast)
    assert anonymous and all(r["actor"] == "cso_me" and r["organisation"] == "CSO1" for r in anonymous)
    assert _anonymous_rows(_rows(api_client, cast.moderator, actor="cso_me"), cast)
    # ... and nothing else of other organisations' logs.
    assert not [r for r in _rows(api_client, cast.moderator) if r["object_id"] == str(cast.named.pk)]


def test_no_one_hands_out_the_moderator_role_in_the_product(cast: Any) -> None:
    assert Role.ASSESSMENT_MODERATOR not in policy.assignable_roles(cast.sysadmin)
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=cast.sysadmin,
            user=cast.sysadmin,
            organisation=cast.ministry,
            role=Role.ASSESSMENT_MODERATOR,
            org_unit=None,
        )
    # The server's operator can (amahoro assign_role, enforce_policy=False).
    role_assign(
        actor=policy.SYSTEM,
        user=cast.cso2_me,
        organisation=cast.cso2,
        role=Role.ASSESSMENT_MODERATOR,
        org_unit=None,
        enforce_policy=False,
    )
