"""The audit log page and its CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from amahoro.audit.models import AuditEvent
from amahoro.audit.services import audit_record
from conftest import assert_login_redirect, assert_page_ok, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(cast):
    ngo_event = audit_record(
        actor=cast.ngo_admin,
        action="update",
        object_type="organisations.organisation",
        object_id="1",
        object_repr="NGO1 change",
        organisation_id=cast.ngo.pk,
        org_unit_path="/RW/1/11/",
    )
    police_event = audit_record(
        actor=cast.police_me_nyarugenge,
        action="update",
        object_type="organisations.organisation",
        object_id="2",
        object_repr="RNP secret change",
        organisation_id=cast.police.pk,
        org_unit_path="/RW/1/11/",
    )
    formula = audit_record(
        actor=cast.ngo_admin,
        action="create",
        object_type="organisations.contact",
        object_id="3",
        object_repr='=HYPERLINK("http://evil")',
        organisation_id=cast.ngo.pk,
    )
    return ngo_event, police_event, formula


@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv"])
def test_anonymous_is_sent_to_login(url: str) -> None:
    assert_login_redirect(Client().get(url))


@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv"])
def test_refused_without_audit_permission(cast, url: str) -> None:
    assert client_for(cast.me_nyarugenge).get(url).status_code == 403
    assert client_for(cast.viewer_nyarugenge).get(url).status_code == 403


def test_org_admin_sees_own_organisation_events_only(cast, events) -> None:
    html = assert_page_ok(client_for(cast.ngo_admin).get("/audit/"))
    assert "NGO1 change" in html and "RNP secret change" not in html
    assert 'href="/audit/export.csv"' in html


def test_system_admin_sees_everything_including_sign_ins(cast, events) -> None:
    audit_record(actor=None, action="login_failed", object_type="accounts.user", object_repr="someone")
    html = client_for(cast.sysadmin).get("/audit/?action=login_failed").content.decode()
    assert "someone" in html and "NGO1 change" not in html


def test_filters(cast, events) -> None:
    c = client_for(cast.ngo_admin)
    html = c.get("/audit/?object_type=organisations.contact").content.decode()
    assert "HYPERLINK" in html and "NGO1 change" not in html
    html = c.get("/audit/?actor=ngo_admin&action=update").content.decode()
    assert "NGO1 change" in html and "HYPERLINK" not in html
    html = c.get("/audit/?since=2000-01-01&until=2000-01-02").content.decode()
    assert "No event matches" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("action=explode", "action"),
        ("since=yesterday", "since"),
        ("since=2025-02-01&until=2025-01-01", "until"),
        ("object_type=DROP TABLE", "object_type"),
    ],
)
def test_bad_filters_are_400_with_field_errors(cast, events, query, field) -> None:
    c = client_for(cast.ngo_admin)
    html = assert_page_ok(c.get(f"/audit/?{query}"), status=400)
    assert "errorlist" in html and "NGO1 change" not in html
    export = c.get(f"/audit/export.csv?{query}")
    assert export.status_code == 400 and field in export.content.decode()


def test_pagination(cast) -> None:
    for i in range(55):
        audit_record(
            actor=cast.ngo_admin,
            action="update",
            object_type="organisations.organisation",
            object_repr=f"row {i}",
            organisation_id=cast.ngo.pk,
        )
    c = client_for(cast.ngo_admin)
    first = c.get("/audit/?action=update").content.decode()
    assert "Page 1 of 2" in first and "row 54" in first and 'href="?action=update&amp;page=2"' in first
    second = c.get("/audit/?action=update&page=2").content.decode()
    assert "row 0" in second and "row 54" not in second
    assert c.get("/audit/?page=999").status_code == 200


def test_export_is_scoped_defused_and_audited(cast, events) -> None:
    response = client_for(cast.ngo_admin).get("/audit/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:3] == ["at", "actor", "action"]
    reprs = [r[5] for r in rows[1:]]
    assert "NGO1 change" in reprs and "RNP secret change" not in reprs
    assert '\'=HYPERLINK("http://evil")' in reprs  # a formula is defused
    export_event = AuditEvent.objects.filter(action="export", actor_username="ngo_admin").latest("id")
    assert export_event.object_type == "audit.auditevent" and export_event.changes["rows"] == len(rows) - 1
