"""A missing actor fails closed: every data service refuses `actor=None`; `policy.SYSTEM` (the platform
itself: commands, tasks, loaders) passes the policy and is audited as the system."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied
from amahoro.data import services
from amahoro.data.models import DataValue
from amahoro.geo.models import OrgUnit

ROW = {"dataElement": "GBV_TOTAL", "period": "202401", "orgUnit": "1101", "value": "5"}


def test_value_import_refuses_no_actor_and_accepts_the_system(cast, meta) -> None:
    with pytest.raises(PermissionDenied, match="no actor"):
        services.datavalues_import(actor=None, payload={"dataValues": [ROW]})
    assert not DataValue.objects.exists()
    summary = services.datavalues_import(actor=policy.SYSTEM, payload={"dataValues": [ROW]})
    assert summary.imported == 1
    event = AuditEvent.objects.filter(object_type="data.datavalue").latest("pk")
    assert event.actor is None  # audited as the system


def test_approvals_and_locks_refuse_no_actor_and_accept_the_system(cast, meta) -> None:
    unit = OrgUnit.objects.get(code="1101")
    period = services.period_ensure(code="202401")
    with pytest.raises(PermissionDenied, match="no actor"):
        services.approval_approve(actor=None, org_unit=unit, period=period)
    with pytest.raises(PermissionDenied, match="no actor"):
        services.data_lock_create(actor=None, period=period, org_unit=unit)
    assert services.approval_approve(actor=policy.SYSTEM, org_unit=unit, period=period).state == "approved"
    lock = services.data_lock_create(actor=policy.SYSTEM, period=period, org_unit=unit)
    with pytest.raises(PermissionDenied, match="no actor"):
        services.data_lock_delete(actor=None, lock=lock)
    services.data_lock_delete(actor=policy.SYSTEM, lock=lock)


def test_metadata_services_refuse_no_actor_and_accept_the_system(cast, meta) -> None:
    with pytest.raises(PermissionDenied, match="no actor"):
        services.dataset_create(actor=None, code="DS_X", name="X", data_elements=[meta.total])
    ds = services.dataset_create(actor=policy.SYSTEM, code="DS_X", name="X", data_elements=[meta.total])
    assert ds.organisation is None
