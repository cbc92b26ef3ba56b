"""Every write of the case module: intake, edits under an optimistic version, consent, services and
referrals, case notes, closure. Each takes `actor=`, checks the policy and audits in the same transaction.
Audit rows name the case by its public id and list changed field names only, never identifying values."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.crypto import blind_index
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.directory.models import ServiceProvider
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import org_unit_by_code
from amahoro.notifications.services import notify
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import ROLE_PERMISSIONS, Perm

from . import classification as cl
from . import notices
from .inputs import IncidentInput
from .models import (
    CaseNote,
    CaseStatus,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Incident,
    NoteKind,
    Perpetrator,
    ReferralStatus,
    Service,
    ServiceStatus,
    ServiceType,
    Survivor,
    Urgency,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
PHONE_PURPOSE = "cases.survivor.phone"
NATIONAL_ID_PURPOSE = "cases.survivor.national_id"


def _person(actor: Actor) -> User:
    """GBV case files are changed by people, each named in the file and its audit trail: a missing actor
    (a programming error) and the platform itself (policy.SYSTEM) are refused."""
    policy.check_actor(actor)
    if not isinstance(actor, User):
        raise PermissionDenied(
            "GBV case files are changed by signed-in people only", code="permission_denied"
        )
    return actor


def _audit(
    actor: Actor,
    action: AuditAction,
    obj: Incident,
    *,
    changes: dict[str, object] | None = None,
    message: str = "",
) -> None:
    audit_record(
        actor=actor,  # type: ignore[arg-type]  # audit_record takes policy.SYSTEM too (as no user)
        action=action,
        object_type="cases.incident",
        object_id=str(obj.uuid),
        object_repr=str(obj),
        organisation_id=obj.organisation_id,
        org_unit_path=obj.org_unit.path,
        sensitive=True,
        changes=changes or {},
        message=message,
    )


def survivor_code_new() -> str:
    """A random pseudonym (GBV-XXXX-XXXX), carrying nothing about the survivor, the place or the date."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"GBV-{raw[:4]}-{raw[4:]}"
        if not Survivor.objects.filter(code=code).exists():
            return code


def phone_canonical(phone: str) -> str:
    """Digits in international form, so 0788 123 456, +250 788 123 456 and 250788123456 match (Rwanda's
    numbers: 9 digits after the country code 250 or the trunk prefix 0)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) == 10 and digits.startswith("0"):
        digits = "250" + digits[1:]
    elif len(digits) == 9 and digits.startswith("7"):
        digits = "250" + digits
    return digits


def phone_index(phone: str) -> str:
    return blind_index(phone_canonical(phone), purpose=PHONE_PURPOSE)


def _derive(data: IncidentInput) -> dict[str, object]:
    gbv_type = cl.classify(data.classification)
    days = cl.elapsed_days(data.incident_date, data.report_date)
    facts = cl.ContextFacts(
        gbv_type=gbv_type,
        survivor_age=data.survivor.age,
        relationships=tuple(p.relationship for p in data.perpetrators),
        goods_exchanged=data.goods_exchanged,
        abduction=data.abduction,
        harmful_traditional_practice=data.harmful_traditional_practice,
    )
    return {
        "gbv_type": gbv_type,
        "contexts": cl.contexts(facts),
        "elapsed_days": days,
        "elapsed_reporting_bucket": cl.bucket(days),
        "survivor_age": data.survivor.age,
    }


def _place_and_owner(*, actor: Actor, data: IncidentInput) -> tuple[OrgUnit, Organisation]:
    unit = org_unit_by_code(data.org_unit)
    policy.require(actor, Perm.CASE_MANAGE, message="Only case workers and case supervisors record incidents")
    if data.organisation:
        candidates = [organisation_by_code(data.organisation, active=False)]
    else:
        ids = policy.organisations_with(actor, Perm.CASE_MANAGE) or set()
        candidates = list(Organisation.objects.filter(pk__in=ids))
    allowed = [o for o in candidates if policy.can_in(actor, Perm.CASE_MANAGE, organisation=o, org_unit=unit)]
    if not allowed:
        raise PermissionDenied(
            "You may not record cases for this organisation at this place", field="org_unit"
        )
    if len(allowed) > 1:
        raise ValidationFailed(
            "you manage cases for several organisations here: name one in organisation", field="organisation"
        )
    return unit, allowed[0]


def _case_worker(*, username: str, organisation: Organisation, unit: OrgUnit, default: User) -> User:
    if not username:
        return default
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not policy.can_in(user, Perm.CASE_MANAGE, organisation=organisation, org_unit=unit):
        raise ValidationFailed(
            "case_worker is not a case worker of this organisation here", field="case_worker"
        )
    return user


def _survivor_values(data: IncidentInput) -> dict[str, object]:
    s = data.survivor
    return {
        "sex": s.sex,
        "age": s.age,
        "age_estimated": s.age_estimated,
        "marital_status": s.marital_status,
        "disability": s.disability,
        "displacement_status": s.displacement_status,
        "nationality": s.nationality,
        "identity": s.identity,
        "phone_index": phone_index(s.identity.get("phone", "")),
        "national_id_index": blind_index(s.identity.get("national_id", ""), purpose=NATIONAL_ID_PURPOSE),
    }


def _incident_values(data: IncidentInput) -> dict[str, object]:
    return {
        "incident_date": data.incident_date,
        "incident_time": data.incident_time,
        "report_date": data.report_date,
        "location_type": data.location_type,
        "time_of_day": data.time_of_day,
        **data.classification,
        "goods_exchanged": data.goods_exchanged,
        "abduction": data.abduction,
        "harmful_traditional_practice": data.harmful_traditional_practice,
        "reported_elsewhere": data.reported_elsewhere,
        "account": data.account,
        **_derive(data),
    }


def _perpetrators_replace(incident: Incident, data: IncidentInput) -> None:
    incident.perpetrators.all().delete()
    Perpetrator.objects.bulk_create(
        Perpetrator(
            incident=incident,
            relationship=p.relationship,
            sex=p.sex,
            age_group=p.age_group,
            occupation=p.occupation,
        )
        for p in data.perpetrators
    )


@transaction.atomic
def incident_create(*, actor: Actor, data: IncidentInput) -> Incident:
    actor = _person(actor)
    unit, org = _place_and_owner(actor=actor, data=data)
    worker = _case_worker(username=data.case_worker, organisation=org, unit=unit, default=actor)
    survivor = Survivor.objects.create(
        code=survivor_code_new(), organisation=org, org_unit=unit, created_by=actor, **_survivor_values(data)
    )
    incident = Incident.objects.create(
        survivor=survivor,
        organisation=org,
        org_unit=unit,
        case_worker=worker,
        created_by=actor,
        **_incident_values(data),
    )
    _perpetrators_replace(incident, data)
    for purpose, given in data.consent.items():
        Consent.objects.create(
            incident=incident,
            purpose=purpose,
            given=given,
            method=data.consent_method,
            recorded_by=actor,
            created_by=actor,
        )
    # Audit rows are readable by non-case roles (organisation administrators' audit log): they say what
    # kind of change happened, never a value of the case.
    _audit(actor, AuditAction.CREATE, incident, changes={"consent_recorded": sorted(data.consent)})
    return incident


def _snapshot(incident: Incident) -> dict[str, object]:
    values = {f: getattr(incident, f) for f in _incident_values_fields()}
    values["perpetrators"] = list(
        incident.perpetrators.values_list("relationship", "sex", "age_group", "occupation")
    )
    survivor = incident.survivor
    values.update({f"survivor.{k}": getattr(survivor, k) for k in _SURVIVOR_FIELDS})
    return values


_SURVIVOR_FIELDS = (
    "sex",
    "age",
    "age_estimated",
    "marital_status",
    "disability",
    "displacement_status",
    "nationality",
    "identity",
)


def _incident_values_fields() -> tuple[str, ...]:
    return (
        "incident_date",
        "report_date",
        "location_type",
        "time_of_day",
        *(q for q, _ in cl.QUESTIONS),
        "goods_exchanged",
        "abduction",
        "harmful_traditional_practice",
        "reported_elsewhere",
        "account",
    )


@transaction.atomic
def incident_update(*, actor: Actor, incident: Incident, data: IncidentInput, version: int) -> Incident:
    """Apply an edit made against `version`; a stale version (someone saved in between, or an offline
    edit made before) is a Conflict and nothing is written."""
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not edit this case")
    if incident.status == CaseStatus.CLOSED:
        raise Conflict("the case is closed", field="status")
    if data.org_unit != incident.org_unit.code:
        raise ValidationFailed("org_unit cannot be changed on an existing case", field="org_unit")
    before = _snapshot(incident)
    claimed = Incident.objects.filter(pk=incident.pk, version=version).update(version=F("version") + 1)
    if claimed != 1:
        current = Incident.objects.values_list("version", flat=True).get(pk=incident.pk)
        raise Conflict(
            f"the case was changed since version {version} (now version {current}): reload it and apply "
            "your changes again",
            field="version",
        )
    Incident.objects.filter(pk=incident.pk).update(**_incident_values(data))
    Survivor.objects.filter(pk=incident.survivor_id).update(**_survivor_values(data))
    incident.refresh_from_db()
    incident.survivor.refresh_from_db()
    _perpetrators_replace(incident, data)
    after = _snapshot(incident)
    questions = {q for q, _ in cl.QUESTIONS}
    changed = sorted(
        {"classification" if k in questions else k.split(".")[0] for k in after if after[k] != before[k]}
    )
    # Which fields changed, never their values (see incident_create).
    _audit(actor, AuditAction.UPDATE, incident, changes={"fields": changed, "version": incident.version})
    return incident


def consent_key(consent: Consent) -> str:
    """purpose, referral:<service>, or release:<service>:<recipient code> (release:<service> for an old,
    unbound release)."""
    if consent.purpose == ConsentPurpose.REFERRAL:
        return f"referral:{consent.service}"
    if consent.purpose != ConsentPurpose.RELEASE:
        return consent.purpose
    recipient = consent.recipient
    if recipient is None:
        return f"release:{consent.service}"
    return f"release:{consent.service}:{recipient.code}"


def consents_active(incident: Incident) -> dict[str, bool]:
    """purpose (or referral:<service>, release:<service>:<recipient>) -> the latest answer still standing."""
    out: dict[str, bool] = {}
    for c in incident.consents.select_related("recipient").order_by("recorded_at", "id"):
        out[consent_key(c)] = c.active
    return out


def release_consent_active(service: Service) -> bool:
    """Has the survivor agreed (and not withdrawn) that who they are may go to this service's provider?

    Only a release naming this recipient organisation and this service type counts: a release "to the
    police" given for one organisation never reaches another that later gets a police-type referral, and a
    release recorded before recipients were named reaches no one."""
    if service.provider_id is None:
        return False
    return _release_active(service.incident_id, service.type, service.provider_id)


def _release_active(incident_id: int, kind: str, recipient_id: int) -> bool:
    latest = (
        Consent.objects.filter(
            incident_id=incident_id, purpose=ConsentPurpose.RELEASE, service=kind, recipient_id=recipient_id
        )
        .order_by("-recorded_at", "-id")
        .first()
    )
    return latest is not None and latest.active


def referral_contact_methods(incident: Incident, kind: str) -> list[str]:
    """The contact methods the survivor's standing consent to referral to `kind` lists; [] when it lists
    none (a consent recorded before the question was asked) or there is no standing consent."""
    latest = (
        Consent.objects.filter(incident=incident, purpose=ConsentPurpose.REFERRAL, service=kind)
        .order_by("-recorded_at", "-id")
        .first()
    )
    if latest is None or not latest.active:
        return []
    return [str(m) for m in latest.contact_methods or []]


def _contact_methods_clean(purpose: str, methods: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for method in methods or []:
        if method not in ContactMethod.values:
            raise ValidationFailed(
                f"contact_methods must be among {', '.join(ContactMethod.values)}", field="contact_methods"
            )
        if method not in out:
            out.append(method)
    if out and purpose != ConsentPurpose.REFERRAL:
        raise ValidationFailed("only a consent to referral lists contact methods", field="contact_methods")
    return out


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    incident: Incident,
    purpose: str,
    given: bool,
    method: str,
    service: str = "",
    recipient: Organisation | None = None,
    contact_methods: Iterable[str] | None = None,
) -> Consent:
    """Record an answer. A referral consent names the kind of service (a referral of that kind to another
    organisation needs it) and may list the ways the survivor agrees to be contacted by that service
    (`contact_methods`, ContactMethod codes); a release of information names the service type and the
    recipient organisation: a new recipient needs a new consent."""
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not record consent on this case")
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(f"purpose must be one of {', '.join(ConsentPurpose.values)}", field="purpose")
    if method not in ConsentMethod.values:
        raise ValidationFailed(f"method must be one of {', '.join(ConsentMethod.values)}", field="method")
    if purpose == ConsentPurpose.RELEASE:
        if service not in ServiceType.values:
            raise ValidationFailed("release of information names a service", field="service")
        if recipient is None:
            raise ValidationFailed(
                "release of information names the recipient organisation", field="recipient"
            )
        if recipient.pk == incident.organisation_id:
            raise ValidationFailed(
                "the recipient is the case's own organisation: release is for another organisation",
                field="recipient",
            )
    elif purpose == ConsentPurpose.REFERRAL:
        if service not in ServiceType.values:
            raise ValidationFailed("consent to referral names the kind of service", field="service")
        if recipient is not None:
            raise ValidationFailed(
                "consent to referral is for a kind of service, not an organisation", field="recipient"
            )
    elif service:
        raise ValidationFailed(
            "only a release of information or a referral consent names a service", field="service"
        )
    elif recipient is not None:
        raise ValidationFailed("only a release of information names a recipient", field="recipient")
    methods = _contact_methods_clean(purpose, contact_methods)
    consent = Consent.objects.create(
        incident=incident,
        purpose=purpose,
        service=service,
        recipient=recipient,
        given=given,
        method=method,
        contact_methods=methods,
        recorded_by=actor,
        created_by=actor,
    )
    _audit(
        actor,
        AuditAction.UPDATE,
        incident,
        changes={
            "consent": purpose,
            "service": service,
            **({"recipient": recipient.code} if recipient else {}),
            **({"contact_methods": methods} if methods else {}),
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent) -> Consent:
    incident = consent.incident
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not change consent on this case")
    if consent.withdrawn_at is not None:
        raise Conflict("this consent was already withdrawn", field="consent")
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    _audit(
        actor,
        AuditAction.UPDATE,
        incident,
        changes={
            "consent_withdrawn": consent.purpose,
            "service": consent.service,
            **({"recipient": consent.recipient.code} if consent.recipient_id and consent.recipient else {}),
        },
    )
    _referrals_close_without_consent(actor=actor, consent=consent)
    return consent


def _date_or_none(value: date | str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD)", field=name) from None


@transaction.atomic
def service_record(
    *,
    actor: Actor,
    incident: Incident,
    type: str,
    status: str,
    provider: Organisation | None = None,
    provider_unit: ServiceProvider | None = None,
    urgency: str = "",
    contact_method: str = "",
    referred_on: date | str | None = None,
    provided_on: date | str | None = None,
    pep_given_on: date | str | None = None,
    ec_given_on: date | str | None = None,
    override_reason: str = "",
) -> Service:
    """A service provided here or a referral (status `referred`), to a provider from the directory
    (`provider_unit`, whose organisation becomes the provider) or to an organisation (`provider`, the older
    form). A referral needs the survivor's consent to services and, to another organisation, consent to
    referral to that kind of service (409 naming what is missing); without it only a case supervisor may
    refer, and must record why (e.g. a child's best interest). When the consent to referral lists contact
    methods, the referral's contact_method is one of them (`phone` only with a release to the provider),
    else 409. A referral to another organisation awaits the receiver's reply (reply_due_at, by urgency)
    and tells the receiving staff."""
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not add services to this case")
    if incident.status == CaseStatus.CLOSED:
        raise Conflict("the case is closed", field="status")
    if type not in ServiceType.values:
        raise ValidationFailed(f"type must be one of {', '.join(ServiceType.values)}", field="type")
    if status not in ServiceStatus.values:
        raise ValidationFailed(f"status must be one of {', '.join(ServiceStatus.values)}", field="status")
    urgency = urgency or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise ValidationFailed(f"urgency must be one of {', '.join(Urgency.values)}", field="urgency")
    contact_method = contact_method or ContactMethod.THROUGH_CASE_WORKER
    if contact_method not in ContactMethod.values:
        raise ValidationFailed(
            f"contact_method must be one of {', '.join(ContactMethod.values)}", field="contact_method"
        )
    dates = {
        "referred_on": _date_or_none(referred_on, "referred_on"),
        "provided_on": _date_or_none(provided_on, "provided_on"),
        "pep_given_on": _date_or_none(pep_given_on, "pep_given_on"),
        "ec_given_on": _date_or_none(ec_given_on, "ec_given_on"),
    }
    for name, value in dates.items():
        if value is not None and value < incident.incident_date:
            raise ValidationFailed(f"{name} is before the incident date", field=name)
        if value is not None and value > timezone.localdate():
            raise ValidationFailed(f"{name} cannot be in the future", field=name)
    if dates["provided_on"] and dates["referred_on"] and dates["provided_on"] < dates["referred_on"]:
        raise ValidationFailed("provided_on is before referred_on", field="provided_on")
    if type != ServiceType.HEALTH and (dates["pep_given_on"] or dates["ec_given_on"]):
        raise ValidationFailed("PEP and emergency contraception are health services", field="pep_given_on")
    referral = status == ServiceStatus.REFERRED
    if provider_unit is not None:
        if not referral:
            raise ValidationFailed("provider_unit names where a referral goes", field="provider_unit")
        if type not in provider_unit.services:
            raise ValidationFailed(f"{provider_unit.name} does not offer {type}", field="provider_unit")
        if provider is not None and provider.pk != provider_unit.organisation_id:
            raise ValidationFailed("provider is not the organisation of provider_unit", field="provider")
        provider = provider_unit.organisation
    if referral and provider is None:
        raise ValidationFailed(
            "a referral names the provider (provider_unit from the directory, or provider)", field="provider"
        )
    outward = referral and provider is not None and provider.pk != incident.organisation_id
    override_reason = (override_reason or "").strip()[:2000]
    overridden_by = None
    missing = referral_consent_missing(incident, type, outward=outward) if referral else ""
    if missing:
        if not override_reason:
            raise Conflict(
                f"{missing}; a case supervisor may refer with a reason (override_reason)", field="consent"
            )
        if not policy.can(actor, Perm.CASE_SUPERVISE, incident):
            raise PermissionDenied(
                "only a case supervisor may refer without consent", field="override_reason"
            )
        overridden_by = actor
    elif override_reason:
        raise ValidationFailed(
            "override_reason is only for a referral without consent", field="override_reason"
        )
    if outward and provider is not None:
        _contact_method_check(incident, type, provider, contact_method)
    pathway: dict[str, object] = {}
    if outward:
        pathway = {
            "provider_unit": provider_unit,
            "urgency": urgency,
            "contact_method": contact_method,
            "referral_status": ReferralStatus.PENDING,
            "reply_due_at": timezone.now() + timedelta(hours=reply_hours()[urgency]),
        }
    service = Service.objects.create(
        incident=incident,
        type=type,
        status=status,
        provider=provider,
        consent_override_reason=override_reason if overridden_by else "",
        consent_overridden_by=overridden_by,
        created_by=actor,
        **dates,
        **pathway,
    )
    if referral and service.referred_on is None:
        service.referred_on = timezone.localdate()
        service.save(update_fields=["referred_on"])
    _audit(
        actor,
        AuditAction.UPDATE,
        incident,
        changes={
            "service": type,
            "status": status,
            "provider": provider.code if provider else "",
            **(
                {"provider_unit": str(provider_unit.uuid), "urgency": urgency}
                if outward and provider_unit
                else {}
            ),
            "consent_override": bool(overridden_by),
        },
    )
    if outward:
        notify(
            referral_receivers(service),
            "referral.received",
            service,
            actor=actor,
            link=reverse("cases:referral-inbox"),
            context=_context(service),
            urgent=service.urgency in (Urgency.URGENT, Urgency.HIGH),  # SMS only for these
        )
    return service


@transaction.atomic
def service_update(
    *,
    actor: Actor,
    service: Service,
    status: str,
    provided_on: date | str | None = None,
    pep_given_on: date | str | None = None,
    ec_given_on: date | str | None = None,
) -> Service:
    """The case's own workers, or the receiving organisation's case roles for a referral, update a service."""
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, service, message="You may not update this service")
    if status not in ServiceStatus.values:
        raise ValidationFailed(f"status must be one of {', '.join(ServiceStatus.values)}", field="status")
    incident = service.incident
    for name, raw in (
        ("provided_on", provided_on),
        ("pep_given_on", pep_given_on),
        ("ec_given_on", ec_given_on),
    ):
        value = _date_or_none(raw, name)
        if value is not None:
            if value < incident.incident_date:
                raise ValidationFailed(f"{name} is before the incident date", field=name)
            if value > timezone.localdate():
                raise ValidationFailed(f"{name} cannot be in the future", field=name)
            if name == "provided_on" and service.referred_on and value < service.referred_on:
                raise ValidationFailed(
                    f"provided_on is before referred_on ({service.referred_on.isoformat()})", field=name
                )
            if name != "provided_on" and service.type != ServiceType.HEALTH:
                raise ValidationFailed("PEP and emergency contraception are health services", field=name)
            setattr(service, name, value)
    if status == ServiceStatus.PROVIDED and service.provided_on is None:
        service.provided_on = timezone.localdate()
    service.status = status
    service.save()
    _audit(actor, AuditAction.UPDATE, incident, changes={"service": service.type, "status": status})
    return service


@transaction.atomic
def note_add(
    *, actor: Actor, incident: Incident, kind: str, text: str, due_on: date | str | None = None
) -> CaseNote:
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not add notes to this case")
    if kind not in NoteKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(NoteKind.values)}", field="kind")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("text is required", field="text")
    if len(text) > 10_000:
        raise ValidationFailed("text is longer than 10000 characters", field="text")
    note = CaseNote.objects.create(
        incident=incident, kind=kind, text=text, due_on=_date_or_none(due_on, "due_on"), created_by=actor
    )
    _audit(actor, AuditAction.UPDATE, incident, changes={"note": kind})
    return note


@transaction.atomic
def incident_closure_request(*, actor: Actor, incident: Incident, reason: str) -> Incident:
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not close this case")
    if incident.status != CaseStatus.OPEN:
        raise Conflict(f"the case is {incident.status}, not open", field="status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason is required", field="reason")
    if len(reason) > 200:
        raise ValidationFailed("reason is longer than 200 characters", field="reason")
    # A new request answers a closure sent back: it leaves the worker's "returned" list.
    Incident.objects.filter(pk=incident.pk).update(
        status=CaseStatus.CLOSURE_REQUESTED,
        closure_reason=reason,
        closure_requested_by=actor,
        closure_returned_at=None,
        version=F("version") + 1,
    )
    incident.refresh_from_db()
    _audit(actor, AuditAction.UPDATE, incident, changes={"status": "closure_requested"})
    notices.closure_notify(actor=actor, incident=incident, event=notices.CLOSURE_REQUESTED)
    return incident


@transaction.atomic
def incident_closure_decide(*, actor: Actor, incident: Incident, approve: bool) -> Incident:
    """A case supervisor approves (closed) or sends back (open, stamped `closure_returned_at` so the
    worker's list shows it until they ask again) a closure request; the worker is told either way."""
    actor = _person(actor)
    policy.require(
        actor, Perm.CASE_SUPERVISE, incident, message="Only a case supervisor may approve a closure"
    )
    if incident.status != CaseStatus.CLOSURE_REQUESTED:
        raise Conflict("no closure was requested for this case", field="status")
    if approve:
        Incident.objects.filter(pk=incident.pk).update(
            status=CaseStatus.CLOSED, closed_at=timezone.now(), closed_by=actor, version=F("version") + 1
        )
    else:
        Incident.objects.filter(pk=incident.pk).update(
            status=CaseStatus.OPEN, closure_returned_at=timezone.now(), version=F("version") + 1
        )
    incident.refresh_from_db()
    _audit(actor, AuditAction.UPDATE, incident, changes={"status": incident.status})
    if approve:
        # A closed case keeps no referral open at another organisation (they are told, without detail).
        referrals_close(actor=actor, incident=incident)
    notices.closure_notify(
        actor=actor,
        incident=incident,
        event=notices.CLOSURE_APPROVED if approve else notices.CLOSURE_RETURNED,
    )
    return incident


# ---------------------------------------------------------------------------------------------------------
# The referral pathway: consent to referral, the receivers, their answers, escalation

REPLY_HOURS = {Urgency.URGENT: 24, Urgency.HIGH: 72, Urgency.NORMAL: 7 * 24}


def reply_hours() -> dict[str, int]:
    """Hours the receiver has to answer a referral, by urgency (CASES_REFERRAL_REPLY_HOURS overrides)."""
    configured = getattr(settings, "CASES_REFERRAL_REPLY_HOURS", None) or {}
    return {str(k): int(configured.get(str(k), v)) for k, v in REPLY_HOURS.items()}


def referral_consent_active(incident: Incident, kind: str) -> bool:
    """Has the survivor agreed (and not withdrawn) to be referred to this kind of service?"""
    return bool(consents_active(incident).get(f"referral:{kind}"))


def referral_consent_missing(incident: Incident, kind: str, *, outward: bool) -> str:
    """What consent a referral of `kind` lacks ("" when none): services, and for another organisation
    referral to that kind of service. The message names the consent, never anything of the survivor."""
    active = consents_active(incident)
    missing = []
    if not active.get(ConsentPurpose.SERVICES):
        missing.append("the survivor has not consented to services and referral (consent 'services')")
    if outward and not active.get(f"referral:{kind}"):
        label = str(ServiceType(kind).label)
        missing.append(
            f"the survivor has not consented to referral to {label} (consent 'referral' for service '{kind}')"
        )
    return "; ".join(missing)


def _contact_method_check(incident: Incident, kind: str, provider: Organisation, contact_method: str) -> None:
    """When the survivor's consent to referral lists contact methods, the referral uses one of them, and
    `phone` only with a standing release to this provider (else the receiver has no number). A consent
    listing none (recorded before the question was asked) leaves the choice to the worker."""
    agreed = referral_contact_methods(incident, kind)
    if not agreed:
        return
    if contact_method not in agreed:
        raise Conflict(
            f"contact_method '{contact_method}' is not one the survivor consented to for referral to "
            f"{ServiceType(kind).label} (consented: {', '.join(agreed)})",
            field="contact_method",
        )
    if contact_method == ContactMethod.PHONE and not _release_active(incident.pk, kind, provider.pk):
        raise Conflict(
            f"contact_method 'phone' needs the survivor's release of information to {provider.name} for "
            f"{ServiceType(kind).label} (consent 'release' for service '{kind}' and recipient "
            f"'{provider.code}'): without it the receiver has no number",
            field="contact_method",
        )


def _holders(perm: Perm, organisation_id: int, path: str) -> list[User]:
    """The active users holding `perm` in this organisation over a subtree that covers `path`."""
    roles = [role.value for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    rows = RoleAssignment.objects.filter(
        organisation_id=organisation_id,
        organisation__is_active=True,
        role__in=roles,
        user__is_active=True,
    ).select_related("user", "org_unit")
    users = {ra.user.pk: ra.user for ra in rows if ra.org_unit is None or path.startswith(ra.org_unit.path)}
    return [users[k] for k in sorted(users)]


def _receiving_path(service: Service) -> str:
    unit = service.provider_unit
    if unit is not None and unit.org_unit is not None:
        return unit.org_unit.path
    return service.incident.org_unit.path


def referral_receivers(service: Service) -> list[User]:
    """Who answers a referral: the provider organisation's referral.respond holders whose place covers the
    provider's place (the case's place when the provider has none), as the policy rule in access.py."""
    assert service.provider_id is not None  # only referrals to another organisation are answered
    return _holders(Perm.REFERRAL_RESPOND, service.provider_id, _receiving_path(service))


def referral_sender(service: Service) -> list[User]:
    """Who is told of each step of a referral: who made it and the case worker (else who recorded the
    case), each once."""
    incident = service.incident
    people: dict[int, User] = {}
    for user in (service.created_by, incident.case_worker or incident.created_by):
        if user is not None:
            people.setdefault(user.pk, user)
    return list(people.values())


def case_supervisors(incident: Incident) -> list[User]:
    return _holders(Perm.CASE_SUPERVISE, incident.organisation_id, incident.org_unit.path)


def _context(service: Service) -> dict[str, str]:
    """What a referral notification may say: the survivor code, the service, the urgency and the
    organisations, never a name, a phone or an account."""
    return {
        "code": service.incident.survivor.code,
        "service": str(ServiceType(service.type).label),
        "urgency": str(Urgency(service.urgency).label),
        "provider": service.provider.name if service.provider else "",
        "referrer": service.incident.organisation.name,
    }


def _case_link(service: Service) -> str:
    return reverse("cases:detail", kwargs={"ident": service.incident.uuid})


OPEN_REFERRAL = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)
ANSWERS = {
    "accept": (ReferralStatus.ACCEPTED, (ReferralStatus.PENDING,)),
    "decline": (ReferralStatus.DECLINED, OPEN_REFERRAL),
    "complete": (ReferralStatus.COMPLETED, OPEN_REFERRAL),
}


@transaction.atomic
def referral_respond(*, actor: Actor, service: Service, action: str, note: str = "") -> Service:
    """The receiver accepts, declines (with a reason) or completes (with an outcome) a referral; the
    referring worker is told. The first answer stamps responded_at (the timeliness of the reply)."""
    actor = _person(actor)
    policy.require(actor, Perm.REFERRAL_RESPOND, service, message="You may not answer this referral")
    if action not in ANSWERS:
        raise ValidationFailed(f"action must be one of {', '.join(ANSWERS)}", field="action")
    note = (note or "").strip()
    if action == "decline" and not note:
        raise ValidationFailed("a reason is required to decline", field="reason")
    if action == "complete" and not note:
        raise ValidationFailed("the outcome is required to complete", field="outcome")
    if len(note) > 2000:
        raise ValidationFailed(
            "longer than 2000 characters", field="reason" if action == "decline" else "outcome"
        )
    new, allowed_from = ANSWERS[action]
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if locked.referral_status not in allowed_from:
        raise Conflict(
            f"the referral is {locked.referral_status or 'not open'}: it cannot be {new}", field="action"
        )
    now = timezone.now()
    service.referral_status = new
    service.responded_at = locked.responded_at or now
    service.responded_by = actor
    if note:
        service.response_note = note
    if new == ReferralStatus.COMPLETED:
        service.status = ServiceStatus.PROVIDED
        service.provided_on = service.provided_on or timezone.localdate()
    service.save()
    _audit(
        actor,
        AuditAction.UPDATE,
        service.incident,
        changes={"referral": service.type, "referral_status": new},
    )
    notify(
        referral_sender(service),
        f"referral.{new}",
        service,
        actor=actor,
        link=_case_link(service),
        context=_context(service),
    )
    return service


def _referrals_close_without_consent(*, actor: User, consent: Consent) -> int:
    """After a withdrawal: the open referrals the survivor no longer consents to are closed, and their
    receivers told only that ("Referral <code> was closed")."""
    incident = consent.incident
    if consent.purpose == ConsentPurpose.SERVICES:
        if consents_active(incident).get(ConsentPurpose.SERVICES):
            return 0
        kinds: Iterable[str] | None = None
    elif consent.purpose == ConsentPurpose.REFERRAL:
        if referral_consent_active(incident, consent.service):
            return 0
        kinds = [consent.service]
    else:
        return 0
    return referrals_close(actor=actor, incident=incident, kinds=kinds)


@transaction.atomic
def referrals_close(*, actor: Actor, incident: Incident, kinds: Iterable[str] | None = None) -> int:
    """Close the case's open referrals (of these kinds; all by default): consent withdrawn, or the case
    closed. The receiving staff are told only "Referral <code> was closed". Returns how many."""
    actor = _person(actor)
    policy.require(actor, Perm.CASE_MANAGE, incident, message="You may not close this case's referrals")
    open_referrals = incident.services.filter(referral_status__in=OPEN_REFERRAL)
    if kinds is not None:
        open_referrals = open_referrals.filter(type__in=list(kinds))
    closed = 0
    for service in open_referrals.select_related("provider_unit__org_unit"):
        service.referral_status = ReferralStatus.CLOSED
        service.save(update_fields=["referral_status", "updated_at"])
        notify(
            referral_receivers(service),
            "referral.closed",
            service,
            actor=actor,
            link=reverse("cases:referral-inbox"),
            context={"code": incident.survivor.code},
        )
        closed += 1
    if closed:
        _audit(actor, AuditAction.UPDATE, incident, changes={"referrals_closed": closed})
    return closed


def referrals_escalate(*, actor: Actor = policy.SYSTEM, now: datetime | None = None) -> int:
    """Tell the case's supervisors, once, about each referral still awaiting a reply past its due time;
    stamps escalated_at. Idempotent (a referral is claimed by one run only). Returns how many."""
    policy.check_actor(actor)
    now = now or timezone.now()
    due = Service.objects.filter(
        referral_status=ReferralStatus.PENDING, reply_due_at__lt=now, escalated_at__isnull=True
    ).select_related("incident__survivor", "incident__org_unit", "incident__organisation", "provider")
    done = 0
    for service in due:
        with transaction.atomic():
            if not Service.objects.filter(pk=service.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue  # pragma: no cover - another run claimed it between the query and the update
            notify(
                case_supervisors(service.incident),
                "referral.overdue",
                service,
                actor=actor,
                link=_case_link(service),
                context=_context(service),
            )
            _audit(actor, AuditAction.UPDATE, service.incident, changes={"referral_overdue": service.type})
            done += 1
    return done


def windows() -> dict[str, int]:
    """Hours after the incident within which PEP and emergency contraception are due (configurable)."""
    return {
        "pep_hours": int(getattr(settings, "CASES_PEP_WINDOW_HOURS", 72)),
        "ec_hours": int(getattr(settings, "CASES_EC_WINDOW_HOURS", 120)),
    }
