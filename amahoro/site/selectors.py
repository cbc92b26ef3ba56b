"""Reads for the home page."""

from __future__ import annotations

from typing import Any

from amahoro import policy
from amahoro.accounts.models import RoleAssignment
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_LABELS, Perm, Role


def home_summary(*, user: Any) -> dict[str, Any]:
    assignments = RoleAssignment.objects.filter(user_id=user.pk).select_related(
        "organisation", "org_unit", "org_unit__level"
    )
    return {
        "assignments": [
            {"organisation": a.organisation, "role": ROLE_LABELS[Role(a.role)], "org_unit": a.org_unit}
            for a in assignments
        ],
        "orgunit_count": policy.visible(user, Perm.ORGUNIT_VIEW, OrgUnit.objects.all()).count(),
        "district_count": policy.visible(
            user, Perm.ORGUNIT_VIEW, OrgUnit.objects.filter(level__code="district")
        ).count(),
        "organisation_count": policy.visible(
            user, Perm.ORGANISATION_VIEW, Organisation.objects.all()
        ).count(),
    }
