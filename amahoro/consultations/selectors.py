"""Reads of consultations, through the policy: rounds and assessments a user may see, and the published
summary (official status from amahoro.frameworks beside the civil-society assessments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean
from uuid import UUID

from django.db.models import Count, Prefetch, QuerySet

from amahoro import policy
from amahoro.core.errors import NotFound
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.models import Node, NodeKind
from amahoro.geo.models import OrgUnit
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import AgencyResponse, Assessment, Attachment, ConsultationRound, Moderation, Rating


def rounds_visible_to(*, user: Actor) -> QuerySet[ConsultationRound]:
    return policy.visible(
        user, Perm.FRAMEWORK_VIEW, ConsultationRound.objects.select_related("framework", "organisation")
    ).annotate(assessment_count=Count("assessments"))


def round_get(*, user: Actor, uuid: UUID | str) -> ConsultationRound:
    rnd = (
        policy.visible(user, Perm.FRAMEWORK_VIEW, ConsultationRound.objects.select_related("framework"))
        .filter(uuid=uuid)
        .first()
    )
    if rnd is None:
        raise NotFound("consultation round not found")
    return rnd


def assessments_visible_to(*, user: Actor, round: ConsultationRound | None = None) -> QuerySet[Assessment]:
    qs = Assessment.objects.select_related("node", "organisation", "round").prefetch_related(
        Prefetch("responses", AgencyResponse.objects.select_related("organisation")), "attachments"
    )
    if round is not None:
        qs = qs.filter(round=round)
    return policy.visible(user, Perm.FRAMEWORK_VIEW, qs)


def assessment_get(*, user: Actor, uuid: UUID | str, perm: Perm = Perm.FRAMEWORK_VIEW) -> Assessment:
    found = policy.visible(user, perm, Assessment.objects.select_related("round", "node")).filter(uuid=uuid)
    assessment = found.first()
    if assessment is None:
        raise NotFound("assessment not found")
    return assessment


def attachment_get(*, user: Actor, uuid: UUID | str) -> Attachment:
    att = policy.visible(user, Perm.FRAMEWORK_VIEW, Attachment.objects.all()).filter(uuid=uuid).first()
    if att is None:
        raise NotFound("attachment not found")
    return att


def outcomes_of(*, round: ConsultationRound) -> list[Node]:
    return list(
        Node.objects.filter(framework=round.framework, kind=NodeKind.OUTCOME)
        .select_related("parent")
        .prefetch_related("responsible")
        # Tree order: the outcomes of the first pillar, then those of the second, ...
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


# ---------------------------------------------------------------------------------------------------------
# The published summary


@dataclass
class OfficialStatus:
    status: str
    label: str
    score: int | None


@dataclass
class SummaryRow:
    node: Node
    pillar: Node | None
    official: OfficialStatus
    assessments: list[Assessment] = field(default_factory=list)

    @property
    def mean_rating(self) -> float | None:
        ratings = [a.rating for a in self.assessments]
        return round(mean(ratings), 1) if ratings else None

    @property
    def mean_label(self) -> str:
        if self.mean_rating is None:
            return ""
        return str(Rating(round(self.mean_rating)).label)


def official_status(*, round: ConsultationRound) -> dict[int, OfficialStatus]:
    """Each node's official status as the public sees it (the public reader: national data only)."""
    reader = policy.public_reader()
    span = fw_selectors.span_of(period=round.period or None, framework=round.framework)
    country = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if country is None:
        return {}
    progress = fw_selectors.framework_progress(
        user=reader, framework=round.framework, org_unit=country, span=span
    )
    return {
        np.node.pk: OfficialStatus(
            np.status.value, np.status_label, None if np.rollup.score is None else np.bar
        )
        for np in progress.flat
    }


def round_summary(*, round: ConsultationRound, published_only: bool = True) -> list[SummaryRow]:
    """Per outcome: the official status and the approved civil-society assessments with the agencies'
    responses. Anonymous ones carry no organisation (the row has none to give)."""
    statuses = official_status(round=round)
    approved = (
        Assessment.objects.filter(round=round, moderation=Moderation.APPROVED)
        .select_related("organisation")
        .prefetch_related(Prefetch("responses", AgencyResponse.objects.select_related("organisation")))
        .annotate(attachment_count=Count("attachments"))
    )
    by_node: dict[int, list[Assessment]] = {}
    for a in approved:
        by_node.setdefault(a.node_id, []).append(a)
    none = OfficialStatus("no_data", "", None)
    rows = []
    for node in outcomes_of(round=round):
        rows.append(SummaryRow(node, node.parent, statuses.get(node.pk, none), by_node.get(node.pk, [])))
    return rows


def published_rounds() -> QuerySet[ConsultationRound]:
    """Rounds whose summary is public, on frameworks the public may see."""
    return policy.visible(
        policy.public_reader(),
        Perm.FRAMEWORK_VIEW,
        ConsultationRound.objects.filter(published_at__isnull=False).select_related(
            "framework", "organisation"
        ),
    ).order_by("-published_at")


def published_round_get(*, uuid: UUID | str) -> ConsultationRound:
    rnd = published_rounds().filter(uuid=uuid).first()
    if rnd is None:
        raise NotFound("consultation round not found")
    return rnd


def summary_as_dict(*, round: ConsultationRound, rows: list[SummaryRow]) -> dict[str, object]:
    """The published summary as plain data (API and open-data downloads): aggregate and text only."""
    return {
        "round": {
            "id": str(round.uuid),
            "title": round.title,
            "framework": round.framework.code,
            "convener": round.organisation.short_name or round.organisation.name,
            "period": round.period or None,
            "published_at": round.published_at.isoformat() if round.published_at else None,
        },
        "outcomes": [
            {
                "code": r.node.code,
                "name": r.node.display_name,
                "pillar": r.pillar.code if r.pillar else None,
                "official_status": r.official.status,
                "official_status_label": r.official.label,
                "official_score": r.official.score,
                "cso_mean_rating": r.mean_rating,
                "cso_assessments": [
                    {
                        "organisation": a.author_label,
                        "anonymous": a.anonymous,
                        "rating": a.rating,
                        "rating_label": str(Rating(a.rating).label),
                        "evidence": a.evidence,
                        "comment": a.comment,
                        "attachments": getattr(a, "attachment_count", 0),
                        "responses": [
                            {
                                "agency": resp.organisation.short_name or resp.organisation.name,
                                "text": resp.text,
                            }
                            for resp in a.responses.all()
                        ],
                    }
                    for a in r.assessments
                ],
            }
            for r in rows
        ],
    }


def my_pending_counts(*, user: Actor) -> dict[str, int]:
    """For the round list: how many assessments wait for this user's moderation."""
    qs = policy.visible(user, Perm.FRAMEWORK_MANAGE, Assessment.objects.filter(moderation=Moderation.PENDING))
    return {"to_moderate": qs.count()}
