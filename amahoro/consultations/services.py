"""Writes of consultations: rounds (create, open/close, publish), assessments (rate, edit, moderate),
attachments and agency responses. Each takes `actor=`, asks amahoro.policy, and audits in its transaction."""

from __future__ import annotations

import mimetypes

from django.db import IntegrityError, transaction
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.crypto import encrypt_bytes
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.core.signals import public_data_changed_on_commit
from amahoro.frameworks.models import Framework, Node, NodeKind
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .access import author_index, rating_organisations, responding_organisations
from .models import (
    AgencyResponse,
    Assessment,
    Attachment,
    ConsultationRound,
    Moderation,
    Rating,
    RoundStatus,
)

MAX_TEXT = 10_000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What a file must start with to be what its name says (a renamed executable is refused).
MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


def _text(value: object, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{field} is longer than {max_length} characters", field=field)
    return text


def _rating(value: object) -> int:
    try:
        rating = int(value)  # type: ignore[call-overload]  # any JSON value: TypeError is refused below
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"rating must be a whole number from 1 to 5, not '{value}'", field="rating"
        ) from None
    if rating not in Rating.values:
        raise ValidationFailed(f"rating must be from 1 to 5, not {rating}", field="rating")
    return rating


# ---------------------------------------------------------------------------------------------------------
# Rounds


@transaction.atomic
def round_create(
    *,
    actor: Actor,
    framework: Framework,
    organisation: Organisation,
    title: str,
    description: str = "",
    period: str = "",
) -> ConsultationRound:
    """Open a consultation round on a framework the actor sees, convened by an organisation in which the
    actor holds framework.manage."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.FRAMEWORK_VIEW, framework):
        raise NotFound("framework not found", field="framework")
    managed = policy.organisations_with(actor, Perm.FRAMEWORK_MANAGE)
    if managed is not None and organisation.pk not in managed:
        raise PermissionDenied(
            "you may only convene consultations for an organisation you manage frameworks in",
            field="organisation",
        )
    title = _text(title, "title", required=True, max_length=300)
    period = _text(period, "period", max_length=20)
    if period:
        from amahoro.metadata import periods as period_lib

        try:
            period = period_lib.parse_period(period).code
        except period_lib.InvalidPeriod as exc:
            raise ValidationFailed(str(exc), field="period") from None
    rnd = ConsultationRound.objects.create(
        framework=framework,
        organisation=organisation,
        title=title,
        description=_text(description, "description"),
        period=period,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=rnd,
        organisation_id=organisation.pk,
        changes={"framework": framework.code, "title": title, "period": period},
    )
    return rnd


def _portal_changed() -> None:
    public_data_changed_on_commit(sender=ConsultationRound)


def _moderated(actor: Actor, rnd: ConsultationRound) -> None:
    """A round the actor does not see is "not found"; one they see but do not manage is refused."""
    if not policy.allows(actor, Perm.FRAMEWORK_VIEW, rnd):
        raise NotFound("consultation round not found")
    policy.require(
        actor, Perm.FRAMEWORK_MANAGE, rnd, message="only the convener's managers moderate this round"
    )


@transaction.atomic
def round_set_status(*, actor: Actor, round: ConsultationRound, status: str) -> ConsultationRound:
    policy.check_actor(actor)
    _moderated(actor, round)
    if status not in RoundStatus.values:
        raise ValidationFailed(f"status must be one of {', '.join(RoundStatus.values)}", field="status")
    before = round.status
    if before != status:
        round.status = status
        round.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=round,
            organisation_id=round.organisation_id,
            changes={"status": [before, status]},
        )
    return round


@transaction.atomic
def round_publish(*, actor: Actor, round: ConsultationRound) -> ConsultationRound:
    """Publish the round's summary: closes the round; approved assessments and their responses become
    public. Pending ones must be moderated first."""
    policy.check_actor(actor)
    _moderated(actor, round)
    pending = round.assessments.filter(moderation=Moderation.PENDING).count()
    if pending:
        raise Conflict(f"{pending} assessment(s) still await moderation", field="moderation")
    if not round.assessments.filter(moderation=Moderation.APPROVED).exists():
        raise Conflict("there is no approved assessment to publish", field="moderation")
    round.status = RoundStatus.CLOSED
    round.published_at = timezone.now()
    round.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=round,
        organisation_id=round.organisation_id,
        changes={"published": True},
        message="consultation summary published",
    )
    _portal_changed()
    return round


@transaction.atomic
def round_unpublish(*, actor: Actor, round: ConsultationRound) -> ConsultationRound:
    policy.check_actor(actor)
    _moderated(actor, round)
    if round.published_at is not None:
        round.published_at = None
        round.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=round,
            organisation_id=round.organisation_id,
            changes={"published": False},
        )
        _portal_changed()
    return round


# ---------------------------------------------------------------------------------------------------------
# Assessments


def _author_org(actor: Actor, organisation: Organisation | None) -> Organisation:
    allowed = rating_organisations(actor)
    if not allowed:
        raise PermissionDenied(
            "only members of a registered civil-society organisation (data entry role) may rate progress"
        )
    if organisation is None:
        if len(allowed) > 1:
            raise ValidationFailed("choose the organisation you rate for", field="organisation")
        return allowed[0]
    if organisation.pk not in {o.pk for o in allowed}:
        raise PermissionDenied("you may not rate on behalf of this organisation", field="organisation")
    return organisation


@transaction.atomic
def assessment_submit(
    *,
    actor: Actor,
    round: ConsultationRound,
    node: Node,
    rating: object,
    evidence: str = "",
    comment: str = "",
    anonymous: bool = False,
    organisation: Organisation | None = None,
) -> Assessment:
    """A civil-society organisation rates one outcome of the round's framework (once per outcome).

    Anonymous: the row keeps no organisation and no creator, and the audit row names no organisation in
    its text (see docs/consultations.md for who can still learn the author)."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.FRAMEWORK_VIEW, round):
        raise NotFound("consultation round not found")
    author = _author_org(actor, organisation)
    if not round.is_open:
        raise Conflict("this consultation round is closed", field="round")
    if node.framework_id != round.framework_id or node.kind != NodeKind.OUTCOME:
        raise ValidationFailed(f"'{node.code}' is not an outcome of {round.framework.code}", field="node")
    index = author_index(author.pk)
    if Assessment.objects.filter(round=round, node=node, author_index=index).exists():
        raise Conflict(
            f"your organisation has already rated {node.code} in this round: edit that assessment",
            field="node",
        )
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                round=round,
                node=node,
                organisation=None if anonymous else author,
                author_index=index,
                anonymous=bool(anonymous),
                rating=_rating(rating),
                evidence=_text(evidence, "evidence"),
                comment=_text(comment, "comment"),
                created_by=actor if isinstance(actor, User) and not anonymous else None,
            )
    except IntegrityError:
        raise Conflict(
            f"your organisation has already rated {node.code} in this round", field="node"
        ) from None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        object_repr=f"{'anonymous ' if anonymous else ''}assessment of {node.code} ({round.title})"[:200],
        organisation_id=author.pk,
        changes={"node": node.code, "rating": assessment.rating, "anonymous": assessment.anonymous},
    )
    return assessment


@transaction.atomic
def assessment_update(
    *,
    actor: Actor,
    assessment: Assessment,
    rating: object = None,
    evidence: object = None,
    comment: object = None,
) -> Assessment:
    """The author edits an assessment while the round is open; an edit sends it back to moderation."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.DATA_ENTER, assessment):
        raise NotFound("assessment not found")
    if not assessment.round.is_open:
        raise Conflict("this consultation round is closed", field="round")
    changes: dict[str, object] = {}
    if rating is not None:
        new = _rating(rating)
        if new != assessment.rating:
            changes["rating"] = [assessment.rating, new]
            assessment.rating = new
    for name, value in (("evidence", evidence), ("comment", comment)):
        if value is not None:
            text = _text(value, name)
            if text != getattr(assessment, name):
                changes[name] = "changed"
                setattr(assessment, name, text)
    if changes:
        assessment.moderation = Moderation.PENDING
        assessment.moderated_at = None
        assessment.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=assessment,
            object_repr=f"assessment of {assessment.node.code}",
            changes=changes,
        )
    return assessment


@transaction.atomic
def assessment_moderate(*, actor: Actor, assessment: Assessment, decision: str, note: str = "") -> Assessment:
    """The convener approves or rejects an assessment (a rejection needs a reason the author can read)."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.FRAMEWORK_VIEW, assessment):
        raise NotFound("assessment not found")
    if not policy.can(actor, Perm.FRAMEWORK_MANAGE, assessment):
        raise PermissionDenied("only the convener's managers moderate this round")
    if decision not in (Moderation.APPROVED, Moderation.REJECTED):
        raise ValidationFailed("decision must be 'approved' or 'rejected'", field="decision")
    note = _text(note, "note", required=decision == Moderation.REJECTED, max_length=500)
    if assessment.round.is_published:
        raise Conflict("the round is published: unpublish it before moderating again", field="round")
    before = assessment.moderation
    assessment.moderation = decision
    assessment.moderation_note = note
    assessment.moderated_at = timezone.now()
    assessment.save(update_fields=["moderation", "moderation_note", "moderated_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        object_repr=f"assessment of {assessment.node.code}",
        organisation_id=assessment.round.organisation_id,
        changes={"moderation": [before, decision]},
    )
    return assessment


@transaction.atomic
def attachment_add(*, actor: Actor, assessment: Assessment, filename: str, content: bytes) -> Attachment:
    """Evidence file for an assessment: a known type whose content matches its name, at most 5 MB, stored
    encrypted."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.DATA_ENTER, assessment):
        raise NotFound("assessment not found")
    if not assessment.round.is_open:
        raise Conflict("this consultation round is closed", field="round")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ValidationFailed(
            f"file type '{ext or name}' is not accepted; use {', '.join(sorted(ATTACHMENT_TYPES))}",
            field="file",
        )
    if not content:
        raise ValidationFailed("the file is empty", field="file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            f"the file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB", field="file"
        )
    magic = MAGIC.get(ext)
    if magic and not content.startswith(magic):
        raise ValidationFailed(f"'{name}' is not a valid {ext} file", field="file")
    if assessment.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationFailed(f"at most {MAX_ATTACHMENTS} files per assessment", field="file")
    att = Attachment.objects.create(
        assessment=assessment,
        filename=name,
        content_type=ATTACHMENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(content),
        content=encrypt_bytes(content),
        created_by=actor if isinstance(actor, User) and not assessment.anonymous else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=att,
        object_repr=f"attachment of an assessment of {assessment.node.code}",
        changes={"size": len(content), "type": att.content_type},
    )
    return att


# ---------------------------------------------------------------------------------------------------------
# Agency responses


@transaction.atomic
def response_submit(
    *, actor: Actor, assessment: Assessment, text: str, organisation: Organisation | None = None
) -> AgencyResponse:
    """An agency responsible for the rated outcome answers (once per agency; a second call edits it)."""
    policy.check_actor(actor)
    if not policy.can(actor, Perm.FRAMEWORK_VIEW, assessment):
        raise NotFound("assessment not found")
    allowed = responding_organisations(actor, assessment.node)
    if not allowed:
        raise PermissionDenied(
            "only managers of an agency responsible for this outcome may respond", field="organisation"
        )
    if organisation is None:
        if len(allowed) > 1:
            raise ValidationFailed("choose the agency you respond for", field="organisation")
        organisation = allowed[0]
    elif organisation.pk not in {o.pk for o in allowed}:
        raise PermissionDenied("you may not respond for this organisation", field="organisation")
    if assessment.round.is_published:
        raise Conflict("the round is published: responses are closed", field="round")
    body = _text(text, "text", required=True)
    response, created = AgencyResponse.objects.get_or_create(
        assessment=assessment,
        organisation=organisation,
        defaults={"text": body, "created_by": actor},
    )
    if not created:
        response.text = body
        response.save(update_fields=["text", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=response,
        object_repr=f"response of {organisation.code} to an assessment of {assessment.node.code}",
        organisation_id=organisation.pk,
        changes={"text": "set"},
    )
    return response
