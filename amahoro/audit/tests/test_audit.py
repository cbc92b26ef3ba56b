"""The audit log: a row for every create and grant, written in the same transaction, append-only (in the
ORM everywhere, and by a trigger on PostgreSQL), with secrets scrubbed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.accounts.services import role_assign, role_revoke, token_create, user_create
from amahoro.audit.context import RequestContext, reset_context, set_context
from amahoro.audit.models import AppendOnlyError, AuditEvent
from amahoro.audit.services import SCRUBBED_FIELDS, audit_record, diff
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.organisations.services import contact_add, organisation_create

pytestmark = pytest.mark.django_db
STRONG = "a-long-enough-passphrase-42"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(
        actor=None, action="create", object_type="test.thing", object_id="1", changes={"a": 1}
    )


# ---------------------------------------------------------------------------------------------------------
# Rows are written by the services


def test_creates_and_grants_are_audited_with_actor_and_scope(cast: Any) -> None:
    admin = cast.ngo_admin
    org = organisation_create(
        actor=admin, code="HOPE", name="Hope", type="ngo", areas=[OrgUnit.objects.get(code="11")]
    )
    contact_add(
        actor=admin, organisation=org, name="Grace Demo", role="Coordinator", phone="+250 788 000 000"
    )
    user = user_create(actor=admin, username="ana", password=STRONG)
    assignment = role_assign(
        actor=cast.sysadmin,
        user=user,
        organisation=org,
        role="viewer",
        org_unit=OrgUnit.objects.get(code="11"),
    )
    rows = {(e.action, e.object_type): e for e in AuditEvent.objects.filter(actor__isnull=False)}
    assert rows[("create", "organisations.organisation")].actor_username == "ngo_admin"
    assert rows[("create", "organisations.organisation")].organisation_id == org.pk
    assert rows[("create", "organisations.contact")].object_repr.startswith("Grace Demo")
    assert rows[("create", "accounts.user")].object_id == str(user.pk)
    grant = rows[("grant", "accounts.roleassignment")]
    assert grant.actor == cast.sysadmin and grant.org_unit_path == "/RW/1/11/"
    assert grant.changes == {"user": "ana", "role": "viewer", "org_unit": "11"}
    role_revoke(actor=cast.sysadmin, assignment=assignment)
    assert AuditEvent.objects.filter(action="revoke", object_type="accounts.roleassignment").exists()


def test_a_failed_service_leaves_no_audit_row() -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed):
        organisation_create(actor=policy.SYSTEM, code="HOPE", name="Hope", type="charity")
    assert AuditEvent.objects.count() == before


def test_audit_row_rolls_back_with_the_change() -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        organisation_create(actor=policy.SYSTEM, code="HOPE", name="Hope", type="ngo")
        raise RuntimeError("the caller's transaction fails later")
    assert not Organisation.objects.filter(code="HOPE").exists()
    assert AuditEvent.objects.count() == before


def test_request_origin_is_recorded() -> None:
    token = set_context(RequestContext(ip_address="203.0.113.9", user_agent="pytest", request_id="req-1"))
    try:
        e = audit_record(actor=None, action="read", object_type="test.thing")
    finally:
        reset_context(token)
    assert (e.ip_address, e.user_agent, e.request_id) == ("203.0.113.9", "pytest", "req-1")
    assert audit_record(actor=None, action="read").ip_address is None


def test_middleware_sets_the_origin_for_a_request(cast: Any) -> None:
    from amahoro.audit.middleware import AuditContextMiddleware

    seen: list[AuditEvent] = []

    def view(request: Any) -> Any:
        seen.append(audit_record(actor=request.user, action="read", object_type="test.thing"))
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox")
    request.user = cast.viewer_nyarugenge
    AuditContextMiddleware(view)(request)
    assert seen[0].ip_address == "198.51.100.7" and seen[0].user_agent == "Firefox"
    assert seen[0].actor_username == "viewer_nyarugenge"


# ---------------------------------------------------------------------------------------------------------
# Scrubbing


def test_secret_and_personal_fields_are_scrubbed() -> None:
    changes = dict.fromkeys(SCRUBBED_FIELDS, "s3cret-value") | {"role": "viewer"}
    e = audit_record(actor=None, action="update", object_type="test.thing", changes=changes)
    e.refresh_from_db()
    assert e.changes["role"] == "viewer"
    assert all(e.changes[name] == "[scrubbed]" for name in SCRUBBED_FIELDS)
    assert "s3cret-value" not in str(e.changes)
    assert {"password", "key_hash", "token"} <= SCRUBBED_FIELDS


def test_services_never_log_passwords_or_token_keys(cast: Any) -> None:
    user = user_create(actor=policy.SYSTEM, username="ana", password=STRONG)
    token, key = token_create(actor=policy.SYSTEM, user=user)
    contact_add(actor=policy.SYSTEM, organisation=cast.ngo, name="Grace Demo", phone="+250 788 123 456")
    everything = str(list(AuditEvent.objects.values_list("changes", "object_repr", "message")))
    assert STRONG not in everything
    assert key not in everything and token.key_hash not in everything
    assert "788 123 456" not in everything


def test_diff_lists_only_changed_fields() -> None:
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


# ---------------------------------------------------------------------------------------------------------
# Append-only in the ORM (every database)


def test_saving_an_existing_row_is_refused(event: AuditEvent) -> None:
    event.message = "rewritten"
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.message == ""


def test_deleting_a_row_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, message="").exists()


def test_deleting_the_actor_keeps_the_row_and_the_name() -> None:
    user = User.objects.create_user(username="leaver", password=STRONG)
    e = audit_record(actor=user, action="login")
    user.delete()
    e.refresh_from_db()
    assert e.actor_id is None and e.actor_username == "leaver"


# ---------------------------------------------------------------------------------------------------------
# Append-only in the database (PostgreSQL trigger from migration audit.0002)


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgres_only
def test_trigger_refuses_raw_update_and_delete(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only: UPDATE"):
        _raw("UPDATE audit_auditevent SET message = %s WHERE id = %s", ["rewritten", event.pk])
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only: UPDATE"):
        _raw("UPDATE audit_auditevent SET actor_username = %s WHERE id = %s", ["someone", event.pk])
    event.refresh_from_db()
    assert event.message == ""


@postgres_only
def test_trigger_allows_only_clearing_a_deleted_actor_or_organisation(cast: Any) -> None:
    e = audit_record(actor=cast.nobody, action="login", organisation_id=cast.police.pk)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditevent SET actor_id = %s WHERE id = %s", [cast.sysadmin.pk, e.pk])
    _raw("UPDATE audit_auditevent SET actor_id = NULL, organisation_id = NULL WHERE id = %s", [e.pk])
    e.refresh_from_db()
    assert e.actor_id is None and e.organisation_id is None and e.actor_username == "nobody"


@postgres_only
def test_trigger_migration_is_reversible() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("amahoro.audit.migrations.0002_append_only_trigger")

    def installed() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only'")
            return bool(cursor.fetchone()[0])

    assert installed()
    with connection.schema_editor() as editor:
        migration.drop_trigger(apps, editor)
    assert not installed()
    e = audit_record(actor=None, action="read")
    _raw("UPDATE audit_auditevent SET message = 'allowed without the trigger' WHERE id = %s", [e.pk])
    with connection.schema_editor() as editor:
        migration.create_trigger(apps, editor)
    assert installed()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [e.pk])
