"""How case objects are scoped for the policy module (registered in CasesConfig.ready).

- Case roles (case.view / case.manage / case.supervise) see a case when it belongs to their organisation and
  its org unit lies inside their subtree. System administrators hold none of these permissions.
- A referral (a Service whose provider is another organisation) is visible, for that purpose only, to the
  case roles of the receiving organisation: they see the referral, not the incident.
- referral.respond (the service_provider role: police, legal-aid, health staff) covers the referrals sent to
  its organisation through the pathway, whose receiving place (the directory provider's org unit, else the
  case's place) lies inside its subtree; nothing else of the case (no incident, survivor or consent rule
  carries it).
- case.statistics covers incidents by place only (any organisation): it is only ever used for suppressed
  aggregates of incidents whose survivor consented to non-identifiable reporting.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant
from amahoro.roles import Perm


def _owned(g: Grant, prefix: str = "") -> Q:
    q = Q() if g.is_global else Q(**{f"{prefix}organisation_id": g.organisation_id})
    if g.path is not None:
        q &= Q(**{f"{prefix}org_unit__path__startswith": g.path})
    return q


def incident_rule(g: Grant) -> Q:
    return _owned(g)


def incident_statistics_rule(g: Grant) -> Q:
    return Q() if g.path is None else Q(org_unit__path__startswith=g.path)


def service_rule(g: Grant) -> Q:
    owned = _owned(g, "incident__")
    if g.is_global:
        return owned
    # A referral stays visible to its recipient whatever its status, so they can update it.
    return owned | Q(provider_id=g.organisation_id)


def referral_respond_rule(g: Grant) -> Q:
    q = Q(provider_id=g.organisation_id) & ~Q(referral_status="")
    if g.path is None:
        return q
    # provider_unit__org_unit__isnull is also true without a provider_unit (the older provider= form).
    return q & (
        Q(provider_unit__org_unit__path__startswith=g.path)
        | Q(provider_unit__org_unit__isnull=True, incident__org_unit__path__startswith=g.path)
    )


def child_rule(g: Grant) -> Q:
    return _owned(g, "incident__")


def register_rules() -> None:
    policy.register(
        "cases.incident",
        policy.Rule(incident_rule, per_perm={Perm.CASE_STATISTICS: incident_statistics_rule}),
    )
    policy.register("cases.survivor", policy.Rule(lambda g: _owned(g)))
    policy.register(
        "cases.service", policy.Rule(service_rule, per_perm={Perm.REFERRAL_RESPOND: referral_respond_rule})
    )
    for label in ("cases.consent", "cases.perpetrator", "cases.casenote"):
        policy.register(label, policy.Rule(child_rule))
