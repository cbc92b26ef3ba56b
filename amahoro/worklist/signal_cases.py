"""A GBV signal opens a GBV case only through a case worker (issue 16, item 2).

The warning and cases apps are sibling domains that never import each other (.importlinter), so the glue that
uses both lives here, a layer above them. A case worker of the organisation the signal is assigned to, over
the signal's place, records the case with the case module's normal intake (the survivor's consent recorded
there); nothing of the signal is copied into the case except its place (the description stays in the signal
unless the case worker writes it in the account). The signal then keeps only the case's id and a "case
opened" entry in its history (warning.services.signal_case_link), in the same transaction as the intake."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.cases import services as case_services
from amahoro.cases.inputs import IncidentInput
from amahoro.cases.models import Incident
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.policy import Actor
from amahoro.roles import Perm
from amahoro.warning import services as warning_services
from amahoro.warning.models import Signal

# What the signal's type suggests to the GBVIMS classification (only a suggestion: the case worker answers
# every question with the survivor).
TYPE_HINTS: dict[str, dict[str, Any]] = {
    "early_marriage": {"forced_marriage": True, "harmful_traditional_practice": "child_marriage"},
}


def places(signal: Signal, user: Actor) -> list[tuple[str, str]]:
    """The places the intake may name: the signal's place and its sector and district, where the user records
    cases for the signal's responder."""
    unit = signal.org_unit
    above = OrgUnit.objects.filter(path__in=unit.ancestor_paths, level__code__in=("sector", "district"))
    chain = [unit, *above.exclude(pk=unit.pk).order_by("-path")]
    return [
        (u.code, f"{u.code} {u.name}")
        for u in chain
        if policy.can_in(user, Perm.CASE_MANAGE, organisation=signal.assigned_to, org_unit=u)
    ]


def initial(signal: Signal) -> dict[str, Any]:
    """The intake form's starting values: the place and the type's hint, nothing identifying."""
    return {"org_unit": signal.org_unit.code, **TYPE_HINTS.get(signal.type.code, {})}


@transaction.atomic
def signal_case_open(*, actor: Actor, signal: Signal, data: IncidentInput) -> Incident:
    """Record the case (the case module's intake, for the signal's responder organisation) and link it to the
    signal, in one transaction: a refusal of either writes neither. The survivor's consent (given or refused)
    must be recorded with the intake. Raises PermissionDenied (403) without case intake for the signal's
    organisation and place, Conflict (409) for a signal that is not GBV or already has its case."""
    warning_services.signal_case_check(actor=actor, signal=signal)
    if not data.consent:
        raise ValidationFailed(
            "record the survivor's consent (given or refused) when opening a case from a signal",
            field="consent",
        )
    assert signal.assigned_to is not None  # signal_case_check: only a case worker of the responder
    data = dataclasses.replace(data, organisation=signal.assigned_to.code)
    incident = case_services.incident_create(actor=actor, data=data)
    warning_services.signal_case_link(actor=actor, signal=signal, case_uuid=incident.uuid)
    return incident
