"""Reads of the early-warning module, always narrowed by the policy module (access.py says who sees what):
lists start from `signals_visible_to`, one signal comes from `access_signal` (missing and forbidden are
both "not found"), and `disclosure` says whether the description and the reporter may be shown."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core import suppression
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import boundary_attribution
from amahoro.organisations.models import Organisation
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

THRESHOLD = suppression.THRESHOLD
PRIMARY = suppression.PRIMARY
COMPLEMENTARY = suppression.COMPLEMENTARY
WINDOW_WEEKS = 12


@dataclass
class CountTable:
    """Signals by sector (rows) and ISO week (columns) with totals, as shown: the rule of
    `amahoro.core.suppression` (the one the GBV figures follow): counts 1-4 are "<5", a zero in a line
    that holds one is "<5" too, and entries that would let a hidden count be worked out from the totals
    are hidden as "*". `paths` are the rows' org-unit paths (for the map)."""

    rows: list[str]
    weeks: list[str]
    cells: list[list[str]]
    row_totals: list[str]
    week_totals: list[str]
    total: str
    paths: list[str] = field(default_factory=list)


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}W{week:02d}"


def signal_counts(
    *, user: policy.Actor, weeks: int = WINDOW_WEEKS, today: dt.date | None = None
) -> CountTable:
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
    table = suppression.suppress([names.get(p, p) for p in order], labels, [grid[p] for p in order])
    shown = [[str(v) for v in line] for line in table.display()]
    return CountTable(
        rows=[names.get(p, p) for p in order],
        weeks=labels,
        cells=[line[:-1] for line in shown[:-1]],
        row_totals=[line[-1] for line in shown[:-1]],
        week_totals=shown[-1][:-1],
        total=shown[-1][-1],
        paths=order,
    )


def _range_value(cells: list[str], row_total: str, whole: bool) -> str:
    """A sector's figure over some weeks of the table, never more than the table itself tells: the sum
    when every cell of those weeks is shown; the row total when they are all the weeks; the one hidden
    mark when it is the only non-zero entry; else "*" (not shown)."""
    if whole:
        return row_total
    if all(c.isdigit() for c in cells):
        return str(sum(int(c) for c in cells))
    hidden = [c for c in cells if not c.isdigit()]
    if len(hidden) == 1 and all(c == "0" for c in cells if c.isdigit()):
        return hidden[0]
    return COMPLEMENTARY


def _round(value: Any) -> Any:
    """Coordinates to 5 decimals (~1 m), as the district map sends them: plenty, and lighter over 3G."""
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def _sectors_in_scope(*, user: policy.Actor) -> QuerySet[OrgUnit]:
    """The sectors with a shape inside the subtrees where the user sees signals (none without the
    permission)."""
    qs = OrgUnit.objects.filter(level__code="sector", geometry__isnull=False)
    roots = policy.subtree_roots(user, Perm.SIGNAL_VIEW)
    if roots is None:
        return qs
    if not roots:
        return qs.none()
    scope = Q()
    for root in roots:
        scope |= Q(path__startswith=root)
    return qs.filter(scope)


def signal_map(
    *,
    user: policy.Actor,
    week_from: str = "",
    week_to: str = "",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Signals per sector over ISO weeks `week_from`..`week_to` of the See page's window (the last 12
    weeks; empty: all of them), as a GeoJSON FeatureCollection of the sectors the user covers. Every
    figure is one the See page's suppressed table shows or adds up from shown cells (`_range_value`), so
    choosing other weeks cannot take a hidden count apart. A week outside the window raises
    ValidationFailed naming `from` or `to`."""
    table = signal_counts(user=user, today=today)
    weeks = table.weeks
    lo = weeks.index(week_from) if week_from in weeks else None
    hi = weeks.index(week_to) if week_to in weeks else None
    if week_from and lo is None:
        raise ValidationFailed(
            f"week '{week_from[:10]}' is not one of the last {len(weeks)} ISO weeks "
            f"({weeks[0]} to {weeks[-1]})",
            field="from",
        )
    if week_to and hi is None:
        raise ValidationFailed(
            f"week '{week_to[:10]}' is not one of the last {len(weeks)} ISO weeks "
            f"({weeks[0]} to {weeks[-1]})",
            field="to",
        )
    lo = 0 if lo is None else lo
    hi = len(weeks) - 1 if hi is None else hi
    if lo > hi:
        raise ValidationFailed("'from' comes after 'to'", field="from")
    whole = lo == 0 and hi == len(weeks) - 1
    figures = {
        path: _range_value(cells[lo : hi + 1], total, whole)
        for path, cells, total in zip(table.paths, table.cells, table.row_totals, strict=True)
    }
    sectors = list(_sectors_in_scope(user=user).defer("attribute_values").order_by("path"))
    features = [
        {
            "type": "Feature",
            "geometry": {
                **(unit.geometry or {}),
                "coordinates": _round((unit.geometry or {}).get("coordinates")),
            },
            "properties": {
                "code": unit.code,
                "name": unit.display_name,
                "signals": figures.get(unit.path, "0"),
            },
        }
        for unit in sectors
    ]
    return {
        "type": "FeatureCollection",
        "attribution": boundary_attribution(u.geometry_source for u in sectors),
        "weeks": weeks[lo : hi + 1],
        "total": _range_value(table.week_totals[lo : hi + 1], table.total, whole),
        "features": features,
    }


# --- Response times per responder organisation ----------------------------------------------------------


@dataclass
class ResponderRow:
    organisation: str  # the responder organisation's name
    code: str
    assigned: str  # a count, or "<5"
    verify_median: str  # hours, "" when fewer than 5
    verify_p90: str
    respond_median: str
    respond_p90: str
    within_deadline: str  # %, of the assigned signals whose deadline has passed or that were responded to
    overdue: int  # open now and past the deadline


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (numpy's default, R's type 7)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    below = int(pos)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (pos - below)


def _hours(values: list[float], q: float) -> str:
    return f"{_quantile(values, q):.1f}" if len(values) >= THRESHOLD else ""


def response_times(
    *, user: policy.Actor, since: dt.date, now: dt.datetime | None = None
) -> list[ResponderRow]:
    """Per responder organisation, over the signals the user sees received since `since` and assigned to
    it: how many; median and 90th percentile hours from receipt to verification and from receipt to the
    start of the response; % responded to by the deadline (of those responded to or already past it); how
    many are overdue now. Fewer than 5 signals: "<5" and no figures (the overdue count is the user's own
    work list, shown as it is)."""
    now = now or timezone.now()
    qs = (
        signals_visible_to(user=user)
        .filter(created_at__date__gte=since, assigned_to__isnull=False)
        .select_related(None)
        .select_related("assigned_to")
        .defer("description", "reporter")
    )
    by_org: dict[int, tuple[Organisation, list[Signal]]] = {}
    for signal in qs:
        if signal.assigned_to is not None:
            by_org.setdefault(signal.assigned_to.pk, (signal.assigned_to, []))[1].append(signal)
    out: list[ResponderRow] = []
    for org, signals in sorted(by_org.values(), key=lambda group: group[0].name):
        n = len(signals)
        verify = [(s.verified_at - s.created_at).total_seconds() / 3600 for s in signals if s.verified_at]
        respond = [(s.responded_at - s.created_at).total_seconds() / 3600 for s in signals if s.responded_at]
        judged = [s for s in signals if s.due_at and (s.responded_at or s.due_at < now)]
        on_time = sum(1 for s in judged if s.responded_at and s.due_at and s.responded_at <= s.due_at)
        small = n < THRESHOLD
        out.append(
            ResponderRow(
                organisation=org.name,
                code=org.code,
                assigned=PRIMARY if small else str(n),
                verify_median="" if small else _hours(verify, 0.5),
                verify_p90="" if small else _hours(verify, 0.9),
                respond_median="" if small else _hours(respond, 0.5),
                respond_p90="" if small else _hours(respond, 0.9),
                within_deadline="" if small or len(judged) < THRESHOLD else _pct(on_time, len(judged)),
                overdue=sum(1 for s in signals if is_overdue(s, now)),
            )
        )
    return out


# --- NAP P2.O3 indicators (per month and district, suppressed) -------------------------------------------


@dataclass
class IndicatorRow:
    month: str  # YYYYMM (DHIS2's monthly period code)
    district: str
    received: str  # a count, or "<5"
    verified_within_24h: str  # a percentage, or "" when fewer than 5 signals
    responded_within_deadline: str
    alarms: int = 0  # statistical alarms raised (about counts, not about anyone: not suppressed)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}" if whole else ""


def nap_indicators(*, user: policy.Actor, since: dt.date) -> list[IndicatorRow]:
    """NAP P2.O3 by month (of receipt) and district, over the signals the user sees received since `since`,
    counted as `publishing.nap_publish` counts them (statistical alarms apart): signals received; % verified
    within 24 h of receipt; % of the assigned ones responded to by their deadline; alarms raised. A month
    and district with fewer than 5 signals shows "<5" and no percentages."""
    from .publishing import ALARMS, ASSIGNED, ON_TIME, RECEIVED, VERIFIED_24H, p2o3_counts

    buckets: dict[tuple[str, str], list[Signal]] = {}
    qs = signals_visible_to(user=user).filter(created_at__date__gte=since)
    for signal in qs.select_related(None).select_related("type", "org_unit").defer("description", "reporter"):
        parts = signal.org_unit.path.strip("/").split("/")
        district = "/" + "/".join(parts[:3]) + "/"
        month = timezone.localtime(signal.created_at).strftime("%Y%m")
        buckets.setdefault((month, district), []).append(signal)
    names = dict(OrgUnit.objects.filter(path__in={d for _, d in buckets}).values_list("path", "name"))
    out: list[IndicatorRow] = []
    for (month, district), signals in sorted(
        buckets.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))
    ):
        c = p2o3_counts(signals)
        n = c[RECEIVED]
        small = 0 < n < THRESHOLD
        out.append(
            IndicatorRow(
                month,
                names.get(district, district),
                PRIMARY if small else str(n),
                "" if small else _pct(c[VERIFIED_24H], n),
                _pct(c[ON_TIME], c[ASSIGNED]) if c[ASSIGNED] >= THRESHOLD else "",
                c[ALARMS],
            )
        )
    return out
