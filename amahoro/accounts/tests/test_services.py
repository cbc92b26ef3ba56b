"""The accounts services refuse a missing actor (it must not skip the policy) and let the platform's own
actor, `policy.SYSTEM`, do what the command line does: any role, server-only ones included, audited as
"system"."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.accounts import services
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied
from amahoro.geo.models import OrgUnit
from amahoro.roles import Role

STRONG = "a-long-enough-passphrase-42"


def test_a_missing_actor_is_refused_by_every_write(cast: Any) -> None:
    before = AuditEvent.objects.count()
    calls = [
        lambda: services.user_create(actor=None, username="ana", password=STRONG),  # type: ignore[arg-type]
        lambda: services.role_assign(
            actor=None,  # type: ignore[arg-type]
            user=cast.nobody,
            organisation=cast.ngo,
            role=Role.VIEWER.value,
            org_unit=None,
            enforce_policy=False,
        ),
        lambda: services.token_create(actor=None, user=cast.nobody),  # type: ignore[arg-type]
        lambda: services.totp_enrolment_issue(actor=None, user=cast.nobody, enforce_policy=False),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.code == "no_actor"
    assert AuditEvent.objects.count() == before


def test_the_system_actor_creates_users_and_gives_any_role_audited_as_system(cast: Any) -> None:
    user = services.user_create(actor=policy.SYSTEM, username="ana", password=STRONG)
    district = OrgUnit.objects.get(code="11")
    assignment = services.role_assign(
        actor=policy.SYSTEM,
        user=user,
        organisation=cast.ngo,
        role=Role.ASSESSMENT_MODERATOR.value,  # server-only: no user may hand it out
        org_unit=district,
    )
    assert assignment.created_by is None
    _, key = services.token_create(actor=policy.SYSTEM, user=user, name="script")
    enrolment, code = services.totp_enrolment_issue(actor=policy.SYSTEM, user=user)
    assert key and code and enrolment.created_by is None
    services.role_revoke(actor=policy.SYSTEM, assignment=assignment)
    rows = AuditEvent.objects.filter(object_repr__contains="ana") | AuditEvent.objects.filter(
        changes__user="ana"
    )
    assert rows.exists() and not rows.exclude(actor=None).exists()
    assert not rows.exclude(actor_username="").exists()
