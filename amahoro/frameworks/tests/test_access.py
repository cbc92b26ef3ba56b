"""Who sees and manages frameworks, nodes, indicators, targets and metadata (amahoro.frameworks.access)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.frameworks import services
from amahoro.frameworks.models import Framework, Indicator, Node, Target
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import CategoryOption, DataElement
from amahoro.roles import Perm

from .factories import ngo_framework

pytestmark = pytest.mark.django_db
VIEW, MANAGE = Perm.FRAMEWORK_VIEW, Perm.FRAMEWORK_MANAGE


def codes(user: Any, perm: Perm, model: Any) -> set[str]:
    return set(policy.visible(user, perm, model.objects.all()).values_list("code", flat=True))


def test_national_framework_is_seen_by_all_and_managed_by_system_admins_only(
    cast: Any, nap: Framework
) -> None:
    for user in (
        cast.me_nyarugenge,
        cast.police_me_nyarugenge,
        cast.viewer_nyarugenge,
        cast.clerk_sector,
        cast.sysadmin,
    ):
        assert policy.can(user, VIEW, nap)
    assert not policy.can(cast.nobody, VIEW, nap)
    assert policy.can(cast.sysadmin, MANAGE, nap)
    for user in (cast.ngo_admin, cast.me_nyarugenge, cast.police_me_nyarugenge):
        assert not policy.can(user, MANAGE, nap)
    node = Node.objects.get(framework=nap, code="P2.O1")
    assert policy.can(cast.viewer_nyarugenge, VIEW, node) and not policy.can(cast.me_nyarugenge, MANAGE, node)


def test_organisation_framework_scoped_to_a_district(cast: Any, sex_age: None) -> None:
    fw = ngo_framework(cast.ngo, code="NGO1-NYA", org_unit="11")
    assert policy.can(cast.me_nyarugenge, VIEW, fw) and policy.can(cast.me_nyarugenge, MANAGE, fw)
    assert policy.can(cast.viewer_nyarugenge, VIEW, fw) and not policy.can(cast.viewer_nyarugenge, MANAGE, fw)
    assert policy.can(cast.clerk_sector, VIEW, fw)  # sector 1101 lies inside the framework's district
    assert not policy.can(cast.clerk_sector, MANAGE, fw)
    assert policy.can(cast.ngo_admin, MANAGE, fw)  # country-wide grant covers the district
    # Same role, other district of the same organisation; same role, same district, other organisation.
    assert not policy.can(cast.me_gasabo, VIEW, fw)
    assert not policy.can(cast.police_me_nyarugenge, VIEW, fw)
    assert policy.can(cast.sysadmin, MANAGE, fw)
    ind = Indicator.objects.get(code="NGO1-NYA-REACH")
    assert policy.can(cast.me_nyarugenge, MANAGE, ind)
    assert not policy.can(cast.me_gasabo, VIEW, ind)
    assert not policy.can(cast.police_me_nyarugenge, VIEW, ind)


def test_country_wide_ngo_framework_needs_a_country_wide_grant_to_manage(cast: Any, sex_age: None) -> None:
    fw = ngo_framework(cast.ngo)
    assert policy.can(cast.me_gasabo, VIEW, fw) and policy.can(cast.me_nyarugenge, VIEW, fw)
    assert not policy.can(cast.me_gasabo, MANAGE, fw)
    assert policy.can(cast.ngo_admin, MANAGE, fw)
    assert not policy.can(cast.police_me_nyarugenge, VIEW, fw)


def test_public_framework_is_visible_to_other_organisations(cast: Any, sex_age: None) -> None:
    fw = ngo_framework(cast.ngo, code="NGO1-PUB", org_unit="11")
    services.framework_update(actor=cast.me_nyarugenge, framework=fw, is_public=True)
    assert policy.can(cast.police_me_nyarugenge, VIEW, fw) and policy.can(cast.me_gasabo, VIEW, fw)
    assert not policy.can(cast.police_me_nyarugenge, MANAGE, fw)


def test_targets_follow_their_indicator(cast: Any, sex_age: None) -> None:
    ngo_framework(cast.ngo, code="NGO1-NYA", org_unit="11")
    ind = Indicator.objects.get(code="NGO1-NYA-REACH")
    t, _ = services.target_set(
        actor=cast.me_nyarugenge,
        indicator=ind,
        org_unit=OrgUnit.objects.get(code="11"),
        period="2024",
        value=100,
    )
    assert policy.can(cast.viewer_nyarugenge, VIEW, t)
    assert not policy.can(cast.me_gasabo, VIEW, t)
    assert codes(cast.police_me_nyarugenge, VIEW, Indicator) == set()
    assert not policy.visible(cast.police_me_nyarugenge, VIEW, Target.objects.all()).exists()


def test_shared_metadata_is_seen_by_readers_and_changed_by_system_admins(cast: Any, sex_age: None) -> None:
    assert "GBV_AWARE" in codes(cast.viewer_nyarugenge, VIEW, DataElement)
    assert "GBV_AWARE" in codes(cast.police_me_nyarugenge, Perm.DATA_VIEW, DataElement)
    assert codes(cast.nobody, VIEW, DataElement) == set()
    assert "GBV_AWARE" in codes(cast.sysadmin, MANAGE, DataElement)
    assert codes(cast.me_nyarugenge, MANAGE, DataElement) == set()


def test_owned_metadata_stays_in_its_organisation(cast: Any, sex_age: None) -> None:
    CategoryOption.objects.create(code="NGO1_ONLY", name="NGO1's option", organisation=cast.ngo)
    assert "NGO1_ONLY" in codes(cast.me_gasabo, VIEW, CategoryOption)
    assert "NGO1_ONLY" in codes(cast.me_nyarugenge, MANAGE, CategoryOption)
    assert "NGO1_ONLY" not in codes(cast.viewer_nyarugenge, MANAGE, CategoryOption)
    assert "NGO1_ONLY" not in codes(cast.police_me_nyarugenge, VIEW, CategoryOption)
