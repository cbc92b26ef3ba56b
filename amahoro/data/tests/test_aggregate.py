"""Aggregates of data values imported through the data app, read through amahoro.analytics.engine (the one
aggregation path since the ORM's aggregate_values was removed): the figures frameworks progress and
participation read, per period, org unit and option combo, rolled up to a level, in total, per user, and
for AVERAGE and LAST data elements. Expected values are worked out by hand from the imported rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from amahoro.analytics import engine
from amahoro.data import services
from amahoro.geo.models import OrgUnit

pytestmark = pytest.mark.django_db
Y2024 = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}


def put(actor: Any, *rows: tuple[str, str, str, str, str | None]) -> None:
    values = [
        {
            "dataElement": de,
            "period": pe,
            "orgUnit": unit,
            "value": value,
            **({"categoryOptionCombo": coc} if coc else {}),
        }
        for de, pe, unit, value, coc in rows
    ]
    summary = services.datavalues_import(actor=actor, payload={"dataValues": values})
    assert summary.status == "SUCCESS", summary.as_dict()


@pytest.fixture
def values(cast, meta) -> None:
    put(
        cast.sysadmin,
        ("GBV_CASES", "202401", "110101", "1", "F"),
        ("GBV_CASES", "202401", "110102", "2", "F"),
        ("GBV_CASES", "202401", "110101", "4", "M"),
        ("GBV_CASES", "202402", "1102", "8", "F"),
        ("GBV_CASES", "202402", "1201", "16", "F"),
        ("GBV_CASES", "202301", "1101", "32", "F"),  # outside the range
    )


def test_sum_by_period_org_unit_and_combo(cast, meta, values) -> None:
    rows = engine.aggregate(
        data_element_ids=[meta.cases.pk],
        group_by=("data_element", "period", "org_unit", "category_option_combo"),
        org_unit_paths=[OrgUnit.objects.get(code="11").path],
        **Y2024,
    )
    got = {(r["period"], r["org_unit"], r["category_option_combo"]): r["value"] for r in rows}
    assert {r["data_element"] for r in rows} == {meta.cases.pk}
    assert got == {
        ("202401", "110101", meta.female.pk): 1.0,
        ("202401", "110102", meta.female.pk): 2.0,
        ("202401", "110101", meta.male.pk): 4.0,
        ("202402", "1102", meta.female.pk): 8.0,
    }


def test_roll_up_to_a_level(cast, meta, values) -> None:
    sector_level = OrgUnit.objects.get(code="1101").depth
    dim = f"org_unit_level:{sector_level}"
    rows = engine.aggregate(data_element_ids=[meta.cases.pk], group_by=(dim,), **Y2024)
    assert {r[dim]: (r["value"], r["count"]) for r in rows} == {
        "1101": (7.0, 3),
        "1102": (8.0, 1),
        "1201": (16.0, 1),
    }
    district = f"org_unit_level:{OrgUnit.objects.get(code='11').depth}"
    rows = engine.aggregate(data_element_ids=[meta.cases.pk], group_by=("period", district), **Y2024)
    assert {(r["period"], r[district]): r["value"] for r in rows} == {
        ("202401", "11"): 7.0,
        ("202402", "11"): 8.0,
        ("202402", "12"): 16.0,
    }


def test_total_without_dimensions_and_user_scoping(cast, meta, values) -> None:
    everything = engine.aggregate(data_element_ids=[meta.cases.pk], org_unit_paths=["/RW/"], **Y2024)
    assert [(r["value"], r["count"]) for r in everything] == [(31.0, 5)]
    mine = engine.aggregate(data_element_ids=[meta.cases.pk], user=cast.me_gasabo, **Y2024)
    assert [r["value"] for r in mine] == [16.0]
    assert engine.aggregate(data_element_ids=[meta.cases.pk], user=cast.nobody, **Y2024) == []


def test_average_and_last_value(cast, meta) -> None:
    meta.population.aggregation_type = "AVERAGE"
    meta.population.save()
    meta.percent.aggregation_type = "LAST"
    meta.percent.save()
    put(
        cast.sysadmin,
        ("POP", "202401", "1101", "10", None),
        ("POP", "202402", "1101", "20", None),
        ("PCT", "202401", "1101", "10", None),
        ("PCT", "202403", "1101", "30", None),
        ("PCT", "202402", "1102", "50", None),
    )
    rows = engine.aggregate(
        data_element_ids=[meta.population.pk, meta.percent.pk], group_by=("data_element",), **Y2024
    )
    got = {r["data_element"]: r["value"] for r in rows}
    assert got == {meta.population.pk: 15.0, meta.percent.pk: 80.0}  # last of 1101 (30) + last of 1102 (50)


def test_unknown_dimension_is_refused(meta) -> None:
    with pytest.raises(engine.InvalidQuery, match="unknown dimension 'sex'"):
        engine.aggregate(data_element_ids=[meta.cases.pk], group_by=("sex",), **Y2024)
