"""Which responder gets a signal: the most specific active routing rule (a rule for the signal's type beats
an any-type rule; then a deeper place beats a higher one; then the older rule)."""

from __future__ import annotations

from django.db.models import Q

from amahoro.geo.models import OrgUnit, ancestor_paths

from .models import RoutingRule, SignalType


def rule_for(kind: SignalType, unit: OrgUnit) -> RoutingRule | None:
    rules = list(
        RoutingRule.objects.filter(
            Q(signal_type=kind) | Q(signal_type__isnull=True),
            is_active=True,
            responder__is_active=True,
            org_unit__path__in=ancestor_paths(unit.path),
        ).select_related("org_unit", "responder", "signal_type")
    )
    if not rules:
        return None
    rules.sort(key=lambda r: (r.signal_type_id is None, -len(r.org_unit.path), r.pk))
    return rules[0]
