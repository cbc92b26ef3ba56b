"""How frameworks, indicators and metadata are scoped for the policy module (registered in
FrameworksConfig.ready).

- A framework belongs to an organisation (or to nobody: a national framework) and covers an org-unit
  subtree (`org_unit`, empty = the whole country). framework.view: members of the owning organisation whose
  grant overlaps that scope; national (no owner) and public frameworks: anyone holding framework.view.
  framework.manage: a grant of the owning organisation whose subtree contains the whole scope; a national
  framework: system administrators only.
- Nodes, node links, indicators defined in a framework and their targets follow their framework.
- Stand-alone indicators are scoped like metadata (amahoro.metadata.access): without an owner shared,
  anyone holding framework.view or data.view sees them, only system administrators change them; owned
  ones are seen and changed by the owner's grants.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from amahoro import policy
from amahoro.geo.models import PATH_SEP, ancestor_paths
from amahoro.metadata.access import metadata_manage_q, metadata_view_q
from amahoro.policy import Grant
from amahoro.roles import Perm


# An empty Q means "everything" to the policy, but Django drops an empty Q from `|` (Q(a) | Q() == Q(a)):
# combine through these two instead.
def _or(*qs: Q) -> Q:
    if any(not q for q in qs):
        return Q()
    out = qs[0]
    for q in qs[1:]:
        out = out | q
    return out


def _and(*qs: Q) -> Q:
    out = Q()
    for q in qs:
        if q:
            out = out & q if out else q
    return out


def _is_root(path: str) -> bool:
    return path.strip(PATH_SEP).count(PATH_SEP) == 0


def _scope_overlaps(g: Grant, prefix: str) -> Q:
    """The framework's scope and the grant's subtree meet (one contains the other)."""
    if g.path is None:
        return Q()
    field = f"{prefix}org_unit__path"
    return _or(
        Q(**{f"{prefix}org_unit__isnull": True}),
        Q(**{f"{field}__startswith": g.path}),
        Q(**{f"{field}__in": ancestor_paths(g.path)}),
    )


def _scope_within(g: Grant, prefix: str) -> Q:
    """The grant's subtree contains the framework's whole scope (no scope = the country)."""
    if g.path is None:
        return Q()
    q = Q(**{f"{prefix}org_unit__path__startswith": g.path})
    if _is_root(g.path):
        q = q | Q(**{f"{prefix}org_unit__isnull": True})
    return q


def framework_view_q(g: Grant, prefix: str = "") -> Q:
    shared = Q(**{f"{prefix}organisation__isnull": True}) | Q(**{f"{prefix}is_public": True})
    if g.is_global:
        return _or(shared, _scope_overlaps(g, prefix))
    return _or(shared, _and(Q(**{f"{prefix}organisation_id": g.organisation_id}), _scope_overlaps(g, prefix)))


def framework_manage_q(g: Grant, prefix: str = "") -> Q:
    if g.is_global:
        return _scope_within(g, prefix)
    return _and(Q(**{f"{prefix}organisation_id": g.organisation_id}), _scope_within(g, prefix))


def indicator_view_q(g: Grant, prefix: str = "") -> Q:
    in_framework = _and(
        Q(**{f"{prefix}framework__isnull": False}), framework_view_q(g, f"{prefix}framework__")
    )
    alone = _and(Q(**{f"{prefix}framework__isnull": True}), metadata_view_q(g, prefix))
    return _or(in_framework, alone)


def indicator_manage_q(g: Grant, prefix: str = "") -> Q:
    in_framework = _and(
        Q(**{f"{prefix}framework__isnull": False}), framework_manage_q(g, f"{prefix}framework__")
    )
    alone = _and(Q(**{f"{prefix}framework__isnull": True}), metadata_manage_q(g, prefix))
    return _or(in_framework, alone)


def _rule(view: Callable[[Grant], Q], manage: Callable[[Grant], Q]) -> policy.Rule:
    return policy.Rule(view, per_perm={Perm.FRAMEWORK_MANAGE: manage})


def register_rules() -> None:
    policy.register("frameworks.framework", _rule(framework_view_q, framework_manage_q))
    policy.register(
        "frameworks.node",
        _rule(lambda g: framework_view_q(g, "framework__"), lambda g: framework_manage_q(g, "framework__")),
    )
    policy.register(
        "frameworks.nodelink",
        _rule(
            lambda g: framework_view_q(g, "source__framework__"),
            lambda g: framework_manage_q(g, "source__framework__"),
        ),
    )
    policy.register("frameworks.indicator", _rule(indicator_view_q, indicator_manage_q))
    policy.register(
        "frameworks.target",
        _rule(lambda g: indicator_view_q(g, "indicator__"), lambda g: indicator_manage_q(g, "indicator__")),
    )
