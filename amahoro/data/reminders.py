"""Reporting reminders: `report.due` a few days before a data set's due date and `report.late` a few days
after it, to the clerks responsible for the place (`amahoro send_reporting_reminders`, daily from Celery beat
or cron). Each reminder goes out once: the ReportingReminder log holds one row per data set, place, period,
organisation and kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.data import completeness
from amahoro.data.models import ReportingReminder
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.notifications import events
from amahoro.notifications.services import notify
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_PERMISSIONS, Perm, Role

REPORT_DUE = "report.due"
REPORT_LATE = "report.late"


def register_events() -> None:
    events.register(
        events.Event(
            REPORT_DUE,
            title=_("Report due: %(data_set)s for %(place)s, %(period)s"),
            body=_("Due on %(due_on)s. Enter the data and mark the report complete."),
        )
    )
    events.register(
        events.Event(
            REPORT_LATE,
            title=_("Report late: %(data_set)s for %(place)s, %(period)s"),
            body=_("It was due on %(due_on)s and has not been marked complete."),
        )
    )


def _entering_roles() -> list[str]:
    # System administrators configure the platform; they are nobody's reporting clerk.
    return [
        r.value
        for r, perms in ROLE_PERMISSIONS.items()
        if Perm.DATA_ENTER in perms and r != Role.SYSTEM_ADMIN
    ]


def recipients_for(*, org_unit: OrgUnit, organisation_id: int | None) -> list[User]:
    """Who enters this report: the active users holding data.enter over the place in the report's
    organisation (any organisation for a shared data set), those whose subtree is closest to the place
    (a district's clerk rather than the national M&E officer, who only hears when there is no one closer)."""
    rows = RoleAssignment.objects.filter(
        role__in=_entering_roles(), user__is_active=True, organisation__is_active=True
    ).filter(Q(org_unit__isnull=True) | Q(org_unit__path__in=ancestor_paths(org_unit.path)))
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    depth_of: dict[int, int] = {}
    for user_id, depth in rows.values_list("user_id", "org_unit__depth"):
        depth_of[user_id] = max(depth_of.get(user_id, 0), depth or 0)
    if not depth_of:
        return []
    closest = max(depth_of.values())
    ids = [uid for uid, depth in depth_of.items() if depth == closest]
    return list(User.objects.filter(pk__in=ids).order_by("username"))


@dataclass
class ReminderRun:
    due: int = 0
    late: int = 0
    skipped: int = 0  # already sent
    no_recipient: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "late": self.late,
            "skipped": self.skipped,
            "no_recipient": self.no_recipient,
        }


def _key(kind: str, item: completeness.Owed) -> str:
    return f"{kind}:{item.data_set.pk}:{item.org_unit.pk}:{item.period.code}:{item.organisation_id or 0}"


def send_reporting_reminders(*, today: dt.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Send what is owed today and not yet sent: `report.due` from N days before the due date until it,
    `report.late` from N days after it (N per data set, else the installation's default)."""
    today = today or completeness.today_local()
    run = ReminderRun()
    org_codes = dict(Organisation.objects.values_list("pk", "code"))
    for item in completeness.owed(today=today):
        if item.state == "due":
            kind = ReportingReminder.Kind.DUE
        elif today >= item.due_on + dt.timedelta(days=completeness.remind_days_after(item.data_set)):
            kind = ReportingReminder.Kind.LATE
        else:
            continue
        key = _key(kind, item)
        if ReportingReminder.objects.filter(key=key).exists():
            run.skipped += 1
            continue
        recipients = recipients_for(org_unit=item.org_unit, organisation_id=item.organisation_id)
        if not recipients:
            run.no_recipient.append(key)
        if dry_run:
            setattr(run, kind, getattr(run, kind) + 1)
            continue
        try:
            with transaction.atomic():
                ReportingReminder.objects.create(
                    key=key,
                    data_set=item.data_set,
                    org_unit=item.org_unit,
                    period_id=_period_id(item.period.code),
                    organisation_id=item.organisation_id,
                    kind=kind,
                    recipients=len(recipients),
                )
                notify(
                    recipients,
                    REPORT_DUE if kind == ReportingReminder.Kind.DUE else REPORT_LATE,
                    item.data_set,
                    actor=policy.SYSTEM,
                    link=completeness.entry_link(
                        item.data_set,
                        item.org_unit,
                        item.period.code,
                        completeness.attribute_code_for(org_codes.get(item.organisation_id or 0)),
                    ),
                    context={
                        "data_set": item.data_set.name,
                        "place": item.org_unit.name,
                        "period": item.period.name,
                        "due_on": item.due_on.isoformat(),
                    },
                )
        except IntegrityError:  # another run sent it meanwhile
            run.skipped += 1
            continue
        setattr(run, kind, getattr(run, kind) + 1)
    return run


def _period_id(code: str) -> int:
    from amahoro.data.importing import ensure_periods

    return ensure_periods([code])[code]
