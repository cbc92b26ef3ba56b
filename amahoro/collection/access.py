"""How collection objects are scoped for the policy module (registered in CollectionConfig.ready).

Forms, collector tokens and mapping rules belong to an organisation. A submission belongs to its form's
organisation and sits at its org unit: a grant over a subtree covers the submissions placed inside it;
submissions without a place are for grants over the whole country only. Issuing forms and tokens and
collecting for an organisation needs a grant of it anywhere (`collection.holds_in_org`, a named check).
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant


def _org(g: Grant, field: str) -> Q:
    return Q() if g.is_global else Q(**{field: g.organisation_id})


def submission_rule(g: Grant) -> Q:
    q = _org(g, "form__organisation_id")
    if g.path is not None:
        within = Q(org_unit__path__startswith=g.path)
        if g.path.count("/") <= 2:
            # A grant over the whole country also covers submissions not (yet) placed anywhere.
            within |= Q(org_unit__isnull=True)
        q &= within
    return q


HOLDS_IN_ORG = "collection.holds_in_org"


def holds_in_org(g: Grant, organisation_id: int | None, path: str | None) -> bool:
    """The named check `collection.holds_in_org`: forms are the organisation's, wherever in the country the
    user works for it (the place is not asked)."""
    return g.is_global or g.organisation_id == organisation_id


def register_rules() -> None:
    policy.register_check(HOLDS_IN_ORG, holds_in_org)
    policy.register("collection.xform", policy.Rule(lambda g: _org(g, "organisation_id")))
    policy.register("collection.collectortoken", policy.Rule(lambda g: _org(g, "organisation_id")))
    policy.register("collection.mappingrule", policy.Rule(lambda g: _org(g, "form__organisation_id")))
    policy.register("collection.submission", policy.Rule(submission_rule))
