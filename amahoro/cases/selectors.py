"""Reads of the case module. Lists start from the policy; opening a case (or a referral) writes an audit
row in the same transaction, so no one reads a survivor's file without leaving a trace."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction, AuditEvent
from amahoro.core.crypto import normalise
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import deadlines, services
from .models import Incident, ReferralStatus, Service, Survivor
from .serializers import MAX_LIST as MAX_LIST  # the longest list an answer gives


def incidents_visible_to(*, user: Actor) -> QuerySet[Incident]:
    return policy.visible(user, Perm.CASE_VIEW, Incident.objects.all()).select_related(
        "survivor", "org_unit", "organisation", "case_worker"
    )


def _audit_read(
    user: Actor, incident: Incident, message: str, action: AuditAction = AuditAction.READ
) -> None:
    services._audit(user, action, incident, message=message)


@transaction.atomic
def incidents_list(
    *, user: Actor, status: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Incident], int]:
    """A page of the cases the user may see; each listed case gets an audit row ('listed')."""
    qs = incidents_visible_to(user=user)
    if status:
        qs = qs.filter(status=status)
    total = qs.count()
    page = list(qs[offset : offset + min(limit, MAX_LIST)])
    for incident in page:
        _audit_read(user, incident, "listed")
    return page, total


def _uuid_lookup(ident: object) -> dict[str, uuid.UUID]:
    try:
        return {"uuid": uuid.UUID(str(ident))}
    except ValueError:
        raise NotFound("not found") from None


@transaction.atomic
def incident_open(
    *, user: Actor, ident: object, perm: Perm = Perm.CASE_VIEW, purpose: str = "opened"
) -> Incident:
    """One case, for a user allowed `perm` on it (404 otherwise), with the read audited."""
    qs = policy.visible(user, perm, Incident.objects.select_related("survivor", "org_unit", "organisation"))
    incident = qs.filter(**_uuid_lookup(ident)).first()
    if incident is None:
        raise NotFound("not found")
    _audit_read(user, incident, purpose)
    return incident


@transaction.atomic
def incidents_search(*, user: Actor, survivor_code: str = "", phone: str = "") -> list[Incident]:
    """Exact match on the survivor code or (through the keyed hash) the phone number; never a plaintext
    comparison. Each hit is audited as a read."""
    if not survivor_code and not phone:
        raise ValidationFailed("give survivor_code or phone", field="survivor_code")
    survivors = Survivor.objects.all()
    if survivor_code:
        survivors = survivors.filter(code=survivor_code.strip().upper())
    if phone:
        if not normalise(phone):
            raise ValidationFailed("phone has no digits", field="phone")
        survivors = survivors.filter(phone_index=services.phone_index(phone))
    hits = list(incidents_visible_to(user=user).filter(survivor__in=survivors.values("pk"))[:MAX_LIST])
    for incident in hits:
        _audit_read(user, incident, "found by search")
    return hits


INCOMING = "incoming"
OUTGOING = "outgoing"
_REFERRAL_RELATED = (
    "incident__survivor",
    "incident__organisation",
    "incident__org_unit",
    "incident__case_worker",
    "incident__created_by",
    "created_by",
    "provider",
    "provider_unit",
)


def _incoming(user: Actor) -> QuerySet[Service]:
    """Referrals addressed to the user's organisations: for their case roles (any place, as before), and for
    their referral.respond holders within their place (access.referral_respond_rule)."""
    orgs = policy.organisations_with(user, Perm.CASE_VIEW)
    case_roles = policy.visible(user, Perm.CASE_VIEW, Service.objects.all())
    if orgs is not None:
        case_roles = case_roles.filter(provider_id__in=orgs).exclude(incident__organisation_id__in=orgs)
    responders = policy.visible(user, Perm.REFERRAL_RESPOND, Service.objects.all())
    return Service.objects.filter(Q(pk__in=case_roles.values("pk")) | Q(pk__in=responders.values("pk")))


def _outgoing(user: Actor) -> QuerySet[Service]:
    """Referrals the user's organisations sent, from the cases the user sees."""
    orgs = policy.organisations_with(user, Perm.CASE_VIEW)
    qs = policy.visible(user, Perm.CASE_VIEW, Service.objects.filter(provider__isnull=False)).exclude(
        provider_id=F("incident__organisation_id")
    )
    if orgs is not None:
        qs = qs.filter(incident__organisation_id__in=orgs)
    return qs


def referrals_visible_to(*, user: Actor, direction: str = "") -> QuerySet[Service]:
    """Referrals addressed to the user's organisations (the default, and `incoming`), or sent by them
    (`outgoing`)."""
    qs = _outgoing(user) if direction == OUTGOING else _incoming(user)
    return qs.select_related(*_REFERRAL_RELATED).order_by("-referred_on", "-id")


def referrals_awaiting_reply(*, user: Actor, overdue_only: bool = False) -> QuerySet[Service]:
    """The referrals the user's organisations sent, from the cases the user sees, still awaiting the
    receiver's reply (past their reply time only, with `overdue_only`): for the worklists. Not audited
    (a worklist shows the survivor code and the service only; opening the case is)."""
    qs = referrals_visible_to(user=user, direction=OUTGOING).filter(referral_status=ReferralStatus.PENDING)
    if overdue_only:
        qs = qs.filter(reply_due_at__lt=timezone.now())
    return qs.order_by("reply_due_at", "id")


@transaction.atomic
def referrals_list(*, user: Actor, direction: str = "", status: str = "") -> list[Service]:
    """A page of referrals (see referrals_visible_to), each listed one audited on its case's access log."""
    qs = referrals_visible_to(user=user, direction=direction)
    if status:
        qs = qs.filter(referral_status=status)
    rows = list(qs[:MAX_LIST])
    for service in rows:
        _audit_read(user, service.incident, f"referral {service.type} listed ({direction or INCOMING})")
    return rows


@transaction.atomic
def referral_open(*, user: Actor, ident: object) -> Service:
    service = referrals_visible_to(user=user).filter(**_uuid_lookup(ident)).first()
    if service is None:
        raise NotFound("not found")
    _audit_read(user, service.incident, f"referral {service.type} opened by the receiving organisation")
    return service


def referral_release_allowed(service: Service) -> bool:
    """May the receiving organisation see who the survivor is? Only with a standing release of information
    naming this organisation and this service type (see services.release_consent_active)."""
    return services.release_consent_active(service)


def access_log(*, user: Actor, incident: Incident) -> QuerySet[AuditEvent]:
    """Who opened, listed, found or changed this case: for its supervisors only."""
    if not policy.can(user, Perm.CASE_SUPERVISE, incident):
        raise NotFound("not found")
    return AuditEvent.objects.filter(object_type="cases.incident", object_id=str(incident.uuid)).order_by(
        "-at", "-id"
    )


def incident_as_dict(incident: Incident, *, identifying: bool = True) -> dict[str, object]:
    """The API shape of a case (the same keys the intake takes, plus derived values)."""
    survivor = incident.survivor
    survivor_fields: dict[str, object] = {
        "sex": survivor.sex,
        "age": survivor.age,
        "age_estimated": survivor.age_estimated,
        "marital_status": survivor.marital_status,
        "disability": survivor.disability,
        "displacement_status": survivor.displacement_status,
        "nationality": survivor.nationality,
    }
    if identifying:
        survivor_fields.update(survivor.identity or {})
    out: dict[str, object] = {
        "id": str(incident.uuid),
        "survivor_code": survivor.code,
        "version": incident.version,
        "status": incident.status,
        "organisation": incident.organisation.code,
        "org_unit": incident.org_unit.code,
        "case_worker": incident.case_worker.username if incident.case_worker else None,
        "incident_date": incident.incident_date.isoformat(),
        "incident_time": incident.incident_time.strftime("%H:%M") if incident.incident_time else None,
        "report_date": incident.report_date.isoformat(),
        "location_type": incident.location_type,
        "time_of_day": incident.time_of_day,
        "classification": incident.answers(),
        "gbv_type": incident.gbv_type,
        "contexts": list(incident.contexts),
        "elapsed_days": incident.elapsed_days,
        "elapsed_reporting_bucket": incident.elapsed_reporting_bucket,
        "perpetrators": [
            {
                "relationship": p.relationship,
                "sex": p.sex,
                "age_group": p.age_group,
                "occupation": p.occupation,
            }
            for p in incident.perpetrators.all()
        ],
        "goods_exchanged": incident.goods_exchanged,
        "abduction": incident.abduction,
        "harmful_traditional_practice": incident.harmful_traditional_practice,
        "reported_elsewhere": incident.reported_elsewhere,
        "survivor": survivor_fields,
        "consent": services.consents_active(incident),
        "consents": [
            {
                "id": str(c.uuid),
                "purpose": c.purpose,
                "service": c.service,
                "recipient": c.recipient.code if c.recipient else None,
                "given": c.given,
                "method": c.method,
                "contact_methods": list(c.contact_methods or []),
                "recorded_by": c.recorded_by.username if c.recorded_by else None,
                "recorded_at": c.recorded_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in incident.consents.select_related("recorded_by", "recipient")
        ],
        "services": [
            service_as_dict(s) for s in incident.services.select_related("provider", "provider_unit")
        ],
        "closure_reason": incident.closure_reason,
        "countdowns": [deadlines.countdown_as_dict(c) for c in deadlines.for_incident(incident)],
    }
    if identifying:
        out["account"] = incident.account
        out["notes"] = [
            {
                "id": str(n.uuid),
                "kind": n.kind,
                "text": n.text,
                "due_on": n.due_on.isoformat() if n.due_on else None,
            }
            for n in incident.notes.all()
        ]
    return out


def service_as_dict(s: Service) -> dict[str, object]:
    return {
        "id": str(s.uuid),
        "type": s.type,
        "status": s.status,
        "provider": s.provider.code if s.provider else None,
        "referred_on": s.referred_on.isoformat() if s.referred_on else None,
        "provided_on": s.provided_on.isoformat() if s.provided_on else None,
        "pep_given_on": s.pep_given_on.isoformat() if s.pep_given_on else None,
        "ec_given_on": s.ec_given_on.isoformat() if s.ec_given_on else None,
        "consent_overridden": s.consent_overridden_by_id is not None,
        **referral_state(s),
        "response_note": s.response_note,
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def referral_state(s: Service) -> dict[str, object]:
    """Where a referral stands on the pathway (the same for both sides)."""
    unit = s.provider_unit
    return {
        "provider_unit": {"id": str(unit.uuid), "name": unit.name} if unit else None,
        "urgency": s.urgency,
        "contact_method": s.contact_method,
        "referral_status": s.referral_status,
        "reply_due_at": _iso(s.reply_due_at),
        "responded_at": _iso(s.responded_at),
        "escalated_at": _iso(s.escalated_at),
    }


def _referrer(s: Service) -> dict[str, object]:
    """The referring organisation and worker: who made the referral (for a referral recorded before that
    was kept, the case worker, else who recorded the case)."""
    incident = s.incident
    worker = s.created_by or incident.case_worker or incident.created_by
    return {
        "referred_by": incident.organisation.code,
        "referred_by_name": incident.organisation.name,
        "referring_worker": (worker.get_full_name() or worker.username) if worker else None,
    }


def referral_row(s: Service) -> dict[str, object]:
    """A line of a referral inbox: the survivor code, the service requested, urgency, the contact method the
    survivor consented to, the referring worker and organisation, dates and status; nothing else."""
    return {
        "id": str(s.uuid),
        "survivor_code": s.incident.survivor.code,
        "type": s.type,
        "status": s.status,
        "provider": s.provider.code if s.provider else None,
        "referred_on": _iso(s.referred_on),
        **referral_state(s),
        **_referrer(s),
    }


def referral_as_dict(s: Service, *, case_role: bool = True) -> dict[str, object]:
    """What a receiving organisation sees: the referral, the pseudonym, and who the survivor is only with
    the survivor's consent to release information to this service. The incident's id is for the receiving
    case roles only (`case_role`), not for referral.respond holders; its date and type for those case
    roles only under that same release."""
    incident = s.incident
    released = referral_release_allowed(s)
    out: dict[str, object] = {
        **service_as_dict(s),
        **_referrer(s),
        "survivor_code": incident.survivor.code,
        "identity_released": released,
    }
    if case_role:
        out["incident_id"] = str(incident.uuid)
    if case_role and released:
        out.update({"incident_date": incident.incident_date.isoformat(), "gbv_type": incident.gbv_type})
    if released:
        identity = incident.survivor.identity or {}
        out["survivor"] = {k: identity.get(k, "") for k in ("name", "phone")}
    return out
