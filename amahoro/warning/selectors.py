"""Reads of the early-warning module, always narrowed by the policy module (access.py says who sees what):
lists start from `signals_visible_to`, one signal comes from `access_signal` (missing and forbidden are
both "not found"), and `disclosure` says whether the description and the reporter may be shown."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

from .models import Signal, SignalStatus, SignalType

OPEN = (SignalStatus.NEW, SignalStatus.VERIFIED, SignalStatus.ASSIGNED)


def signal_types(*, include_inactive: bool = False) -> QuerySet[SignalType]:
    qs = SignalType.objects.all()
    return qs if include_inactive else qs.filter(is_active=True)


def signals_visible_to(*, user: policy.Actor) -> QuerySet[Signal]:
    return policy.visible(
        user, Perm.SIGNAL_VIEW, Signal.objects.select_related("type", "org_unit", "assigned_to")
    )


def signals_search(
    *,
    user: policy.Actor,
    status: str = "",
    type: str = "",
    org_unit: str = "",
    overdue: bool | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Signal]:
    """The signals the user sees, filtered; a bad filter raises ValidationFailed naming it."""
    qs = signals_visible_to(user=user)
    if status:
        if status not in SignalStatus.values:
            raise ValidationFailed(f"unknown status '{status[:20]}'", field="status")
        qs = qs.filter(status=status)
    if type:
        if not SignalType.objects.filter(code=type[:50]).exists():
            raise ValidationFailed(f"unknown signal type '{type[:50]}'", field="type")
        qs = qs.filter(type__code=type)
    if org_unit:
        unit = OrgUnit.objects.filter(code=org_unit[:50]).first()
        if unit is None:
            raise ValidationFailed(f"unknown place '{org_unit[:50]}'", field="org_unit")
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if overdue is not None:
        moment = now or timezone.now()
        late = qs.filter(status__in=OPEN, due_at__lt=moment)
        qs = late if overdue else qs.exclude(pk__in=late.values("pk"))
    return qs.order_by("-created_at", "-id")


def access_signal(*, user: policy.Actor, ident: str | uuid.UUID) -> Signal:
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound("signal not found") from None
    signal = signals_visible_to(user=user).filter(uuid=key).first()
    if signal is None:
        raise NotFound("signal not found")
    return signal


def case_intake_allowed(user: policy.Actor, signal: Signal) -> bool:
    """May this person record a GBV case for the signal's responder organisation at the signal's place
    (case.manage there)? Only they may open a case from a (GBV) signal."""
    if (
        policy.is_system(user)
        or not getattr(user, "is_authenticated", False)
        or signal.assigned_to_id is None
    ):
        return False
    return policy.can_in(user, Perm.CASE_MANAGE, organisation=signal.assigned_to, org_unit=signal.org_unit)


def signal_for_case(*, user: policy.Actor, ident: str | uuid.UUID) -> Signal:
    """A signal for opening a case from it: one the user sees (signal.view), or one assigned to an
    organisation they record cases for at its place. Anything else is "not found"."""
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound("signal not found") from None
    signal = Signal.objects.select_related("type", "org_unit", "assigned_to").filter(uuid=key).first()
    if signal is None or not (
        signals_visible_to(user=user).filter(pk=signal.pk).exists() or case_intake_allowed(user, signal)
    ):
        raise NotFound("signal not found")
    return signal


def case_link_visible(user: policy.Actor, signal: Signal) -> bool:
    """Show the link to the case opened from this signal? Only to someone the case module's policy would let
    read cases of the signal's responder organisation at its place (the case page checks again)."""
    if signal.case_uuid is None or signal.assigned_to_id is None or policy.is_system(user):
        return False
    return policy.can_in(user, Perm.CASE_VIEW, organisation=signal.assigned_to, org_unit=signal.org_unit)


def gbv_signals_awaiting_case(*, user: policy.Actor, limit: int = 50) -> list[Signal]:
    """GBV signals assigned to an organisation the user records cases for, at their places, being acted on
    (assigned or responding) and with no case yet: a case worker's worklist offers to open one."""
    q = Q()
    for g in policy.grants_with(user, Perm.CASE_MANAGE):
        if g.is_global:  # pragma: no cover - case roles are never global (system administrators hold none)
            continue
        scope = Q(assigned_to_id=g.organisation_id)
        if g.path is not None:
            scope &= Q(org_unit__path__startswith=g.path)
        q |= scope
    if not q or policy.is_system(user):
        return []
    return list(
        Signal.objects.filter(
            q,
            type__is_gbv=True,
            case_uuid__isnull=True,
            status__in=(SignalStatus.ASSIGNED, SignalStatus.RESPONDING),
        )
        .select_related("type", "org_unit")
        .order_by("created_at", "id")[:limit]
    )


@dataclass(frozen=True)
class Disclosure:
    """What of a signal this user may read: the description (and transition notes) and the reporter."""

    content: bool
    reporter: bool


def disclosure(*, user: policy.Actor, signal: Signal) -> Disclosure:
    triage = policy.can(user, Perm.SIGNAL_TRIAGE, signal) and not policy.is_system(user)
    respond = policy.can(user, Perm.SIGNAL_RESPOND, signal) and signal.assigned_to_id is not None
    return Disclosure(content=triage or respond, reporter=triage)


def disclosure_audit(*, user: policy.Actor, signal: Signal, seen: Disclosure) -> None:
    """Reading who reported a signal is recorded (who, when, which signal; never the contact itself)."""
    if seen.reporter and signal.reporter:
        audit_record(
            actor=user,
            action=AuditAction.READ,
            object_type="warning.signal",
            object_id=str(signal.uuid),
            object_repr=str(signal),
            org_unit_path=signal.org_unit.path,
            sensitive=True,
            changes={"fields": ["reporter"]},
            message="signal reporter read",
        )


def is_overdue(signal: Signal, now: dt.datetime | None = None) -> bool:
    return bool(signal.status in OPEN and signal.due_at and signal.due_at < (now or timezone.now()))


# --- Counts by sector and ISO week (aggregates only, small counts suppressed) ----------------------------

THRESHOLD = 5
PRIMARY = "<5"
COMPLEMENTARY = "*"


@dataclass
class CountTable:
    """Signals by sector (rows) and ISO week (columns) with totals, as shown: counts 1-4 are "<5", and a
    line (row, column, or the totals row) left with one hidden entry hides one more ("*"), so no hidden
    count can be worked out by subtraction."""

    rows: list[str]
    weeks: list[str]
    cells: list[list[str]]
    row_totals: list[str]
    week_totals: list[str]
    total: str


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}W{week:02d}"


def _suppress(counts: list[list[int]]) -> list[list[str]]:
    """counts: an (n+1) x (m+1) grid whose last row and last column are the totals."""
    n, m = len(counts) - 1, len(counts[0]) - 1
    hidden: dict[tuple[int, int], str] = {
        (r, c): PRIMARY for r in range(n + 1) for c in range(m + 1) if 0 < counts[r][c] < THRESHOLD
    }
    lines = [[(r, c) for c in range(m + 1)] for r in range(n + 1)]
    lines += [[(r, c) for r in range(n + 1)] for c in range(m + 1)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for pos in line if pos in hidden) != 1:
                continue
            visible = [pos for pos in line if pos not in hidden and counts[pos[0]][pos[1]] > 0]
            if not visible:
                continue
            # The smallest cell first; a total only when no cell is left.
            pos = min(visible, key=lambda p: (p[0] == n or p[1] == m, counts[p[0]][p[1]]))
            hidden[pos] = COMPLEMENTARY
            changed = True
    return [[hidden.get((r, c), str(counts[r][c])) for c in range(m + 1)] for r in range(n + 1)]


def signal_counts(*, user: policy.Actor, weeks: int = 12, today: dt.date | None = None) -> CountTable:
    """The signals the user sees that happened in the last `weeks` ISO weeks, by sector (a signal placed at
    a cell or village counts in its sector; one placed at a district, a statistical alarm, in its own row)."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    start = monday - dt.timedelta(weeks=weeks - 1)
    labels = [_iso_week(start + dt.timedelta(weeks=k)) for k in range(weeks)]
    rows = signals_visible_to(user=user).filter(occurred_on__gte=start, occurred_on__lte=today)
    grid: dict[str, list[int]] = {}
    for path, day in rows.values_list("org_unit__path", "occurred_on"):
        parts = path.strip("/").split("/")
        key = "/" + "/".join(parts[:4]) + "/"  # /RW/<province>/<district>/<sector>/ (or the district)
        grid.setdefault(key, [0] * weeks)[labels.index(_iso_week(day))] += 1
    names = dict(OrgUnit.objects.filter(path__in=list(grid)).values_list("path", "name"))
    order = sorted(grid, key=lambda p: names.get(p, p))
    counts = [grid[p] + [sum(grid[p])] for p in order]
    week_totals = [sum(grid[p][k] for p in order) for k in range(weeks)]
    counts.append([*week_totals, sum(week_totals)])
    shown = _suppress(counts)
    return CountTable(
        rows=[names.get(p, p) for p in order],
        weeks=labels,
        cells=[line[:-1] for line in shown[:-1]],
        row_totals=[line[-1] for line in shown[:-1]],
        week_totals=shown[-1][:-1],
        total=shown[-1][-1],
    )


# --- NAP P2.O3 indicators (per month and district, suppressed) -------------------------------------------


@dataclass
class IndicatorRow:
    month: str  # YYYYMM (DHIS2's monthly period code)
    district: str
    received: str  # a count, or "<5"
    verified_within_24h: str  # a percentage, or "" when fewer than 5 signals
    responded_within_deadline: str


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}" if whole else ""


def nap_indicators(*, user: policy.Actor, since: dt.date) -> list[IndicatorRow]:
    """NAP P2.O3 by month (of receipt) and district, over the signals the user sees received since `since`:
    signals received; % verified within 24 h of receipt (verified_at, also set by a direct assignment);
    % of the assigned ones responded to by their deadline. A month and district with fewer than 5 signals
    shows "<5" and no percentages."""
    buckets: dict[tuple[str, str], list[Signal]] = {}
    qs = signals_visible_to(user=user).filter(created_at__date__gte=since)
    for signal in qs.select_related(None).select_related("org_unit").defer("description", "reporter"):
        parts = signal.org_unit.path.strip("/").split("/")
        district = "/" + "/".join(parts[:3]) + "/"
        month = timezone.localtime(signal.created_at).strftime("%Y%m")
        buckets.setdefault((month, district), []).append(signal)
    names = dict(OrgUnit.objects.filter(path__in={d for _, d in buckets}).values_list("path", "name"))
    out: list[IndicatorRow] = []
    for (month, district), signals in sorted(
        buckets.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))
    ):
        n = len(signals)
        if n < THRESHOLD:
            out.append(IndicatorRow(month, names.get(district, district), PRIMARY, "", ""))
            continue
        quick = sum(
            1
            for s in signals
            if s.verified_at is not None and s.verified_at - s.created_at <= dt.timedelta(hours=24)
        )
        assigned = [s for s in signals if s.assigned_to_id is not None and s.due_at is not None]
        on_time = sum(
            1 for s in assigned if s.responded_at is not None and s.due_at and s.responded_at <= s.due_at
        )
        out.append(
            IndicatorRow(
                month,
                names.get(district, district),
                str(n),
                _pct(quick, n),
                _pct(on_time, len(assigned)) if len(assigned) >= THRESHOLD else "",
            )
        )
    return out
