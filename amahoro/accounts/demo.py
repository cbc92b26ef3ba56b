"""A demo user with one country-wide role, shared by the apps' demo steps (consultations, participation), which
must not import each other. Idempotent; the password is the demo's."""

from __future__ import annotations

from typing import Any

from amahoro.core.demo import DemoLogin, DemoResult, demo_password
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import Role

from .models import RoleAssignment, User
from .services import role_assign, user_create

# (username, first name, last name, role, organisation code)
DemoUserSpec = tuple[str, str, str, Role, str]


def demo_user_ensure(spec: DemoUserSpec, organisation: Organisation, actor: Any, result: DemoResult) -> User:
    """The user of `spec`, holding its role in `organisation` over the whole country, listed in the logins."""
    username, first, last, role, _ = spec
    country = OrgUnit.objects.get(code="RW")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=actor,
            username=username,
            password=result.password or demo_password(),
            email=f"{username}@demo.example.org",
            first_name=first,
            last_name=last,
            check_password_strength=False,
        )
        result.users_created.append(username)
    if not RoleAssignment.objects.filter(user=user, organisation=organisation, role=role.value).exists():
        role_assign(
            actor=actor,
            user=user,
            organisation=organisation,
            role=role.value,
            org_unit=country,
            enforce_policy=False,
        )
    if not any(lg.username == username for lg in result.logins):
        result.logins.append(DemoLogin(username, role.value, organisation.code, "RW Rwanda", False))
    return user
