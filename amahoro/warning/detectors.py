"""The weekly detectors: each active `Detector` runs its method (alarms.py) over the weekly counts of signals
per place at its level, and an alarm in the latest complete ISO week becomes a signal of type
`statistical_alarm` (source "detector"), routed like the others. Run by `amahoro ewer_detect` (cron or
Celery beat, weekly); running it twice in a week stores nothing twice (the source reference names the
detector, the place and the week).

Counts are signals by the ISO week of `occurred_on`, of the detector's type (all types but alarms when it
has none), discarded signals left out. Detectors over a data element are not run yet (skipped, reported)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit, ancestor_paths
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
    if detector.data_element_code:
        run.skipped = "detectors over a data element are not supported yet"
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
    counts = weekly_signal_counts(detector=detector, units=units, weeks=weeks)
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
                    f"{detector.name} ({detector.get_method_display()}): {result.observed} signals in "
                    f"{week.code}, above the upper bound {upper}."
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
