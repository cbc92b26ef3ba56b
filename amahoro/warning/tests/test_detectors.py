"""The weekly detectors: signal counts per district and ISO week, the method over them, and an alarm in the
latest complete week stored once as a `statistical_alarm` signal of source "detector" for that district."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from amahoro.warning.detectors import detector_run, detectors_run, latest_complete_week
from amahoro.warning.models import Detector, Signal, SignalType, Source

from .conftest import create


@pytest.fixture
def alarm_type(ec: Any) -> Any:
    return SignalType.objects.create(code="statistical_alarm", name="Statistical alarm")


def _seed(weeks_back_counts: list[int], today: date, place: str = "1101") -> None:
    """weeks_back_counts[0] signals in the latest complete week, [1] the week before, and so on."""
    week = latest_complete_week(today)
    for back, n in enumerate(weeks_back_counts):
        monday = week.start - timedelta(weeks=back)
        for i in range(n):
            create(
                org_unit=place,
                occurred_on=monday + timedelta(days=i % 7),
                source="api",
                source_ref=f"seed-{place}-{back}-{i}",
            )


def test_an_ears_alarm_becomes_one_signal_for_the_district(ec: Any, alarm_type: Any) -> None:
    today = date.today()
    _seed([6, 1, 1, 2, 1, 1, 2, 1], today)
    detector = Detector.objects.create(name="GBV weekly", method="ears_c1", signal_type=ec.gbv, level=3)
    run = detector_run(detector=detector, today=today)
    assert run.skipped == "" and run.alarms == ["11"] and run.places == 1
    alarm = Signal.objects.get(source=Source.DETECTOR)
    week = latest_complete_week(today)
    assert (alarm.type, alarm.org_unit.code, alarm.occurred_on) == (alarm_type, "11", week.end)
    assert alarm.source_ref == f"{detector.uuid}:11:{week.code}"
    assert "6 signals" in alarm.description
    # Running again in the same week stores nothing twice.
    assert detector_run(detector=detector, today=today).alarms == ["11"]
    assert Signal.objects.filter(source=Source.DETECTOR).count() == 1
    detector.refresh_from_db()
    assert detector.last_run_at is not None


def test_no_alarm_at_the_usual_level_and_other_types_do_not_count(ec: Any, alarm_type: Any) -> None:
    today = date.today()
    _seed([1, 1, 1, 2, 1, 1, 2, 1], today)
    detector = Detector.objects.create(name="Land", method="ears_c1", signal_type=ec.land, level=3)
    usual = Detector.objects.create(name="All", method="ears_c2", level=3)
    runs = {r.detector: r for r in detectors_run(today=today)}
    assert runs["Land"].places == 0 and runs["Land"].alarms == []
    assert runs["All"].alarms == []
    assert not Signal.objects.filter(source=Source.DETECTOR).exists()
    assert detector and usual


def test_bad_parameters_are_skipped_with_a_reason(ec: Any, alarm_type: Any, capsys: Any) -> None:
    today = date.today()
    _seed([6, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1], today)
    Detector.objects.create(name="Bad", method="ears_c1", params={"lag": 2}, level=3)
    call_command("ewer_detect", today=today)
    out = capsys.readouterr().out
    assert "Bad: skipped (params.lag" in out


def test_a_data_element_detector_counts_weekly_values_through_the_analytics_engine(
    ec: Any, alarm_type: Any
) -> None:
    from amahoro.data.importing import default_option_combo
    from amahoro.data.models import DataValue, Period
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import AggregationType, DataElement

    today = date.today()
    coc = default_option_combo()
    element = DataElement.objects.create(
        code="EWER_WK", name="Weekly tensions", aggregation_type=AggregationType.SUM, category_combo=coc.combo
    )
    sector = OrgUnit.objects.get(code="1101")
    week = latest_complete_week(today)
    weeks = [week]
    while len(weeks) < 8:
        weeks.insert(0, weeks[0].previous())
    for p, n in zip(weeks, [2, 3, 2, 2, 3, 2, 2, 15], strict=True):
        period = Period.objects.get_or_create(
            code=p.code, defaults={"type": "Weekly", "start": p.start, "end": p.end}
        )[0]
        DataValue.objects.create(
            data_element=element,
            org_unit=sector,
            period=period,
            category_option_combo=coc,
            attribute_option_combo=coc,
            value=str(n),
            numeric_value=float(n),
        )
    detector = Detector.objects.create(
        name="Tensions", method="ears_c1", data_element_code="EWER_WK", level=3
    )
    run = detector_run(detector=detector, today=today)
    assert run.skipped == "" and run.alarms == ["11"]
    assert "15 EWER_WK" in Signal.objects.get(source=Source.DETECTOR).description
    unknown = Detector.objects.create(name="Unknown", method="ears_c1", data_element_code="NOPE", level=3)
    assert detector_run(detector=unknown, today=today).skipped == "unknown data element NOPE"


def test_beat_runs_the_detectors_weekly() -> None:
    from django.conf import settings

    from amahoro.core.tasks import resolve

    entry = settings.CELERY_BEAT_SCHEDULE["ewer-detectors-run"]
    assert entry["args"] == ["amahoro.warning.detectors.detectors_run"]
    assert resolve(entry["args"][0]) is detectors_run
    assert entry["schedule"].day_of_week == {1}
