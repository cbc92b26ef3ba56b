"""A missing actor fails closed; the platform (`policy.SYSTEM`) passes; recording money is the named check
`funding.may_manage` (nationally: a grant over the whole country)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amahoro import policy
from amahoro.core.errors import PermissionDenied
from amahoro.funding import iati, services
from amahoro.funding.spreadsheet import funding_table_import
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

pytestmark = pytest.mark.django_db


def test_funding_services_refuse_a_missing_actor_and_let_the_system_through(cast: Any, nap: Any) -> None:
    with pytest.raises(PermissionDenied) as refused:
        services.exchange_rate_set(actor=None, currency="USD", rate="1300", valid_from=date(2024, 1, 1))  # type: ignore[arg-type]
    assert refused.value.code == "no_actor"
    services.exchange_rate_set(actor=policy.SYSTEM, currency="USD", rate="1300", valid_from=date(2024, 1, 1))
    line = {
        "organisation": cast.ngo,
        "node": None,
        "amount": "10",
        "currency": "RWF",
        "fiscal_year": "2024July",
    }
    with pytest.raises(PermissionDenied):
        services.budget_line_create(actor=None, **line)  # type: ignore[arg-type]
    created = services.budget_line_create(actor=policy.SYSTEM, **line)
    with pytest.raises(PermissionDenied):
        services.funding_record_delete(actor=None, record=created)  # type: ignore[arg-type]
    node = nap.nodes.get(code="P1")
    with pytest.raises(PermissionDenied):
        services.mapping_rule_create(actor=None, node=node, kind="keyword", value="x")  # type: ignore[arg-type]
    services.mapping_rule_create(actor=policy.SYSTEM, node=node, kind="keyword", value="x")
    with pytest.raises(PermissionDenied):
        iati.iati_import(actor=None, content=b"<iati-activities/>", organisation=cast.ngo)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        funding_table_import(actor=None, content=b"", filename="x.csv")  # type: ignore[arg-type]


def test_may_manage_is_a_named_check(cast: Any) -> None:
    inside, outside = OrgUnit.objects.get(code="110101"), OrgUnit.objects.get(code="1201")
    ask = {"check": "funding.may_manage"}
    # the NGO's officer over district 11: there, not nationally, not elsewhere, not for another organisation
    assert policy.allows(
        cast.me_nyarugenge, Perm.FUNDING_MANAGE, organisation=cast.ngo, org_unit=inside, **ask
    )
    assert not policy.allows(
        cast.me_nyarugenge, Perm.FUNDING_MANAGE, organisation=cast.ngo, org_unit=None, **ask
    )
    assert not policy.allows(
        cast.me_nyarugenge, Perm.FUNDING_MANAGE, organisation=cast.ngo, org_unit=outside, **ask
    )
    assert not policy.allows(
        cast.me_nyarugenge, Perm.FUNDING_MANAGE, organisation=cast.police, org_unit=inside, **ask
    )
    assert policy.allows(cast.ngo_admin, Perm.FUNDING_MANAGE, organisation=cast.ngo, org_unit=None, **ask)
