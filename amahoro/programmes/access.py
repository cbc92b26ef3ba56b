"""How programme objects are scoped for the policy module (registered in ProgrammesConfig.ready).

- A programme belongs to an organisation and runs in districts: a grant of that organisation sees it when
  its subtree and one of the districts meet (one inside the other).
- Cohorts sit at a place (village, cell or sector): seen by the organisation's grants whose subtree holds
  that place; their sessions, attendance, survey rounds and responses follow the cohort.
- Participants belong to an organisation and live in a village: seen by grants whose subtree holds it.
- Scales without an owner (built-in GEM) are shared: anyone holding programme.view sees them; only system
  administrators change them. Owned scales: seen and changed by the owner's grants.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.geo.models import ancestor_paths
from amahoro.policy import Grant
from amahoro.roles import Perm


def _org(g: Grant, field: str) -> Q:
    return Q() if g.is_global else Q(**{field: g.organisation_id})


def _and(a: Q, b: Q) -> Q:
    if not a:
        return b
    if not b:
        return a
    return a & b


def programme_rule(g: Grant) -> Q:
    place = Q()
    if g.path is not None:
        place = Q(districts__path__startswith=g.path) | Q(districts__path__in=ancestor_paths(g.path))
    return _and(_org(g, "organisation_id"), place)


def _located(org_field: str, path_field: str):  # type: ignore[no-untyped-def]
    def rule(g: Grant) -> Q:
        place = Q() if g.path is None else Q(**{f"{path_field}__startswith": g.path})
        return _and(_org(g, org_field), place)

    return rule


def scale_rule(g: Grant) -> Q:
    return Q() if g.is_global else Q(organisation__isnull=True) | Q(organisation_id=g.organisation_id)


def scale_manage_rule(g: Grant) -> Q:
    return Q() if g.is_global else Q(organisation_id=g.organisation_id)


COHORT = ("programme__organisation_id", "org_unit__path")


def register_rules() -> None:
    policy.register("programmes.programme", policy.Rule(programme_rule, distinct=True))
    policy.register("programmes.cohort", policy.Rule(_located(*COHORT)))
    policy.register(
        "programmes.session",
        policy.Rule(_located("cohort__programme__organisation_id", "cohort__org_unit__path")),
    )
    policy.register("programmes.participant", policy.Rule(_located("organisation_id", "village__path")))
    policy.register(
        "programmes.enrolment",
        policy.Rule(_located("cohort__programme__organisation_id", "cohort__org_unit__path")),
    )
    policy.register(
        "programmes.attendance",
        policy.Rule(
            _located("session__cohort__programme__organisation_id", "session__cohort__org_unit__path")
        ),
    )
    policy.register(
        "programmes.surveyround",
        policy.Rule(_located("cohort__programme__organisation_id", "cohort__org_unit__path")),
    )
    policy.register(
        "programmes.scaleresponse",
        policy.Rule(_located("round__cohort__programme__organisation_id", "round__cohort__org_unit__path")),
    )
    policy.register(
        "programmes.participantmerge", policy.Rule(_located("kept__organisation_id", "kept__village__path"))
    )
    policy.register(
        "programmes.scale",
        policy.Rule(scale_rule, per_perm={Perm.PROGRAMME_MANAGE: scale_manage_rule}),
    )
