"""How funding objects are scoped for the policy module (registered in FundingConfig.ready).

- Budget lines and transactions belong to their responsible agency (`organisation`) and may sit at an org
  unit. funding.view: the agency's grants, and the grants of the implementing partner and the funder they
  name; any holder of funding.view also sees figures marked published and not sensitive. A located figure
  is seen only by grants whose subtree contains its place; a national figure (no place) by any grant of
  those organisations. funding.manage: the agency's grants; a national figure needs a grant over the whole
  country.
- IATI activities: seen by the importing organisation's grants, and by everyone holding funding.view when
  published; managed (mapped, re-imported) by the importing organisation.
- Exchange rates are shared reference data: everyone with funding.view sees them, only system
  administrators change them.
- Recording money (`funding.may_manage`, a named check): for the organisation at a place inside the grant's
  subtree; nationally only with a grant over the whole country.
- Mapping rules: shared ones (no owner) are seen by all and changed by system administrators; owned ones
  by their organisation.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.geo.models import PATH_SEP
from amahoro.policy import Grant
from amahoro.roles import Perm

NOTHING = Q(pk__in=[])


def _whole_country(g: Grant) -> bool:
    return g.path is None or g.path.strip(PATH_SEP).count(PATH_SEP) == 0


def _place_within(g: Grant) -> Q:
    if g.path is None:
        return Q()
    return Q(org_unit__isnull=True) | Q(org_unit__path__startswith=g.path)


def _and(a: Q, b: Q) -> Q:
    # An empty Q means "everything" to the policy; `Q() & x` is x, which is what we want here.
    if not a:
        return b
    if not b:
        return a
    return a & b


def record_view_q(g: Grant) -> Q:
    if g.is_global:
        return _place_within(g)
    mine = Q(organisation_id=g.organisation_id) | Q(implementing_partner_id=g.organisation_id)
    mine |= Q(funder_id=g.organisation_id)
    public = Q(is_published=True, is_sensitive=False)
    return public | _and(mine, _place_within(g))


def record_manage_q(g: Grant) -> Q:
    place = Q() if g.path is None else Q(org_unit__path__startswith=g.path)
    if _whole_country(g):
        place = Q()
    q = Q() if g.is_global else Q(organisation_id=g.organisation_id)
    return _and(q, place)


def activity_view_q(g: Grant) -> Q:
    if g.is_global:
        return Q()
    return Q(organisation_id=g.organisation_id) | Q(is_published=True)


def activity_manage_q(g: Grant) -> Q:
    if g.is_global:
        return Q()
    return Q(organisation_id=g.organisation_id)


def rate_manage_q(g: Grant) -> Q:
    return Q() if g.is_global else NOTHING


def rule_view_q(g: Grant) -> Q:
    if g.is_global:
        return Q()
    return Q(organisation__isnull=True) | Q(organisation_id=g.organisation_id)


def rule_manage_q(g: Grant) -> Q:
    return Q() if g.is_global else Q(organisation_id=g.organisation_id)


MAY_MANAGE = "funding.may_manage"


def may_manage(g: Grant, organisation_id: int | None, path: str | None) -> bool:
    """The named check `funding.may_manage`: a grant lets its holder record money for the organisation at a
    place inside its subtree; a national figure (no place) needs a grant over the whole country."""
    if not g.is_global and g.organisation_id != organisation_id:
        return False
    return _whole_country(g) if path is None else g.covers_path(path)


def register_rules() -> None:
    policy.register_check(MAY_MANAGE, may_manage)
    manage = Perm.FUNDING_MANAGE
    for label in ("funding.budgetline", "funding.transaction"):
        policy.register(label, policy.Rule(record_view_q, per_perm={manage: record_manage_q}))
    policy.register(
        "funding.iatiactivity", policy.Rule(activity_view_q, per_perm={manage: activity_manage_q})
    )
    policy.register("funding.exchangerate", policy.Rule(lambda g: Q(), per_perm={manage: rate_manage_q}))
    policy.register("funding.mappingrule", policy.Rule(rule_view_q, per_perm={manage: rule_manage_q}))
