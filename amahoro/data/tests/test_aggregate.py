"""aggregate_values(): the ORM aggregation frameworks progress and analytics read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from amahoro.data import services
from amahoro.data.selectors import aggregate_values
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
    rows = aggregate_values(
        data_element_ids=[meta.cases.pk], org_unit_path=OrgUnit.objects.get(code="11").path, **Y2024
    )
    got = {(r["period"], r["org_unit_id"], r["category_option_combo_id"]): r["value"] for r in rows}
    ids = dict(OrgUnit.objects.filter(code__in=["110101", "110102", "1102"]).values_list("code", "pk"))
    assert got == {
        ("202401", ids["110101"], meta.female.pk): 1.0,
        ("202401", ids["110102"], meta.female.pk): 2.0,
        ("202401", ids["110101"], meta.male.pk): 4.0,
        ("202402", ids["1102"], meta.female.pk): 8.0,
    }


def test_roll_up_to_a_level(cast, meta, values) -> None:
    sector_level = OrgUnit.objects.get(code="1101").depth
    rows = aggregate_values(
        data_element_ids=[meta.cases.pk], org_unit_path="/RW/", by=("org_unit",), level=sector_level, **Y2024
    )
    got = {OrgUnit.objects.get(pk=r["org_unit_id"]).code: (r["value"], r["count"]) for r in rows}
    assert got == {"1101": (7.0, 3), "1102": (8.0, 1), "1201": (16.0, 1)}
    district_level = OrgUnit.objects.get(code="11").depth
    rows = aggregate_values(
        data_element_ids=[meta.cases.pk],
        org_unit_path="/RW/",
        by=("period", "org_unit"),
        level=district_level,
        **Y2024,
    )
    got2 = {(r["period"], OrgUnit.objects.get(pk=r["org_unit_id"]).code): r["value"] for r in rows}
    assert got2 == {("202401", "11"): 7.0, ("202402", "11"): 8.0, ("202402", "12"): 16.0}


def test_total_without_dimensions_and_user_scoping(cast, meta, values) -> None:
    everything = aggregate_values(data_element_ids=[meta.cases.pk], org_unit_path="/RW/", by=(), **Y2024)
    assert [(r["value"], r["count"]) for r in everything] == [(31.0, 5)]
    mine = aggregate_values(
        data_element_ids=[meta.cases.pk], org_unit_path="/RW/", by=(), user=cast.me_gasabo, **Y2024
    )
    assert [r["value"] for r in mine] == [16.0]


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
    rows = aggregate_values(
        data_element_ids=[meta.population.pk, meta.percent.pk], org_unit_path="/RW/", by=(), **Y2024
    )
    got = {r["data_element_id"]: r["value"] for r in rows}
    assert got == {meta.population.pk: 15.0, meta.percent.pk: 80.0}  # last of 1101 (30) + last of 1102 (50)


def test_unknown_dimension_is_refused(meta) -> None:
    with pytest.raises(ValueError, match="unknown dimensions"):
        aggregate_values(data_element_ids=[meta.cases.pk], org_unit_path="/RW/", by=("sex",), **Y2024)
