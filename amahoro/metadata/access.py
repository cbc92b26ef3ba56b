"""How metadata is scoped for the policy module (registered in MetadataConfig.ready).

Metadata (category options, categories, combos, option combos, data elements) without an owner is shared:
anyone holding framework.view or data.view sees it, only system administrators change it. Owned metadata:
seen and changed by the owner's grants. Stand-alone indicators follow the same rule (frameworks/access.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant
from amahoro.roles import Perm


def metadata_view_q(g: Grant, prefix: str = "") -> Q:
    if g.is_global:
        return Q()
    return Q(**{f"{prefix}organisation__isnull": True}) | Q(**{f"{prefix}organisation_id": g.organisation_id})


def metadata_manage_q(g: Grant, prefix: str = "") -> Q:
    if g.is_global:
        return Q()
    return Q(**{f"{prefix}organisation_id": g.organisation_id})


def register_rules() -> None:
    def rule(prefix: str = "") -> policy.Rule:
        return policy.Rule(
            lambda g: metadata_view_q(g, prefix),
            per_perm={Perm.FRAMEWORK_MANAGE: lambda g: metadata_manage_q(g, prefix)},
        )

    for label in ("categoryoption", "category", "categorycombo", "dataelement"):
        policy.register(f"metadata.{label}", rule())
    policy.register("metadata.categoryoptioncombo", rule("combo__"))


def manages_organisation(user: Any, organisation: Any) -> bool:
    """Does the user hold framework.manage in this organisation (anywhere), or everywhere (system admin)?
    Metadata has no place, so only the organisation matters."""
    orgs = policy.organisations_with(user, Perm.FRAMEWORK_MANAGE)
    if orgs is None:
        return True
    return organisation is not None and getattr(organisation, "pk", organisation) in orgs
