"""PEP and emergency-contraception deadlines that tell someone (registered in CasesConfig.ready; run by
`amahoro notify_deadlines`, every 15 minutes from Celery beat, or cron): when a rape case's countdown enters
its last CLOSING_HOURS (12 h) with no dose recorded, its worker is told (`case.pep_closing` /
`case.ec_closing`); once the window has passed with no dose recorded, the case's supervisors are told
(`case.pep_passed` / `case.ec_passed`; not for a case recorded after its window had already closed). Each goes out once per case, kind and stage (DeadlineNotice). The
text names the case by survivor code only, with the time left or the deadline (Kigali time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.notifications import events
from amahoro.notifications.services import notify
from amahoro.policy import Actor

from . import deadlines
from .models import CaseStatus, DeadlineNotice, Incident, Service, ServiceType
from .notices import case_link, case_supervisors
from .services import windows

PEP_CLOSING = "case.pep_closing"
EC_CLOSING = "case.ec_closing"
PEP_PASSED = "case.pep_passed"
EC_PASSED = "case.ec_passed"
EVENTS: dict[tuple[str, str], str] = {
    (deadlines.PEP, DeadlineNotice.Stage.CLOSING): PEP_CLOSING,
    (deadlines.EC, DeadlineNotice.Stage.CLOSING): EC_CLOSING,
    (deadlines.PEP, DeadlineNotice.Stage.PASSED): PEP_PASSED,
    (deadlines.EC, DeadlineNotice.Stage.PASSED): EC_PASSED,
}
# A window that passed longer ago than this tells nobody any more (the worklist keeps it as long): a first
# run on old data, or after an outage, does not send a burst of stale alarms.
PASSED_KEPT = dt.timedelta(hours=24)


def register_events() -> None:
    events.register(
        events.Event(
            PEP_CLOSING,
            _("PEP for case %(code)s: %(left)s left"),
            _(
                "The %(hours)s h PEP window of case %(code)s closes at %(deadline)s (Kigali time) and no dose is "
                "recorded. Get the survivor to a health facility, then record PEP on the case."
            ),
            urgent=True,
        )
    )
    events.register(
        events.Event(
            EC_CLOSING,
            _("Emergency contraception for case %(code)s: %(left)s left"),
            _(
                "The %(hours)s h emergency contraception window of case %(code)s closes at %(deadline)s "
                "(Kigali time) and nothing is recorded. Offer it now, then record it on the case."
            ),
            urgent=True,
        )
    )
    events.register(
        events.Event(
            PEP_PASSED,
            _("PEP window passed for case %(code)s with no dose recorded"),
            _(
                "The %(hours)s h PEP window of case %(code)s closed at %(deadline)s (Kigali time) and no dose is "
                "recorded. Check with the case worker what was done and that it is recorded."
            ),
            urgent=True,
        )
    )
    events.register(
        events.Event(
            EC_PASSED,
            _("Emergency contraception window passed for case %(code)s with nothing recorded"),
            _(
                "The %(hours)s h emergency contraception window of case %(code)s closed at %(deadline)s "
                "(Kigali time) and nothing is recorded. Check with the case worker what was done."
            ),
            urgent=True,
        )
    )


@dataclass
class DeadlineRun:
    closing: int = 0
    passed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"closing": self.closing, "passed": self.passed}


def _worker(incident: Incident) -> list[User]:
    """The case's worker (who recorded it, when no worker is named), if still active."""
    user = incident.case_worker or incident.created_by
    return [user] if user is not None and user.is_active else []


def _candidates(now: dt.datetime) -> list[Incident]:
    """Open rape cases whose longest window may still be closing, or passed less than PASSED_KEPT ago."""
    longest = max(windows().values())
    since = (now.astimezone(deadlines.KIGALI) - dt.timedelta(hours=longest) - PASSED_KEPT).date()
    health = Service.objects.filter(type=ServiceType.HEALTH).only(
        "id", "incident_id", "type", "pep_given_on", "ec_given_on"
    )
    return list(
        Incident.objects.filter(
            status__in=[CaseStatus.OPEN, CaseStatus.CLOSURE_REQUESTED],
            gbv_type__in=deadlines.APPLIES_TO,
            incident_date__gte=since,
        )
        .select_related("survivor", "org_unit", "case_worker", "created_by")
        .prefetch_related(Prefetch("services", queryset=health))
        .order_by("incident_date", "id")
    )


def _send(incident: Incident, c: deadlines.Countdown, stage: str, *, actor: Actor, now: dt.datetime) -> bool:
    """Claim the (case, kind, stage) row and send; False when an earlier run already did."""
    recipients = _worker(incident) if stage == DeadlineNotice.Stage.CLOSING else case_supervisors(incident)
    try:
        with transaction.atomic():
            DeadlineNotice.objects.create(
                incident=incident, kind=c.kind, stage=stage, sent_at=now, recipients=len(recipients)
            )
            notify(
                recipients,
                EVENTS[(c.kind, stage)],
                incident,
                actor=actor,
                link=case_link(incident),
                context={
                    "code": incident.survivor.code,
                    "left": c.left_text,
                    "hours": str(c.hours),
                    "deadline": c.deadline.astimezone(deadlines.KIGALI).strftime("%Y-%m-%d %H:%M"),
                },
            )
            audit_record(
                actor=actor,  # type: ignore[arg-type]  # audit_record takes policy.SYSTEM too (as no user)
                action=AuditAction.UPDATE,
                object_type="cases.incident",
                object_id=str(incident.uuid),
                object_repr=str(incident),
                organisation_id=incident.organisation_id,
                org_unit_path=incident.org_unit.path,
                changes={"deadline_notice": f"{c.kind} {stage}", "recipients": len(recipients)},
            )
    except IntegrityError:  # sent before (or by a run at the same moment)
        return False
    return True


def deadlines_notify(*, actor: Actor = policy.SYSTEM, now: dt.datetime | None = None) -> DeadlineRun:
    """Send the closing and passed notices that are due now and not yet sent; idempotent."""
    policy.check_actor(actor)
    now = now or timezone.now()
    run = DeadlineRun()
    for incident in _candidates(now):
        for c in deadlines.for_incident(incident, now=now):
            if c.state == deadlines.State.CLOSING:
                stage = DeadlineNotice.Stage.CLOSING
            elif (
                c.state == deadlines.State.PASSED
                and now - c.deadline <= PASSED_KEPT
                # A case recorded after its window had closed: no one could have given the dose in time.
                and incident.created_at < c.deadline
            ):
                stage = DeadlineNotice.Stage.PASSED
            else:
                continue
            if DeadlineNotice.objects.filter(incident=incident, kind=c.kind, stage=stage).exists():
                continue
            if _send(incident, c, stage, actor=actor, now=now):
                if stage == DeadlineNotice.Stage.CLOSING:
                    run.closing += 1
                else:
                    run.passed += 1
    return run
