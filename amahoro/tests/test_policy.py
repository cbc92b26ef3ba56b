"""The policy module: grants, scoping by organisation and org-unit subtree, refusal."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_PERMISSIONS, Perm, Role


def test_every_role_has_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(ROLE_PERMISSIONS[r] for r in Role)


def test_system_admin_never_reads_case_files() -> None:
    assert Perm.CASE_VIEW not in ROLE_PERMISSIONS[Role.SYSTEM_ADMIN]


@pytest.mark.django_db
def test_rwanda_loaded_once_for_the_session() -> None:
    assert OrgUnit.objects.filter(level__code="district").count() == 30
    assert OrgUnit.objects.filter(level__code="sector").count() == 416
    assert OrgUnit.objects.get(code="11").name == "Nyarugenge"
    assert OrgUnit.objects.get(code="1").iso_code == "RW-01"
    assert OrgUnit.objects.get(code="5").iso_code == "RW-02"


def test_district_user_sees_only_their_subtree(cast) -> None:
    units = policy.visible(cast.me_nyarugenge, Perm.ORGUNIT_VIEW, OrgUnit.objects.all())
    assert units.filter(code="11").exists()
    assert units.filter(code="1101").exists()
    assert not units.filter(code="12").exists()
    assert not units.filter(code="1").exists()
    assert policy.can(cast.me_nyarugenge, Perm.ORGUNIT_VIEW, OrgUnit.objects.get(code="110101"))
    assert not policy.can(cast.me_nyarugenge, Perm.ORGUNIT_VIEW, OrgUnit.objects.get(code="1201"))


def test_sector_clerk_cannot_see_the_rest_of_the_district(cast) -> None:
    units = policy.visible(cast.clerk_sector, Perm.ORGUNIT_VIEW, OrgUnit.objects.filter(level__code="sector"))
    assert list(units.values_list("code", flat=True)) == ["1101"]


def test_anonymous_and_roleless_users_see_nothing(cast) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not policy.visible(AnonymousUser(), Perm.ORGUNIT_VIEW, OrgUnit.objects.all()).exists()
    assert not policy.visible(cast.nobody, Perm.ORGUNIT_VIEW, OrgUnit.objects.all()).exists()


def test_inactive_user_has_no_grants(cast) -> None:
    cast.me_nyarugenge.is_active = False
    policy.forget(cast.me_nyarugenge)
    assert policy.grants(cast.me_nyarugenge) == ()


def test_organisations_visible_by_membership_or_operating_area(cast) -> None:
    other = Organisation.objects.create(code="GASABO_ONLY", name="Gasabo only", type="cso")
    other.areas.set([OrgUnit.objects.get(code="12")])
    seen = set(
        policy.visible(cast.me_nyarugenge, Perm.ORGANISATION_VIEW, Organisation.objects.all()).values_list(
            "code", flat=True
        )
    )
    assert "NGO1" in seen  # member
    assert "RNP" in seen  # operates nationally, so in Nyarugenge too
    assert "GASABO_ONLY" not in seen
    assert "GASABO_ONLY" in set(
        policy.visible(cast.me_gasabo, Perm.ORGANISATION_VIEW, Organisation.objects.all()).values_list(
            "code", flat=True
        )
    )


def test_users_visible_to_org_admin_are_their_organisation_members(cast) -> None:
    seen = set(
        policy.visible(cast.ngo_admin, Perm.USER_VIEW, User.objects.all()).values_list("username", flat=True)
    )
    assert {"me_nyarugenge", "me_gasabo", "viewer_nyarugenge", "ngo_admin"} <= seen
    assert "police_me_nyarugenge" not in seen
    assert "nobody" not in seen
    # others see only themselves
    assert list(
        policy.visible(cast.me_gasabo, Perm.USER_VIEW, User.objects.all()).values_list("username", flat=True)
    ) == ["me_gasabo"]


def test_can_in_scopes_by_org_and_subtree(cast) -> None:
    n = OrgUnit.objects.get(code="1101")
    assert policy.can_in(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=n)
    assert not policy.can_in(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.police, org_unit=n)
    assert not policy.can_in(cast.me_gasabo, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=n)
    assert not policy.can_in(cast.viewer_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=n)


def test_only_system_admin_hands_out_system_admin(cast) -> None:
    assert not policy.may_assign(
        cast.ngo_admin, role="system_admin", organisation=cast.ngo, org_unit=OrgUnit.objects.get(code="RW")
    )
    assert policy.may_assign(
        cast.ngo_admin, role="me_officer", organisation=cast.ngo, org_unit=OrgUnit.objects.get(code="11")
    )
    assert not policy.may_assign(
        cast.ngo_admin, role="me_officer", organisation=cast.police, org_unit=OrgUnit.objects.get(code="11")
    )
    assert policy.may_assign(
        cast.sysadmin, role="system_admin", organisation=cast.police, org_unit=OrgUnit.objects.get(code="RW")
    )
    assert not policy.may_assign(cast.sysadmin, role="system_admin", organisation=cast.police, org_unit=None)


def test_system_admin_sees_organisations_without_areas(cast) -> None:
    fresh = Organisation.objects.create(code="FRESH", name="No areas yet", type="cso")
    assert policy.can(cast.sysadmin, Perm.ORGANISATION_VIEW, fresh)
    assert policy.can(cast.sysadmin, Perm.ORGANISATION_MANAGE, fresh)
    assert not policy.can(cast.me_nyarugenge, Perm.ORGANISATION_VIEW, fresh)


def test_org_admin_cannot_manage_another_organisation_operating_in_their_area(cast) -> None:
    assert policy.can(cast.ngo_admin, Perm.ORGANISATION_VIEW, cast.police)
    assert not policy.can(cast.ngo_admin, Perm.ORGANISATION_MANAGE, cast.police)
    assert policy.can(cast.ngo_admin, Perm.ORGANISATION_MANAGE, cast.ngo)
