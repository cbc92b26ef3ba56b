"""The weekly detectors: each active `Detector` runs its method (alarms.py) over the weekly counts of signals
per place at its level, and an alarm in the latest complete ISO week becomes a signal of type
`statistical_alarm` (source "detector"), routed like the others. Run by `amahoro ewer_detect` (cron or
Celery beat, weekly); running it twice in a week stores nothing twice (the source reference names the
detector, the place and the week).

Counts are signals by the ISO week of `occurred_on`, of the detector's type (all types but alarms when it
has none), discarded signals left out; or, for a detector over a data element, the element's values summed by
ISO week and place through the analytics engine (weekly values; whole numbers only)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from amahoro import policy
from amahoro.analytics import engine
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit, ancestor_paths
from amahoro.metadata.models import DataElement
from amahoro.metadata.periods import Period, period_for_date

from . import alarms
from .models import Detector, Method, Signal, SignalStatus, Source
from .services import signal_create

log = logging.getLogger(__name__)

ALARM_TYPE = "statistical_alarm"


@dataclass
class DetectorRun:
    detector: str
    week: str
    places: int = 0
    alarms: list[str] = field(default_factory=list)  # org-unit codes with a new or existing alarm signal
    skipped: str = ""  # why the detector did not run


def latest_complete_week(today: dt.date) -> Period:
    """The ISO week before the one `today` is in."""
    return period_for_date("Weekly", today).previous()


def _weeks_needed(detector: Detector) -> int:
    params = detector.params or {}
    if detector.method == Method.FARRINGTON_FLEXIBLE:
        b = params.get("b", alarms.FARRINGTON_DEFAULTS["b"])
        w = params.get("w", alarms.FARRINGTON_DEFAULTS["w"])
        # b years back can be 53 weeks each; w weeks around the oldest reference week.
        return int(b) * 53 + int(w) + 1 if isinstance(b, int) and isinstance(w, int) else 0
    baseline = params.get("baseline", 7)
    method = detector.method[-2:].upper()
    return alarms.ears_first_index(method, baseline) + 1 if isinstance(baseline, int) else 0


def weekly_signal_counts(
    *, detector: Detector, units: list[OrgUnit], weeks: list[Period]
) -> dict[int, list[int]]:
    """Signals per place (a unit of `units` or below it) and ISO week of occurred_on, oldest week first."""
    counts = {unit.pk: [0] * len(weeks) for unit in units}
    by_path = {unit.path: unit.pk for unit in units}
    qs = Signal.objects.filter(occurred_on__gte=weeks[0].start, occurred_on__lte=weeks[-1].end).exclude(
        status=SignalStatus.DISCARDED
    )
    if detector.signal_type_id:
        qs = qs.filter(type_id=detector.signal_type_id)
    else:
        qs = qs.exclude(source=Source.DETECTOR)  # alarms do not count themselves
    first = weeks[0].start
    for path, day in qs.values_list("org_unit__path", "occurred_on"):
        unit_id = next((by_path[p] for p in ancestor_paths(path) if p in by_path), None)
        if unit_id is not None:
            counts[unit_id][(day - first).days // 7] += 1
    return counts


def weekly_data_element_counts(
    *, element: DataElement, level: int, units: list[OrgUnit], weeks: list[Period]
) -> dict[int, list[int]]:
    """The element's values summed per place at `level` and ISO week (analytics.engine); ValueError when a
    sum is not a whole number (the methods count)."""
    counts = {unit.pk: [0] * len(weeks) for unit in units}
    by_code = {unit.code: unit.pk for unit in units}
    index = {week.code: i for i, week in enumerate(weeks)}
    place = f"org_unit_level:{level}"
    rows = engine.aggregate(
        data_element_ids=[element.pk],
        start=weeks[0].start,
        end=weeks[-1].end,
        group_by=["period:Weekly", place],
        aggregation="SUM",
    )
    for row in rows:
        unit_id, i = by_code.get(row[place]), index.get(row["period:Weekly"])
        if unit_id is None or i is None or row["value"] is None:
            continue
        value = float(row["value"])
        if not value.is_integer() or value < 0:
            raise ValueError(
                f"{element.code} has a value that is not a count ({value:g} in {row['period:Weekly']})"
            )
        counts[unit_id][i] = int(value)
    return counts


def _evaluate(detector: Detector, series: list[int], weeks: list[Period]) -> alarms.AlarmResult:
    last = len(series) - 1
    params = dict(detector.params or {})
    if detector.method == Method.FARRINGTON_FLEXIBLE:
        dates = [week.start for week in weeks]
        return alarms.farrington_flexible(series, dates, params=params, evaluate=(last, last))[0]
    unknown = sorted(set(params) - {"baseline", "alpha", "minSigma"})
    if unknown:
        raise alarms.AlarmInputError(f"unknown parameter {unknown[0]!r}", field=f"params.{unknown[0]}")
    return alarms.ears(
        series,
        method=detector.method[-2:].upper(),
        baseline=params.get("baseline", 7),
        alpha=params.get("alpha", 0.001),
        min_sigma=params.get("minSigma", 0),
        evaluate=(last, last),
    )[0]


def detector_run(*, detector: Detector, today: dt.date | None = None) -> DetectorRun:
    """Run one detector for the latest complete week before `today`; alarms become signals (once)."""
    week = latest_complete_week(today or timezone.localdate())
    run = DetectorRun(detector=detector.name, week=week.code)
    element = None
    if detector.data_element_code:
        element = DataElement.objects.filter(code=detector.data_element_code).first()
        if element is None:
            run.skipped = f"unknown data element {detector.data_element_code}"
            return run
    needed = _weeks_needed(detector)
    if needed <= 0:
        run.skipped = "its parameters are not whole numbers"
        return run
    weeks = [week]
    while len(weeks) < needed:
        weeks.insert(0, weeks[0].previous())
    units = list(
        OrgUnit.objects.select_related("level").filter(level__level=detector.level, closed_on__isnull=True)
    )
    if element is None:
        counts = weekly_signal_counts(detector=detector, units=units, weeks=weeks)
    else:
        try:
            counts = weekly_data_element_counts(
                element=element, level=detector.level, units=units, weeks=weeks
            )
        except ValueError as exc:
            run.skipped = str(exc)
            return run
    for unit in units:
        series = counts[unit.pk]
        if series[-1] == 0:
            continue  # no method raises an alarm on a zero count
        run.places += 1
        try:
            result = _evaluate(detector, series, weeks)
        except alarms.AlarmInputError as exc:
            run.skipped = f"{exc.field}: {exc.message}"
            return run
        if not result.alarm:
            continue
        upper = f"{result.upperbound:.1f}" if result.upperbound is not None else "?"
        try:
            signal_create(
                actor=policy.SYSTEM,
                type=ALARM_TYPE,
                org_unit=unit,
                occurred_on=week.end,
                description=(
                    f"{detector.name} ({detector.get_method_display()}): {result.observed} "
                    f"{'signals' if element is None else element.code} in {week.code}, above the upper "
                    f"bound {upper}."
                ),
                source=Source.DETECTOR,
                source_ref=f"{detector.uuid}:{unit.code}:{week.code}",
            )
        except ValidationFailed as exc:
            run.skipped = f"{exc.field}: {exc.message}"
            return run
        run.alarms.append(unit.code)
    detector.last_run_at = timezone.now()
    detector.save(update_fields=["last_run_at", "updated_at"])
    return run


def detectors_run(today: dt.date | None = None) -> list[DetectorRun]:
    """Every active detector (the weekly job; idempotent within a week)."""
    runs = []
    for detector in Detector.objects.filter(is_active=True).select_related("signal_type"):
        run = detector_run(detector=detector, today=today)
        if run.skipped:
            log.warning("detector %s skipped: %s", detector.uuid, run.skipped)
        runs.append(run)
    return runs
