"""Reads of the audit log, narrowed by the policy, and what each reader may see of a row.

Two kinds of rows are shown with parts withheld (`event_shown`), to every reader without the matching
permission:
- Events of anonymous civil-society assessments (registered by the consultations app with
  `register_hidden_authors`): no actor, organisation, address, browser or request id, except for holders
  of audit.anonymous_authors (the assessment moderator role; never system administrators). Such rows do not
  match an `actor` filter either, so a filter cannot name the author.
- Sensitive (case) events, for readers without case.view: the place is cut to its district and place codes
  are dropped from the changes (no sector-level case metadata).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from django.db.models import BooleanField, Expression, ExpressionWrapper, Q, QuerySet, Value

from amahoro import policy
from amahoro.roles import Perm

from .models import AuditEvent

# Each returns a Q over AuditEvent matching the events whose author must not be named.
_HIDDEN_AUTHORS: list[Callable[[], Q]] = []
CASE_PLACE_DEPTH = 3  # country / province / district
HIDDEN = "[hidden]"


def register_hidden_authors(rule: Callable[[], Q]) -> None:
    """Called by higher apps (AppConfig.ready) for events whose author stays anonymous."""
    if rule not in _HIDDEN_AUTHORS:
        _HIDDEN_AUTHORS.append(rule)


def hidden_authors_q() -> Q:
    q = Q(pk__in=[])
    for rule in _HIDDEN_AUTHORS:
        q |= rule()
    return q


def sees_anonymous_authors(user: policy.Actor) -> bool:
    return policy.has_perm(user, Perm.AUDIT_ANONYMOUS_AUTHORS)


def events_visible_to(
    *,
    user: policy.Actor,
    perm: Perm = Perm.AUDIT_VIEW,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    sensitive: bool | None = None,
) -> QuerySet[AuditEvent]:
    """The events the user may read, annotated with what must be withheld (pass each through event_shown)."""
    base = AuditEvent.objects.select_related("organisation")
    qs = policy.visible(user, perm, base)
    hidden = hidden_authors_q()
    moderator = sees_anonymous_authors(user)
    if moderator:
        qs = base.filter(
            Q(pk__in=qs.values("pk"))
            | Q(pk__in=policy.visible(user, Perm.AUDIT_ANONYMOUS_AUTHORS, base).filter(hidden).values("pk"))
        )
    author_hidden: Expression = (
        Value(False) if moderator else ExpressionWrapper(hidden, output_field=BooleanField())
    )
    qs = qs.annotate(
        author_hidden=author_hidden,
        place_cut=Value(not policy.has_perm(user, Perm.CASE_VIEW), output_field=BooleanField()),
    )
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_username=actor)
        if not moderator:
            qs = qs.exclude(hidden)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    if sensitive is not None:
        qs = qs.filter(sensitive=sensitive)
    return qs.order_by("-at", "-id")


def _cut_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:CASE_PLACE_DEPTH]) + "/" if len(parts) > CASE_PLACE_DEPTH else path


def _without_places(changes: object) -> object:
    if not isinstance(changes, dict):
        return changes
    return {k: (HIDDEN if "org_unit" in k or "place" in k else v) for k, v in changes.items()}


def event_shown(event: AuditEvent) -> AuditEvent:
    """The event as its reader may see it (in memory only; the log itself is never changed)."""
    if getattr(event, "author_hidden", False):
        event.actor = None
        event.actor_username = ""
        event.organisation = None
        event.ip_address = None
        event.user_agent = ""
        event.request_id = ""
    if getattr(event, "place_cut", False) and event.sensitive:
        event.org_unit_path = _cut_path(event.org_unit_path)
        event.changes = _without_places(event.changes)
    return event


def events_shown(events: Iterable[AuditEvent]) -> Iterator[AuditEvent]:
    for event in events:
        yield event_shown(event)
