"""A missing actor fails closed; the platform (`policy.SYSTEM`) passes; collecting for an organisation is the
named check `collection.holds_in_org` (anywhere in the organisation)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.collection import mapping, services
from amahoro.collection.importing import submissions_import
from amahoro.core.errors import PermissionDenied
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

from .factories import dialogue_form, upload

pytestmark = pytest.mark.django_db


def test_form_and_token_services_refuse_a_missing_actor_and_let_the_system_through(cast: Any) -> None:
    with pytest.raises(PermissionDenied) as refused:
        services.form_upload(actor=None, content=dialogue_form(), filename="d.xlsx", organisation=cast.ngo)  # type: ignore[arg-type]
    assert refused.value.code == "no_actor"
    form = services.form_upload(
        actor=policy.SYSTEM, content=dialogue_form(), filename="d.xlsx", organisation=cast.ngo
    )
    with pytest.raises(PermissionDenied):
        services.form_set_options(actor=None, form=form, is_active=False)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.token_create(actor=None, organisation=cast.ngo, name="tablet")  # type: ignore[arg-type]
    token, _raw = services.token_create(
        actor=policy.SYSTEM, organisation=cast.ngo, name="tablet", forms=[form]
    )
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=None, token=token)  # type: ignore[arg-type]
    assert services.token_revoke(actor=policy.SYSTEM, token=token).revoked_at is not None
    with pytest.raises(PermissionDenied):
        mapping.mapping_run_form(actor=None, form=form)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        submissions_import(actor=None, form=form, content=b"", filename="x.csv")  # type: ignore[arg-type]


def test_holds_in_org_is_a_named_check_ignoring_the_place(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    elsewhere = OrgUnit.objects.get(code="1201")
    ask = {"organisation": cast.ngo, "org_unit": elsewhere}
    # district 11's officer of the NGO collects for it: the named check ignores the place, can_in does not
    assert policy.allows(cast.me_nyarugenge, Perm.DATA_ENTER, check="collection.holds_in_org", **ask)
    assert not policy.allows(cast.me_nyarugenge, Perm.DATA_ENTER, **ask)
    assert not policy.allows(
        cast.police_me_nyarugenge, Perm.DATA_ENTER, check="collection.holds_in_org", **ask
    )
    assert services.may_submit(form=form, user=cast.me_nyarugenge)
    assert not services.may_submit(form=form, user=cast.police_me_nyarugenge)
