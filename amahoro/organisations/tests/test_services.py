"""The organisation services refuse a missing actor and accept the platform's own (`policy.SYSTEM`)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied
from amahoro.organisations import services
from amahoro.organisations.models import Organisation


def test_a_missing_actor_is_refused(cast: Any) -> None:
    for call in (
        lambda: services.organisation_create(actor=None, code="HOPE", name="Hope", type="ngo"),  # type: ignore[arg-type]
        lambda: services.organisation_update(actor=None, organisation=cast.ngo, name="Renamed"),  # type: ignore[arg-type]
        lambda: services.contact_add(actor=None, organisation=cast.ngo, name="Grace"),  # type: ignore[arg-type]
    ):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.code == "no_actor"
    assert not Organisation.objects.filter(code="HOPE").exists()
    assert Organisation.objects.get(pk=cast.ngo.pk).name == cast.ngo.name


def test_the_system_actor_creates_and_changes_audited_as_system(cast: Any) -> None:
    org = services.organisation_create(actor=policy.SYSTEM, code="HOPE", name="Hope", type="ngo")
    services.organisation_update(actor=policy.SYSTEM, organisation=org, name="Hope Rwanda")
    services.contact_add(actor=policy.SYSTEM, organisation=org, name="Grace")
    assert org.created_by is None
    rows = AuditEvent.objects.filter(organisation_id=org.pk)
    assert rows.count() == 3 and set(rows.values_list("actor_username", flat=True)) == {""}
