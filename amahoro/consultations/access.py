"""Who may see and do what in consultations (rules registered in ConsultationsConfig.ready).

Permissions reused from amahoro.roles (no new ones):
- See a round: framework.view on its framework (frameworks.access rules), or membership of the convener.
- Open/close a round, moderate its assessments and publish it: framework.manage in the convening
  organisation (system administrators: any round).
- Rate an outcome: data.enter in an active organisation of type `cso` (its M&E officers and data clerks).
  System administrators are not civil society: a global grant does not let anyone rate.
- Respond to an assessment: framework.manage in an organisation responsible for the rated outcome
  (`Node.responsible`), again as a member of that organisation.
- See an assessment: its author organisation's members; the convener's members; the responsible agencies
  (unless it was rejected by the moderator); system administrators. Everyone else sees only what the
  published summary shows.
Anonymous assessments are found by the author's members through `author_index` (a blind index of the
organisation); nothing in a row names the organisation (see docs/consultations.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from amahoro import policy
from amahoro.core.crypto import blind_index
from amahoro.frameworks.access import framework_view_q
from amahoro.organisations.models import Organisation, OrganisationType
from amahoro.policy import Actor, Grant
from amahoro.roles import Perm

AUTHOR_PURPOSE = "consultations.assessment.author"


def anonymous_assessment_events() -> Q:
    """Audit events of anonymous assessments and their attachments: audit.selectors withholds their author
    (user, organisation, address) from everyone but the assessment moderator role."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from .models import Assessment, Attachment

    assessments = (
        Assessment.objects.filter(anonymous=True).annotate(key=Cast("pk", CharField())).values("key")
    )
    attachments = (
        Attachment.objects.filter(assessment__anonymous=True)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return (
        Q(object_type="consultations.assessment", object_id__in=assessments)
        | Q(object_type="consultations.assessment", changes__anonymous=True)
        | Q(object_type="consultations.attachment", object_id__in=attachments)
    )


def author_index(organisation_id: int) -> str:
    """The keyed digest that stands for an author organisation on its assessments."""
    return blind_index(f"organisation-{organisation_id}", purpose=AUTHOR_PURPOSE)


def _round_view(g: Grant, prefix: str = "") -> Q:
    if g.is_global:
        return Q()
    fw = framework_view_q(g, f"{prefix}framework__")
    if not fw:
        return Q()
    return fw | Q(**{f"{prefix}organisation_id": g.organisation_id})


def _round_manage(g: Grant, prefix: str = "") -> Q:
    return Q() if g.is_global else Q(**{f"{prefix}organisation_id": g.organisation_id})


def _assessment_view(g: Grant, prefix: str = "") -> Q:
    if g.is_global:
        return Q()
    return (
        Q(**{f"{prefix}author_index": author_index(g.organisation_id)})
        | Q(**{f"{prefix}round__organisation_id": g.organisation_id})
        | (Q(**{f"{prefix}node__responsible": g.organisation_id}) & ~Q(**{f"{prefix}moderation": "rejected"}))
    )


def _assessment_edit(g: Grant, prefix: str = "") -> Q:
    # Only the author's own members edit it, whatever their other grants.
    return Q(**{f"{prefix}author_index": author_index(g.organisation_id)})


def _assessment_moderate(g: Grant, prefix: str = "") -> Q:
    return _round_manage(g, f"{prefix}round__")


def register_rules() -> None:
    policy.register(
        "consultations.consultationround",
        policy.Rule(_round_view, per_perm={Perm.FRAMEWORK_MANAGE: _round_manage}),
    )
    policy.register(
        "consultations.assessment",
        policy.Rule(
            _assessment_view,
            distinct=True,
            per_perm={Perm.DATA_ENTER: _assessment_edit, Perm.FRAMEWORK_MANAGE: _assessment_moderate},
        ),
    )
    policy.register(
        "consultations.attachment",
        policy.Rule(
            lambda g: _assessment_view(g, "assessment__"),
            distinct=True,
            per_perm={Perm.DATA_ENTER: lambda g: _assessment_edit(g, "assessment__")},
        ),
    )
    policy.register(
        "consultations.agencyresponse",
        policy.Rule(
            lambda g: _assessment_view(g, "assessment__"),
            distinct=True,
            per_perm={
                Perm.FRAMEWORK_MANAGE: lambda g: Q() if g.is_global else Q(organisation_id=g.organisation_id)
            },
        ),
    )


def member_organisations(user: Actor, perm: Perm) -> set[int]:
    """Organisations in which the user holds `perm` as a member (a system administrator's global grant
    does not make anyone a member of civil society or of an agency)."""
    return {g.organisation_id for g in policy.grants_with(user, perm) if not g.is_global}


def rating_organisations(user: Actor) -> list[Organisation]:
    """The civil-society organisations on whose behalf the user may rate."""
    ids = member_organisations(user, Perm.DATA_ENTER)
    if not ids:
        return []
    return list(
        Organisation.objects.filter(pk__in=ids, type=OrganisationType.CSO, is_active=True).order_by("code")
    )


def responding_organisations(user: Actor, node: Any) -> list[Organisation]:
    """The organisations responsible for the node on whose behalf the user may respond."""
    ids = member_organisations(user, Perm.FRAMEWORK_MANAGE)
    if not ids:
        return []
    return list(node.responsible.filter(pk__in=ids, is_active=True).order_by("code"))
