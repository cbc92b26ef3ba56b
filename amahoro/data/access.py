"""How data objects are scoped for the policy module (registered in DataConfig.ready).

A data value lives at an org unit and, where its attribute option combo names an implementing
organisation, belongs to that organisation. The rule: a grant covers a value when the value's org unit is
inside the grant's subtree and the value either belongs to no organisation or to the grant's organisation
(system administrators: any organisation). An attribute option combo names an organisation when one of
its category options has that organisation's code (e.g. option `NGO1` of category "Implementing partner");
the default attribute option combo names none. A value of a data element owned by an organisation, entered
without such an attribute, belongs to the data element's owner.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant
from amahoro.roles import Perm


def _owned_or_shared(g: Grant, org_field: str = "organisation") -> Q:
    if g.is_global:
        return Q()
    return Q(**{f"{org_field}__isnull": True}) | Q(**{f"{org_field}_id": g.organisation_id})


def _within(g: Grant, path_field: str) -> Q:
    return Q() if g.path is None else Q(**{f"{path_field}__startswith": g.path})


def located_owned_rule(g: Grant) -> Q:
    """Data values, approvals: inside the subtree, and shared or the grant's organisation's."""
    return _owned_or_shared(g) & _within(g, "org_unit__path")


def metadata_rule(g: Grant) -> Q:
    """Data sets, validation rules: shared, or owned by the grant's organisation."""
    return _owned_or_shared(g)


def metadata_manage_rule(g: Grant) -> Q:
    """...but only their owner's managers (and system administrators) change them."""
    return Q() if g.is_global else Q(organisation_id=g.organisation_id)


def lock_rule(g: Grant) -> Q:
    """Locks: those covering a place in or above the subtree (a national lock applies to everyone)."""
    q = _owned_or_shared(g)
    if g.path is None:
        return q
    from amahoro.geo.models import ancestor_paths

    return q & (
        Q(org_unit__isnull=True)
        | Q(org_unit__path__startswith=g.path)
        | Q(org_unit__path__in=ancestor_paths(g.path))
    )


def register_rules() -> None:
    # Declared by fields: the analytics engine applies the same scope to its columnar copy of the values.
    policy.register("data.datavalue", policy.declared("organisation", "org_unit__path", shared=True))
    policy.register("data.dataapproval", policy.Rule(located_owned_rule))
    # Reports marked complete: the place's and the report organisation's (shared data sets: anyone's there).
    policy.register(
        "data.completedatasetregistration", policy.declared("organisation", "org_unit__path", shared=True)
    )
    policy.register("data.datalock", policy.Rule(lock_rule))
    managed = {Perm.FRAMEWORK_MANAGE: metadata_manage_rule}
    policy.register("data.dataset", policy.Rule(metadata_rule, per_perm=managed))
    policy.register("data.validationrule", policy.Rule(metadata_rule, per_perm=managed))
    policy.register("data.minmaxbound", policy.scoped(None, "org_unit__path"))
