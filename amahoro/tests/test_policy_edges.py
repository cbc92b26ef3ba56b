"""The policy's edge cases: the SYSTEM actor, grants over the whole country, objects not saved yet, a model
without a rule, and the cache of grants."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db.models import Q

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm, Role
from conftest import make_org, make_user


def test_system_reads_as_system_and_is_truthy() -> None:
    assert repr(policy.SYSTEM) == "SYSTEM"
    assert bool(policy.SYSTEM) is True


def test_a_grant_over_everything_covers_and_overlaps_every_place() -> None:
    everywhere = policy.Grant(1, Role.VIEWER, None, frozenset())
    district = policy.Grant(1, Role.VIEWER, "/1/12/", frozenset())
    assert everywhere.covers_path("/1/12/1201/") and everywhere.overlaps_path("/2/")
    assert district.overlaps_path("/1/") and district.overlaps_path("/1/12/1201/")
    assert not district.overlaps_path("/2/")
    assert policy._path_overlaps("areas__path", everywhere) == Q()


def test_forget_drops_cached_grants_so_new_assignments_count(db: Any) -> None:
    org = make_org("ORG1")
    user = make_user("ana", ("viewer", org, "12"))
    assert policy.roles_of(user) == {Role.VIEWER}
    RoleAssignment.objects.create(user=user, organisation=org, role="me_officer", org_unit=None)
    assert policy.roles_of(user) == {Role.VIEWER}  # cached for this request
    policy.forget(user)
    assert policy.roles_of(user) == {Role.VIEWER, Role.ME_OFFICER}
    policy.forget(user)  # nothing cached: nothing to drop


def test_a_superuser_sees_every_user_and_holds_every_place(db: Any) -> None:
    admin = make_user("root", superuser=True)
    make_user("someone")
    assert policy.visible(admin, Perm.USER_VIEW, User.objects.all()).count() == User.objects.count()
    assert policy.can_in(admin, Perm.ROLE_ASSIGN, organisation=None, org_unit=None) is True
    assert policy.subtree_roots(admin, Perm.USER_VIEW) is None


def test_system_may_act_on_any_object_and_nobody_on_an_unsaved_one(db: Any) -> None:
    org = make_org("ORG1")
    viewer = make_user("ana", ("viewer", org, None))
    assert policy.can(policy.SYSTEM, Perm.ORGANISATION_MANAGE, org) is True
    assert policy.can(viewer, Perm.ORGANISATION_VIEW, Organisation(code="NEW", name="New")) is False


def test_a_model_without_a_policy_rule_is_a_programming_error(db: Any) -> None:
    admin = make_user("root", superuser=True)
    with pytest.raises(LookupError, match=r"no policy rule for sessions\.session"):
        policy.visible(admin, Perm.USER_VIEW, Session.objects.all())


def test_any_of_asks_each_permission(db: Any) -> None:
    org = make_org("ORG1")
    viewer = make_user("ana", ("viewer", org, None))
    assert policy.any_of(viewer, [Perm.ROLE_ASSIGN, Perm.ORGANISATION_VIEW]) is True
    assert policy.any_of(viewer, [Perm.ROLE_ASSIGN]) is False


def test_the_public_reader_names_itself_and_holds_only_the_public_permissions() -> None:
    reader = policy.public_reader()
    assert str(reader) == "public reader"
    assert {g.perms for g in policy.grants(reader)} == {policy.PUBLIC_PERMS}
