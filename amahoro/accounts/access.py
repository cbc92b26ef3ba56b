"""How role requests are scoped for the policy module (registered in AccountsConfig.ready): with role.assign,
the requests to one's organisation for a place inside one's subtree (a request for "everywhere" only for a
grant held everywhere); system administrators across organisations."""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant


def role_request_rule(g: Grant) -> Q:
    q = Q() if g.is_global else Q(organisation_id=g.organisation_id)
    if g.path is not None:
        q &= Q(org_unit__path__startswith=g.path)
    return q


def register_rules() -> None:
    policy.register("accounts.rolerequest", policy.Rule(role_request_rule))
