"""How collection objects are scoped for the policy module (registered in CollectionConfig.ready).

Forms, collector tokens and mapping rules belong to an organisation. A submission belongs to its form's
organisation and sits at its org unit: a grant over a subtree covers the submissions placed inside it;
submissions without a place are for grants over the whole country only.
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


def register_rules() -> None:
    policy.register("collection.xform", policy.Rule(lambda g: _org(g, "organisation_id")))
    policy.register("collection.collectortoken", policy.Rule(lambda g: _org(g, "organisation_id")))
    policy.register("collection.mappingrule", policy.Rule(lambda g: _org(g, "form__organisation_id")))
    policy.register("collection.submission", policy.Rule(submission_rule))
