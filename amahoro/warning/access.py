"""How signals are scoped for the policy module (registered in WarningConfig.ready).

- signal.view (focal points, responders, M&E officers): the signals whose place lies in their subtree, of
  any organisation; without the description and the reporter unless they may also act on the signal.
- signal.triage (the focal point of a place): every signal in the subtree, with description and reporter.
- signal.respond (responders): the signals assigned to their organisation in their subtree, with the
  description (never the reporter).
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant
from amahoro.roles import Perm


def _within(g: Grant, prefix: str = "") -> Q:
    return Q() if g.path is None else Q(**{f"{prefix}org_unit__path__startswith": g.path})


def signal_rule(g: Grant) -> Q:
    return _within(g)


def signal_respond_rule(g: Grant) -> Q:
    q = _within(g)
    return q if g.is_global else q & Q(assigned_to_id=g.organisation_id)


def transition_rule(g: Grant) -> Q:
    return _within(g, "signal__")


def transition_respond_rule(g: Grant) -> Q:
    q = _within(g, "signal__")
    return q if g.is_global else q & Q(signal__assigned_to_id=g.organisation_id)


def routing_rule_rule(g: Grant) -> Q:
    return _within(g)


def register_rules() -> None:
    # Configuration (signal.configure): the taxonomy is everyone's; routing rules by their place.
    policy.register("warning.signaltype", policy.Rule(lambda g: Q()))
    policy.register("warning.routingrule", policy.Rule(routing_rule_rule))
    policy.register(
        "warning.signal", policy.Rule(signal_rule, per_perm={Perm.SIGNAL_RESPOND: signal_respond_rule})
    )
    policy.register(
        "warning.transition",
        policy.Rule(transition_rule, per_perm={Perm.SIGNAL_RESPOND: transition_respond_rule}),
    )
