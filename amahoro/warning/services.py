"""Every write of the early-warning module: a signal comes in (`signal_create`, the one door every source uses),
moves through triage and response (`signal_transition`) and escalates when its deadline passes
(`signals_escalate`). Each write audits in the same transaction; audit rows and notifications carry the
signal's type, place and urgency, never its description or its reporter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import routing
from .models import Signal, SignalStatus, SignalType, Source, Transition, Urgency
from .selectors import case_intake_allowed

# Places a signal may name: a sector, a cell or a village (a district is too wide for anyone to act on).
# A statistical alarm is computed per province, district or sector (Detector.level), so detectors may also
# name a province or a district.
PLACE_LEVELS = frozenset({"sector", "cell", "village"})
DETECTOR_PLACE_LEVELS = PLACE_LEVELS | {"district", "province"}
MAX_DESCRIPTION = 2000
MAX_REPORTER_NAME = 200
MAX_REPORTER_PHONE = 30
MAX_SOURCE_REF = 200


def _max_age_days() -> int:
    return int(getattr(settings, "EWER_MAX_AGE_DAYS", 365))


def _audit(
    actor: Actor, action: AuditAction, signal: Signal, *, changes: Mapping[str, object], message: str
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="warning.signal",
        object_id=str(signal.uuid),
        object_repr=str(signal),
        organisation_id=signal.assigned_to_id,
        org_unit_path=signal.org_unit.path,
        sensitive=True,
        changes=dict(changes),
        message=message,
    )


# --- Validation ------------------------------------------------------------------------------------------


def _signal_type(value: SignalType | str) -> SignalType:
    if isinstance(value, SignalType):
        kind: SignalType | None = value
    else:
        code = str(value or "").strip()
        if not code:
            raise ValidationFailed("the signal type is required", field="type")
        kind = SignalType.objects.filter(code=code[:50]).first()
    if kind is None or not kind.is_active:
        raise ValidationFailed(f"unknown signal type '{value}'", field="type")
    return kind


def _place(value: OrgUnit | str, source: str) -> OrgUnit:
    if isinstance(value, OrgUnit):
        unit: OrgUnit | None = value
    else:
        code = str(value or "").strip()
        if not code:
            raise ValidationFailed("the place (org_unit) is required", field="org_unit")
        unit = OrgUnit.objects.select_related("level").filter(code=code[:50]).first()
    if unit is None:
        raise ValidationFailed(f"unknown place '{value}'", field="org_unit")
    allowed = DETECTOR_PLACE_LEVELS if source == Source.DETECTOR else PLACE_LEVELS
    if unit.level.code not in allowed:
        raise ValidationFailed(
            f"the place must be a {', '.join(sorted(allowed))}, not a {unit.level.code}", field="org_unit"
        )
    if unit.closed_on is not None and unit.closed_on <= timezone.localdate():
        raise ValidationFailed(f"the place '{unit.code}' is closed", field="org_unit")
    return unit


def _occurred_on(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationFailed(
                f"occurred_on must be a date (YYYY-MM-DD), not '{str(value)[:20]}'", field="occurred_on"
            ) from None
    today = timezone.localdate()
    if day > today:
        raise ValidationFailed("occurred_on is in the future", field="occurred_on")
    if day < today - dt.timedelta(days=_max_age_days()):
        raise ValidationFailed(
            f"occurred_on is more than {_max_age_days()} days ago: report it as a case, not a signal",
            field="occurred_on",
        )
    return day


def _urgency(value: str, kind: SignalType) -> str:
    value = (value or "").strip().lower()
    if not value:
        return kind.default_urgency
    if value not in Urgency.values:
        raise ValidationFailed(
            f"urgency must be one of {', '.join(Urgency.values)}, not '{value[:20]}'", field="urgency"
        )
    return value


def _reporter(value: Mapping[str, str] | None) -> dict[str, str]:
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed("reporter must be an object {name, phone}", field="reporter")
    unknown = sorted(set(value) - {"name", "phone"})
    if unknown:
        raise ValidationFailed(f"reporter has unknown field '{unknown[0]}'", field=f"reporter.{unknown[0]}")
    out: dict[str, str] = {}
    for key, limit in (("name", MAX_REPORTER_NAME), ("phone", MAX_REPORTER_PHONE)):
        raw = value.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise ValidationFailed(f"reporter {key} must be text", field=f"reporter.{key}")
        text = raw.strip()
        if len(text) > limit:
            raise ValidationFailed(
                f"reporter {key} is longer than {limit} characters", field=f"reporter.{key}"
            )
        if key == "phone" and text and sum(c.isdigit() for c in text) < 6:
            raise ValidationFailed("reporter phone has too few digits", field="reporter.phone")
        if text:
            out[key] = text
    return out


# --- Creation --------------------------------------------------------------------------------------------


def _deadline_hours(urgency: str, rule: Any) -> int:
    if rule is not None:
        return int(getattr(rule, f"hours_{urgency}"))
    defaults = getattr(settings, "EWER_DEADLINE_HOURS", {}) or {}
    fallback = {Urgency.IMMEDIATE: 4, Urgency.HIGH: 24, Urgency.ROUTINE: 72}
    return int(defaults.get(urgency, fallback[Urgency(urgency)]))


def _check_creator(actor: Actor, unit: OrgUnit) -> None:
    """The public page, SMS and detectors create as policy.SYSTEM; a person creating through the API must be
    in the early-warning network over that place."""
    policy.check_actor(actor)
    if policy.is_system(actor):
        return
    if not any(policy.can_in(actor, perm, org_unit=unit) for perm in (Perm.SIGNAL_VIEW, Perm.SIGNAL_TRIAGE)):
        raise ValidationFailed(f"you cannot report signals for '{unit.code}'", field="org_unit")


def signal_create(
    *,
    actor: Actor,
    type: SignalType | str,
    org_unit: OrgUnit | str,
    occurred_on: dt.date | str,
    urgency: str = "",
    description: str = "",
    reporter: Mapping[str, str] | None = None,
    source: str = Source.API,
    source_ref: str = "",
) -> tuple[Signal, bool]:
    """Validate (ValidationFailed naming the field), store once per (source, source_ref) -> (signal, created),
    route (assigned_to, due_at), audit, notify the place's focal points. actor: a user (API) or policy.SYSTEM
    (public page, SMS, detectors)."""
    if source not in Source.values:
        raise ValidationFailed(f"unknown source '{source}'", field="source")
    source_ref = (source_ref or "").strip()
    if len(source_ref) > MAX_SOURCE_REF:
        raise ValidationFailed(f"source_ref is longer than {MAX_SOURCE_REF} characters", field="source_ref")
    if source_ref:
        existing = Signal.objects.filter(source=source, source_ref=source_ref).first()
        if existing is not None:
            return existing, False
    kind = _signal_type(type)
    unit = _place(org_unit, source)
    day = _occurred_on(occurred_on)
    level = _urgency(urgency, kind)
    if not isinstance(description, str):
        raise ValidationFailed("description must be text", field="description")
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"description is longer than {MAX_DESCRIPTION} characters", field="description"
        )
    contact = _reporter(reporter)
    _check_creator(actor, unit)
    try:
        with transaction.atomic():
            signal = _store(
                actor=actor,
                kind=kind,
                unit=unit,
                day=day,
                urgency=level,
                description=description,
                reporter=contact,
                source=source,
                source_ref=source_ref,
            )
    except IntegrityError:
        # Two deliveries of the same message at once: the other one stored it.
        if not source_ref:
            raise
        return Signal.objects.get(source=source, source_ref=source_ref), False
    return signal, True


def _store(
    *,
    actor: Actor,
    kind: SignalType,
    unit: OrgUnit,
    day: dt.date,
    urgency: str,
    description: str,
    reporter: dict[str, str],
    source: str,
    source_ref: str,
) -> Signal:
    rule = routing.rule_for(kind, unit)
    now = timezone.now()
    signal = Signal.objects.create(  # type: ignore[misc]  # reporter: the encrypted JSON field is typed as text
        type=kind,
        org_unit=unit,
        occurred_on=day,
        urgency=urgency,
        description=description,
        reporter=reporter,
        source=source,
        source_ref=source_ref,
        status=SignalStatus.NEW,
        assigned_to=rule.responder if rule is not None else None,
        due_at=now + dt.timedelta(hours=_deadline_hours(urgency, rule)),
        created_by=actor if isinstance(actor, User) else None,
    )
    _audit(
        actor,
        AuditAction.CREATE,
        signal,
        changes={
            "type": kind.code,
            "org_unit": unit.code,
            "urgency": urgency,
            "source": source,
            "assigned_to": rule.responder.code if rule is not None else None,
            "due_at": signal.due_at.isoformat() if signal.due_at else None,
        },
        message=f"signal {kind.code} at {unit.code} ({urgency}) from {source}",
    )
    from . import events

    events.signal_new(signal, actor=actor)
    return signal


# --- Transitions -----------------------------------------------------------------------------------------

# (from, to) -> the permission it takes. new -> assigned is allowed: a focal point who knows the signal is
# true verifies and assigns in one step (verified_at is set too).
MOVES: dict[tuple[str, str], Perm] = {
    (SignalStatus.NEW, SignalStatus.VERIFIED): Perm.SIGNAL_TRIAGE,
    (SignalStatus.NEW, SignalStatus.DISCARDED): Perm.SIGNAL_TRIAGE,
    (SignalStatus.NEW, SignalStatus.ASSIGNED): Perm.SIGNAL_TRIAGE,
    (SignalStatus.VERIFIED, SignalStatus.DISCARDED): Perm.SIGNAL_TRIAGE,
    (SignalStatus.VERIFIED, SignalStatus.ASSIGNED): Perm.SIGNAL_TRIAGE,
    (SignalStatus.ASSIGNED, SignalStatus.RESPONDING): Perm.SIGNAL_RESPOND,
    (SignalStatus.RESPONDING, SignalStatus.RESOLVED): Perm.SIGNAL_RESPOND,
}
MAX_NOTE = 2000


def allowed_moves(*, user: Actor, signal: Signal) -> list[str]:
    """The statuses this user may move this signal to now (the buttons a page shows)."""
    return [to for (frm, to), perm in MOVES.items() if frm == signal.status and _may(user, perm, signal)]


def _may(user: Actor, perm: Perm, signal: Signal) -> bool:
    if policy.is_system(user):
        return False
    return policy.can(user, perm, signal)


def _responder(assign_to: Organisation | str | None, signal: Signal) -> tuple[Organisation, Any]:
    """The named organisation (with the routing rule's deadline when it is the rule's), else the rule's."""
    rule = routing.rule_for(signal.type, signal.org_unit)
    if assign_to is None or assign_to == "":
        if rule is None:
            raise ValidationFailed(
                "no routing rule covers this signal: name the responder organisation", field="assign_to"
            )
        return rule.responder, rule
    if isinstance(assign_to, Organisation):
        org: Organisation | None = assign_to
    else:
        org = Organisation.objects.filter(code=str(assign_to)[:50]).first()
    if org is None or not org.is_active:
        raise ValidationFailed(f"unknown organisation '{assign_to}'", field="assign_to")
    return org, (rule if rule is not None and rule.responder_id == org.pk else None)


@transaction.atomic
def signal_transition(
    *,
    actor: Actor,
    signal: Signal,
    to: str,
    note: str = "",
    assign_to: Organisation | str | None = None,
) -> Signal:
    """Move a signal along new -> verified|discarded -> assigned -> responding -> resolved (see MOVES);
    anything else is a 409 naming both statuses. Records a Transition (who, when, encrypted note) and an
    audit row; an assignment notifies the responder organisation."""
    policy.check_actor(actor)
    if not isinstance(actor, User):
        raise PermissionDenied("signals are triaged by signed-in people only", code="permission_denied")
    signal = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("type", "org_unit", "assigned_to")
        .get(pk=signal.pk)
    )
    to = (to or "").strip()
    if to not in SignalStatus.values:
        raise ValidationFailed(f"unknown status '{to[:20]}'", field="to")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise ValidationFailed(f"note is longer than {MAX_NOTE} characters", field="note")
    frm = signal.status
    perm = MOVES.get((frm, to))
    if perm is None:
        raise Conflict(f"a signal cannot go from {frm} to {to}", code="invalid_transition")
    if not _may(actor, perm, signal):
        if policy.can(actor, Perm.SIGNAL_VIEW, signal):
            raise PermissionDenied(
                f"you may not move this signal from {frm} to {to}", code="permission_denied"
            )
        raise NotFound("signal not found")
    if assign_to and to != SignalStatus.ASSIGNED:
        raise ValidationFailed("assign_to goes only with to=assigned", field="assign_to")
    now = timezone.now()
    changes: dict[str, object] = {"status": [frm, to]}
    if to == SignalStatus.VERIFIED or (to == SignalStatus.ASSIGNED and signal.verified_at is None):
        signal.verified_at = now
    if to == SignalStatus.ASSIGNED:
        org, rule = _responder(assign_to, signal)
        signal.assigned_to = org
        signal.due_at = now + dt.timedelta(hours=_deadline_hours(signal.urgency, rule))
        # A new deadline starts a new escalation count.
        signal.escalation_level = 0
        signal.escalated_at = None
        changes.update(assigned_to=org.code, due_at=signal.due_at.isoformat())
    elif to == SignalStatus.RESPONDING:
        signal.responded_at = now
    elif to == SignalStatus.RESOLVED:
        signal.resolved_at = now
    signal.status = to
    signal.save()
    Transition.objects.create(signal=signal, from_status=frm, to_status=to, note=note.strip(), by=actor)
    _audit(actor, AuditAction.UPDATE, signal, changes=changes, message=f"signal {frm} -> {to}")
    if to == SignalStatus.ASSIGNED:
        from . import events

        events.signal_assigned(signal, actor=actor)
    return signal


# --- Escalation ------------------------------------------------------------------------------------------

# escalation_level -> the place's ancestor depth whose focal points it reaches (1 district, 2 province,
# 3 the country): the path /RW/<province>/<district>/... has the country at index 0.
ESCALATION_DEPTH = {1: 2, 2: 1, 3: 0}
OPEN_STATUSES = (SignalStatus.NEW, SignalStatus.VERIFIED, SignalStatus.ASSIGNED)


def _period(signal: Signal) -> dt.timedelta:
    """The deadline period of the signal: its routing rule's hours when the rule names its responder, else
    the installation's defaults."""
    rule = routing.rule_for(signal.type, signal.org_unit)
    if rule is not None and signal.assigned_to_id not in (None, rule.responder_id):
        rule = None
    return dt.timedelta(hours=_deadline_hours(signal.urgency, rule))


def _escalation_target(signal: Signal, level: int) -> tuple[list[User], str]:
    from . import events

    # Root first, the place itself included: a district's or province's own signal (a statistical alarm)
    # goes to that place's focal points first.
    paths = ancestor_paths(signal.org_unit.path)
    path = paths[min(ESCALATION_DEPTH[level], len(paths) - 1)]
    recipients = events.focal_points(path, exact=True) or events.focal_points(path)
    unit = OrgUnit.objects.filter(path=path).first()
    return recipients, unit.display_name if unit is not None else path


def signals_escalate(now: dt.datetime | None = None, *, actor: Actor = policy.SYSTEM) -> int:
    """Each open signal (new, verified, assigned) past its deadline goes one level up: the focal points of
    the place's district, then its province, then the country are told, once per deadline period (the next
    level only after another full period). Stops at the national level. Returns how many escalated."""
    policy.check_actor(actor)
    now = now or timezone.now()
    candidates = (
        Signal.objects.filter(
            status__in=OPEN_STATUSES, due_at__lt=now, escalation_level__lt=len(ESCALATION_DEPTH)
        )
        .select_related("type", "org_unit", "assigned_to")
        .order_by("due_at", "pk")
    )
    done = 0
    for candidate in candidates:
        period = _period(candidate)
        if candidate.escalated_at is not None and candidate.escalated_at + period >= now:
            continue
        with transaction.atomic():
            # Claimed by one run only: the row must still be at the level this run read.
            claimed = Signal.objects.filter(
                pk=candidate.pk, escalation_level=candidate.escalation_level, status__in=OPEN_STATUSES
            ).update(escalation_level=candidate.escalation_level + 1, escalated_at=now)
            if not claimed:  # pragma: no cover - another run took it between the query and the update
                continue
            candidate.escalation_level += 1
            candidate.escalated_at = now
            recipients, place = _escalation_target(candidate, candidate.escalation_level)
            from . import events

            events.signal_overdue(candidate, recipients, actor=actor, level_place=place)
            _audit(
                actor,
                AuditAction.UPDATE,
                candidate,
                changes={"escalation_level": candidate.escalation_level, "status": candidate.status},
                message=f"signal overdue: escalated to level {candidate.escalation_level}",
            )
            done += 1
    return done


# --- Reference data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalTypeRow:
    code: str
    name: str
    name_fr: str
    name_rw: str
    keywords: tuple[str, ...]
    default_urgency: str
    is_gbv: bool = False


@transaction.atomic
def signal_types_load(*, actor: Actor, rows: Iterable[SignalTypeRow]) -> tuple[int, int]:
    """Create or refresh signal types by code (names, keywords, urgency, GBV flag); idempotent: a second
    load changes nothing. A deactivated type stays deactivated. Returns (created, updated)."""
    policy.check_actor(actor)
    created = updated = 0
    for row in rows:
        values = {
            "name": row.name,
            "name_fr": row.name_fr,
            "name_rw": row.name_rw,
            "keywords": [k.upper() for k in row.keywords],
            "default_urgency": row.default_urgency,
            "is_gbv": row.is_gbv,
        }
        kind = SignalType.objects.filter(code=row.code).first()
        if kind is None:
            kind = SignalType.objects.create(code=row.code, **values)
            created += 1
        elif any(getattr(kind, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(kind, k, v)
            kind.save()
            updated += 1
        else:
            continue
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if kind.created_at == kind.updated_at else AuditAction.UPDATE,
            obj=kind,
            changes={"code": row.code},
            message=f"signal type {row.code} loaded",
        )
    return created, updated


# --- The link to a GBV case --------------------------------------------------------------------------------
# A GBV signal may open a GBV case, only through a case worker: one who may record cases (case.manage) for
# the organisation the signal is assigned to, at the signal's place. The case itself (intake, the survivor's
# consent) is written by the case module; the signal keeps only the case's id (`case_uuid`). The glue that
# calls both lives above them (amahoro/worklist/signal_cases.py).

CASE_OPENED_NOTE = "case opened"


def signal_case_check(*, actor: Actor, signal: Signal) -> None:
    """Refuse opening a case from this signal: PermissionDenied (403) without case intake for its
    organisation and place; Conflict (409) when it is not a GBV signal or already has its case."""
    policy.check_actor(actor)
    if not case_intake_allowed(actor, signal):
        raise PermissionDenied(
            "only a case worker of the organisation the signal is assigned to, over its place, may open a case "
            "from it",
            code="permission_denied",
        )
    if not signal.type.is_gbv:
        raise Conflict(
            f"only a GBV signal can open a GBV case; this signal is of type '{signal.type.code}'",
            code="not_gbv",
        )
    if signal.case_uuid is not None:
        raise Conflict("a case has already been opened from this signal", code="case_already_opened")


@transaction.atomic
def signal_case_link(*, actor: Actor, signal: Signal, case_uuid: Any) -> Signal:
    """Record that a case was opened from this signal: the case's id only, a "case opened" entry in the
    signal's history (a Transition that keeps the status) and an audit row. Re-checks under a row lock, so
    two case workers cannot link two cases."""
    signal = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("type", "org_unit", "assigned_to")
        .get(pk=signal.pk)
    )
    signal_case_check(actor=actor, signal=signal)
    signal.case_uuid = case_uuid
    signal.save(update_fields=["case_uuid", "updated_at"])
    Transition.objects.create(
        signal=signal,
        from_status=signal.status,
        to_status=signal.status,
        note=CASE_OPENED_NOTE,
        by=actor if isinstance(actor, User) else None,
    )
    _audit(
        actor,
        AuditAction.UPDATE,
        signal,
        changes={"case_opened": True, "case": str(case_uuid)},
        message="signal: GBV case opened",
    )
    return signal
