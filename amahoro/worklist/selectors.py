"""My work: what each role has to do next, one section per role, read from each app's own selectors (which
start from the policy, so no one is shown a case, a referral or a request they may not see). A section
appears for whoever holds its permission; every item has a title, a due time and a link to where to act.
Each section is a fixed, small number of queries however many items it lists (tests check the bound)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amahoro import policy
from amahoro.accounts import selectors as accounts
from amahoro.cases import deadlines, work
from amahoro.data import completeness
from amahoro.data.approvals import approvals_link, approvals_waiting, period_words
from amahoro.policy import Actor
from amahoro.roles import ROLE_LABELS, Perm, Role
from amahoro.warning import selectors as warning_selectors

# The receiving organisation's inbox (cases/urls.py, built by the referral pathway).
INCOMING_REFERRALS = "/cases/referrals/incoming/"
LIMIT = work.LIMIT


@dataclass(frozen=True)
class Item:
    kind: str  # pep, ec, referral_waiting, closure_returned, closure_to_approve, referral_overdue, ...
    title: str
    # When it is due (`is_deadline`), or since when it waits for the reader.
    due: dt.datetime | dt.date | None
    link: str
    is_deadline: bool = True
    state: str = ""  # open / closing / passed (countdowns), due / late (reports), overdue
    object_id: str = ""

    @property
    def has_time(self) -> bool:
        return isinstance(self.due, dt.datetime)


@dataclass(frozen=True)
class Section:
    code: str  # case_worker, case_supervisor, service_provider, data, org_admin
    title: str | Promise
    why: str | Promise
    items: list[Item] = field(default_factory=list)


def _case_link(incident: object) -> str:
    return reverse("cases:detail", kwargs={"ident": incident.uuid})  # type: ignore[attr-defined]


def _provider(service: object) -> str:
    provider = getattr(service, "provider", None)
    return provider.name if provider is not None else "—"


def case_worker_items(*, user: Actor, now: dt.datetime) -> list[Item]:
    """PEP/EC countdowns of one's open cases, one's referrals awaiting a reply, closures sent back."""
    items: list[Item] = []
    for incident, c in work.countdowns_of_worker(user=user, now=now):
        code = incident.survivor.code
        what = _("PEP") if c.kind == deadlines.PEP else _("Emergency contraception")
        if c.state == deadlines.State.PASSED:
            title = _("%(what)s window passed for case %(code)s: record what was done") % {
                "what": what,
                "code": code,
            }
        else:
            title = _("%(what)s for case %(code)s: %(left)s left") % {
                "what": what,
                "code": code,
                "left": c.left_text,
            }
        items.append(
            Item(
                c.kind,
                title,
                c.deadline,
                _case_link(incident),
                state=c.state.value,
                object_id=str(incident.uuid),
            )
        )
    for service in work.referrals_awaiting_reply(user=user):
        title = _("Referral of case %(code)s to %(provider)s awaits a reply") % {
            "code": service.incident.survivor.code,
            "provider": _provider(service),
        }
        overdue = service.reply_due_at is not None and service.reply_due_at < now
        items.append(
            Item(
                "referral_waiting",
                title,
                service.reply_due_at,
                _case_link(service.incident),
                state="overdue" if overdue else "",
                object_id=str(service.uuid),
            )
        )
    for signal in warning_selectors.gbv_signals_awaiting_case(user=user, limit=LIMIT):
        title = _(
            "GBV signal at %(place)s (%(type)s) assigned to your organisation: open a case if the survivor wishes"
        ) % {
            "place": signal.org_unit.display_name,
            "type": signal.type.display_name,
        }
        items.append(
            Item(
                "signal_case",
                title,
                signal.created_at,
                reverse("signal-case-open", kwargs={"ident": signal.uuid}),
                is_deadline=False,
                object_id=str(signal.uuid),
            )
        )
    for incident in work.closures_returned(user=user):
        title = _("Closure of case %(code)s was sent back: continue the case or ask again") % {
            "code": incident.survivor.code
        }
        items.append(
            Item(
                "closure_returned",
                title,
                incident.closure_returned_at,
                _case_link(incident),
                is_deadline=False,
                object_id=str(incident.uuid),
            )
        )
    return items


def case_supervisor_items(*, user: Actor, now: dt.datetime) -> list[Item]:
    """Closures to approve, and overdue referrals of the cases one supervises."""
    items = [
        Item(
            "closure_to_approve",
            _("Approve or send back the closure of case %(code)s") % {"code": incident.survivor.code},
            incident.updated_at,
            _case_link(incident),
            is_deadline=False,
            object_id=str(incident.uuid),
        )
        for incident in work.closures_to_approve(user=user)
    ]
    for service in work.referrals_overdue(user=user, now=now):
        title = _("Referral of case %(code)s to %(provider)s: no reply in time") % {
            "code": service.incident.survivor.code,
            "provider": _provider(service),
        }
        items.append(
            Item(
                "referral_overdue",
                title,
                service.reply_due_at,
                _case_link(service.incident),
                state="overdue",
                object_id=str(service.uuid),
            )
        )
    return items


def service_provider_items(*, user: Actor, now: dt.datetime) -> list[Item]:
    """Referrals sent to one's organisation that await its answer (in the referral inbox)."""
    items = []
    for service in work.referrals_incoming_pending(user=user):
        title = _("Referral to answer: %(service)s for case %(code)s (%(urgency)s)") % {
            "service": service.get_type_display(),
            "code": service.incident.survivor.code,
            "urgency": service.get_urgency_display(),
        }
        overdue = service.reply_due_at is not None and service.reply_due_at < now
        items.append(
            Item(
                "referral_incoming",
                title,
                service.reply_due_at,
                INCOMING_REFERRALS,
                state="overdue" if overdue else "",
                object_id=str(service.uuid),
            )
        )
    return items


def data_items(*, user: Actor, today: dt.date) -> list[Item]:
    """Submitted data waiting for one's approval; data sets due or late for one's places."""
    items: list[Item] = []
    if policy.has_perm(user, Perm.DATA_APPROVE):
        for approval in approvals_waiting(user=user)[:LIMIT]:
            title = _("Data of %(place)s for %(period)s is submitted: approve it") % {
                "place": approval.org_unit.name,
                "period": period_words(approval.period.code),
            }
            items.append(
                Item(
                    "approval",
                    title,
                    approval.at,
                    # The approvals page: the data to review and the Approve button (a submission covers
                    # every data set of the place and period, so no single data entry form fits).
                    approvals_link(approval),
                    is_deadline=False,
                    object_id=str(approval.pk),
                )
            )
    if policy.has_perm(user, Perm.DATA_ENTER):
        for report in completeness.due_for(user=user, today=today)[:LIMIT]:
            values = {
                "dataset": report.data_set_name,
                "place": report.org_unit_name,
                "period": period_words(report.period),
            }
            if report.state == "late":
                title = _("%(dataset)s for %(place)s, %(period)s is late") % values
            else:
                title = _("%(dataset)s for %(place)s, %(period)s is due") % values
            items.append(
                Item(
                    f"report_{report.state}",
                    title,
                    report.due_on,
                    report.link,
                    state=report.state,
                    object_id=f"{report.data_set_code}/{report.org_unit_code}/{report.period}",
                )
            )
    return items


def org_admin_items(*, user: Actor) -> list[Item]:
    """Role requests to one's organisation, for places one gives roles over."""
    items = []
    link = reverse("users:role-requests")
    for request in accounts.role_requests_to_decide(user=user)[:LIMIT]:
        title = _("%(username)s asks to be %(role)s in %(organisation)s (%(place)s)") % {
            "username": request.user.username,
            "role": ROLE_LABELS[Role(request.role)],
            "organisation": request.organisation.name,
            "place": request.org_unit.name if request.org_unit else _("everywhere"),
        }
        items.append(
            Item(
                "role_request",
                title,
                request.created_at,
                f"{link}#request-{request.uuid}",
                is_deadline=False,
                object_id=str(request.uuid),
            )
        )
    return items


SECTIONS = {
    "case_worker": (
        gettext_lazy("Your cases"),
        gettext_lazy(
            "PEP must start within 72 h and emergency contraception within 120 h of a rape; referrals and "
            "closures wait on you."
        ),
    ),
    "case_supervisor": (
        gettext_lazy("To supervise"),
        gettext_lazy("Closures wait for your decision; overdue referrals may need you to call the receiver."),
    ),
    "service_provider": (
        gettext_lazy("Referrals to your organisation"),
        gettext_lazy("A survivor was referred to you: accept, decline or complete each referral."),
    ),
    "data": (
        gettext_lazy("Data"),
        gettext_lazy("Submitted data waits for your approval; reports are due or late for your places."),
    ),
    "org_admin": (
        gettext_lazy("Role requests"),
        gettext_lazy("People ask for a role in your organisation: approve or decline."),
    ),
}


def _sort(items: list[Item]) -> list[Item]:
    """Deadlines first, soonest first; then what waits, oldest first."""

    def key(item: Item) -> tuple[int, str]:
        due = item.due
        text = due.isoformat() if due is not None else "9999"
        return (0 if item.is_deadline and due is not None else 1, text)

    return sorted(items, key=key)


def worklist(*, user: Actor, now: dt.datetime | None = None, today: dt.date | None = None) -> list[Section]:
    """The sections of the user's roles (by permission), each with its items; empty sections included so
    the page can say "nothing to do"."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    sections: list[Section] = []

    def add(code: str, items: list[Item]) -> None:
        title, why = SECTIONS[code]
        sections.append(Section(code, title, why, _sort(items)))

    if policy.has_perm(user, Perm.CASE_MANAGE):
        add("case_worker", case_worker_items(user=user, now=now))
    if policy.has_perm(user, Perm.CASE_SUPERVISE):
        add("case_supervisor", case_supervisor_items(user=user, now=now))
    if policy.has_perm(user, Perm.REFERRAL_RESPOND):
        add("service_provider", service_provider_items(user=user, now=now))
    if policy.any_of(user, (Perm.DATA_APPROVE, Perm.DATA_ENTER)):
        add("data", data_items(user=user, today=today))
    if policy.has_perm(user, Perm.ROLE_ASSIGN):
        add("org_admin", org_admin_items(user=user))
    return sections


def item_count(*, user: Actor, now: dt.datetime | None = None) -> int:
    return sum(len(s.items) for s in worklist(user=user, now=now))
