"""A small generated data set (sectors of three districts, six months, sex x age) and a store per test."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from amahoro.analytics import engine


@pytest.fixture
def analytics_store(settings: Any, tmp_path: Path) -> Path:
    """A store in a temporary directory; no query overlap, so a test sees exactly what the files hold plus
    what changed after the refresh."""
    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = str(tmp_path / "analytics")
    settings.AMAHORO_ANALYTICS_QUERY_OVERLAP = 0
    settings.AMAHORO_ANALYTICS_REFRESH_OVERLAP = 0
    engine.forget_cache()
    yield tmp_path / "analytics"
    engine.forget_cache()


@dataclass
class Dataset:
    sum_de: Any
    other_sum_de: Any
    average_de: Any
    last_de: Any
    combo: Any
    cocs: dict[tuple[str, str], Any]  # (sex, age) -> option combo
    default_coc: Any
    sectors: list[Any]
    months: list[Any]  # Period rows 202401..202406
    quarter: Any  # 2024Q1, holding a few values of sum_de too
    values: list[Any] = field(default_factory=list)


def _option(code: str) -> Any:
    from amahoro.metadata.models import CategoryOption

    return CategoryOption.objects.get_or_create(code=code, defaults={"name": code})[0]


def _category(code: str, options: list[str]) -> Any:
    from amahoro.metadata.models import Category, CategoryOptionMembership

    category = Category.objects.get_or_create(code=code, defaults={"name": code})[0]
    for i, opt in enumerate(options):
        CategoryOptionMembership.objects.get_or_create(
            category=category, option=_option(opt), defaults={"sort_order": i}
        )
    return category


def _combo(code: str, categories: list[Any]) -> Any:
    from amahoro.metadata.models import CategoryCombo, CategoryComboMembership

    combo = CategoryCombo.objects.get_or_create(code=code, defaults={"name": code})[0]
    for i, category in enumerate(categories):
        CategoryComboMembership.objects.get_or_create(
            combo=combo, category=category, defaults={"sort_order": i}
        )
    return combo


def _coc(combo: Any, options: list[str]) -> Any:
    from amahoro.metadata.models import CategoryOptionCombo

    code = "_".join(options) or "default"
    coc, created = CategoryOptionCombo.objects.get_or_create(
        combo=combo, code=code, defaults={"name": code, "option_key": "|".join(options)}
    )
    if created and options:
        coc.options.set([_option(o) for o in options])
    return coc


def make_dataset(*, seed: int = 7) -> Dataset:
    from amahoro.data.models import DataValue, Period
    from amahoro.geo.models import OrgUnit
    from amahoro.metadata.models import AggregationType, DataElement

    rng = random.Random(seed)
    sex = _category("SEX", ["F", "M"])
    age = _category("AGE", ["Y15_24", "Y25_49"])
    combo = _combo("SEX_AGE", [sex, age])
    cocs = {(s, a): _coc(combo, [s, a]) for s in ("F", "M") for a in ("Y15_24", "Y25_49")}
    default_coc = _coc(_combo("default", []), [])

    def de(code: str, kind: str) -> Any:
        return DataElement.objects.create(code=code, name=code, category_combo=combo, aggregation_type=kind)

    sum_de, other_sum_de = de("AN_SUM", AggregationType.SUM), de("AN_SUM2", AggregationType.SUM)
    average_de, last_de = de("AN_AVG", AggregationType.AVERAGE), de("AN_LAST", AggregationType.LAST)
    sectors = list(OrgUnit.objects.filter(code__in=["1101", "1102", "1201", "1202", "2101"]).order_by("code"))
    months = [
        Period.objects.get_or_create(
            code=f"2024{m:02d}",
            defaults={
                "type": "Monthly",
                "start": date(2024, m, 1),
                "end": date(2024, m, calendar.monthrange(2024, m)[1]),
            },
        )[0]
        for m in range(1, 7)
    ]
    quarter = Period.objects.get_or_create(
        code="2024Q1", defaults={"type": "Quarterly", "start": date(2024, 1, 1), "end": date(2024, 3, 31)}
    )[0]
    data = Dataset(
        sum_de, other_sum_de, average_de, last_de, combo, cocs, default_coc, sectors, months, quarter
    )
    rows = []
    for element in (sum_de, other_sum_de, average_de, last_de):
        for ou in sectors:
            for p in months:
                for coc in cocs.values():
                    if rng.random() < 0.15:
                        continue  # some cells are empty
                    n = rng.randint(0, 40)
                    rows.append(
                        DataValue(
                            data_element=element,
                            org_unit=ou,
                            period=p,
                            category_option_combo=coc,
                            attribute_option_combo=default_coc,
                            value=str(n),
                            numeric_value=float(n),
                        )
                    )
    for ou in sectors[:2]:
        rows.append(
            DataValue(
                data_element=sum_de,
                org_unit=ou,
                period=quarter,
                category_option_combo=cocs[("F", "Y15_24")],
                attribute_option_combo=default_coc,
                value="100",
                numeric_value=100.0,
            )
        )
    # Noise the engine must ignore: a soft-deleted value and a text value.
    rows.append(
        DataValue(
            data_element=sum_de,
            org_unit=sectors[0],
            period=months[0],
            category_option_combo=default_coc,
            attribute_option_combo=default_coc,
            value="999",
            numeric_value=999.0,
            deleted=True,
        )
    )
    rows.append(
        DataValue(
            data_element=sum_de,
            org_unit=sectors[1],
            period=months[0],
            category_option_combo=default_coc,
            attribute_option_combo=default_coc,
            value="n/a",
            numeric_value=None,
        )
    )
    data.values = DataValue.objects.bulk_create(rows)
    return data


@pytest.fixture
def dataset(db: Any) -> Dataset:
    return make_dataset()
