"""aggregate() against the plain ORM, freshness without a refresh, incremental refresh and folding, scope,
and bad arguments."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from django.db.models import Count, F, Sum

from amahoro.analytics import engine, store
from amahoro.analytics.engine import InvalidQuery, aggregate
from amahoro.core.errors import ValidationFailed
from amahoro.data.models import DataValue

from .conftest import Dataset

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}


def orm_by_district_month_sex(
    de_ids: list[int], **filters: Any
) -> dict[tuple[str, str, str], tuple[float, int]]:
    """The reference: plain ORM values().annotate(Sum), monthly periods only, rolled up to district."""
    rows = (
        DataValue.objects.filter(
            data_element_id__in=de_ids,
            deleted=False,
            numeric_value__isnull=False,
            period__start__gte=H1["start"],
            period__end__lte=H1["end"],
            category_option_combo__options__categories__code="SEX",
            **filters,
        )
        .values(
            district=F("org_unit__parent__code"),
            start=F("period__start"),
            sex=F("category_option_combo__options__code"),
        )
        .annotate(total=Sum("numeric_value"), n=Count("id"))
    )
    return {(r["district"], r["start"].strftime("%Y-%m"), r["sex"]): (r["total"], r["n"]) for r in rows}


def as_map(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], tuple[float, int]]:
    return {tuple(r[k] for k in keys): (r["value"], r["count"]) for r in rows}


def test_sum_by_district_month_sex_equals_the_orm(dataset: Dataset, analytics_store: Any) -> None:
    result = store.refresh()
    assert result.kind == "full"
    assert result.base_rows == DataValue.objects.filter(deleted=False, numeric_value__isnull=False).count()
    ids = [dataset.sum_de.pk, dataset.other_sum_de.pk]
    rows = aggregate(
        data_element_ids=ids, group_by=["district", "month", "category_option"], category="SEX", **H1
    )
    expected = orm_by_district_month_sex(ids)
    assert as_map(rows, "district", "month", "category_option") == expected
    assert {r["district"] for r in rows} == {"11", "12", "21"}
    # Sorted by the group keys.
    assert rows == sorted(rows, key=lambda r: (r["district"], r["month"], r["category_option"]))


def test_period_and_period_type_and_province(dataset: Dataset, analytics_store: Any) -> None:
    ids = [dataset.sum_de.pk]
    # The quarterly values count when no period type is given (grouped by their own code)...
    by_period = as_map(aggregate(data_element_ids=ids, group_by=["period"], **H1), "period")
    assert by_period[("2024Q1",)] == (200.0, 2)
    # ...and not when the query keeps monthly periods.
    monthly = aggregate(data_element_ids=ids, group_by=["period"], period_type="monthly", **H1)
    assert "2024Q1" not in {r["period"] for r in monthly}
    total = aggregate(data_element_ids=ids, period_type="Monthly", **H1)
    assert total[0]["value"] == sum(
        v for v, _ in orm_by_district_month_sex(ids, period__type="Monthly").values()
    )
    provinces = aggregate(
        data_element_ids=ids, group_by=["province", "org_unit_level:3"], period_type="Monthly", **H1
    )
    assert {(r["province"], r["org_unit_level:3"]) for r in provinces} == {
        ("1", "11"),
        ("1", "12"),
        ("2", "21"),
    }


def test_average_and_last(dataset: Dataset, analytics_store: Any) -> None:
    live = DataValue.objects.filter(deleted=False, numeric_value__isnull=False, org_unit__parent__code="11")
    avg_rows = aggregate(data_element_ids=[dataset.average_de.pk], group_by=["district"], **H1)
    numbers = list(live.filter(data_element=dataset.average_de).values_list("numeric_value", flat=True))
    assert as_map(avg_rows, "district")[("11",)] == pytest.approx((sum(numbers) / len(numbers), len(numbers)))

    # LAST: each place and combo's latest month, added up.
    latest: dict[tuple[int, int], tuple[date, float]] = {}
    for ou, coc, start, value in live.filter(data_element=dataset.last_de).values_list(
        "org_unit_id", "category_option_combo_id", "period__start", "numeric_value"
    ):
        if (ou, coc) not in latest or start > latest[(ou, coc)][0]:
            latest[(ou, coc)] = (start, value)
    last_rows = aggregate(data_element_ids=[dataset.last_de.pk], group_by=["district"], **H1)
    assert as_map(last_rows, "district")[("11",)] == (sum(v for _, v in latest.values()), len(latest))

    # Mixed aggregation types need aggregation= or a data_element group.
    with pytest.raises(InvalidQuery, match="aggregate differently"):
        aggregate(data_element_ids=[dataset.sum_de.pk, dataset.average_de.pk], **H1)
    both = aggregate(
        data_element_ids=[dataset.sum_de.pk, dataset.average_de.pk], group_by=["data_element"], **H1
    )
    assert {r["data_element"] for r in both} == {dataset.sum_de.pk, dataset.average_de.pk}
    forced = aggregate(
        data_element_ids=[dataset.sum_de.pk, dataset.average_de.pk],
        aggregation="sum",
        period_type="Monthly",
        **H1,
    )
    expected = orm_by_district_month_sex([dataset.sum_de.pk, dataset.average_de.pk], period__type="Monthly")
    assert forced[0]["value"] == sum(v for v, _ in expected.values())


def _total(dataset: Dataset, **kw: Any) -> float:
    rows = aggregate(data_element_ids=[dataset.sum_de.pk], period_type="Monthly", **H1, **kw)
    return rows[0]["value"] if rows else 0.0


def test_a_value_saved_after_the_snapshot_counts_at_once(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    before = _total(dataset)
    new = DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=dataset.sectors[0],
        period=dataset.months[0],
        category_option_combo=dataset.default_coc,
        attribute_option_combo=dataset.cocs[("F", "Y15_24")],
        value="5",
        numeric_value=5.0,
    )
    assert _total(dataset) == before + 5
    # An edit replaces the stored value rather than adding to it.
    changed = DataValue.objects.filter(
        data_element=dataset.sum_de, period=dataset.months[1], deleted=False
    ).first()
    assert changed is not None
    changed.numeric_value, changed.value = changed.numeric_value + 1000, str(changed.numeric_value + 1000)
    changed.save()
    assert _total(dataset) == before + 5 + 1000
    # A soft delete takes the value out; a value turned to text too.
    new.deleted = True
    new.save()
    changed.numeric_value, changed.value = None, "unknown"
    changed.save()
    assert _total(dataset) == before - _original(dataset, changed.pk)


def _original(dataset: Dataset, pk: int) -> float:
    return next(v.numeric_value for v in dataset.values if v.pk == pk)


def test_soft_deleted_value_disappears_without_refresh(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    victim = DataValue.objects.filter(data_element=dataset.sum_de, deleted=False, numeric_value__gt=0).first()
    assert victim is not None
    before = _total(dataset)
    victim.deleted = True
    victim.save()
    assert _total(dataset) == before - victim.numeric_value


def test_incremental_refresh_then_fold_keep_the_same_answers(
    dataset: Dataset, analytics_store: Any, settings: Any
) -> None:
    store.refresh()
    reference = aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1)
    victim = DataValue.objects.filter(data_element=dataset.sum_de, deleted=False).first()
    assert victim is not None
    victim.deleted = True
    victim.save()
    DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=dataset.sectors[2],
        period=dataset.months[2],
        category_option_combo=dataset.default_coc,
        attribute_option_combo=dataset.default_coc,
        value="7",
        numeric_value=7.0,
    )
    expected = aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1)
    assert expected != reference

    incremental = store.refresh()
    assert incremental.kind == "incremental" and incremental.delta_rows >= 2
    assert aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1) == expected

    settings.AMAHORO_ANALYTICS_FOLD_ROWS = 0
    folded = store.refresh()
    assert folded.kind == "fold" and folded.delta_rows == 0
    assert folded.base_rows == DataValue.objects.filter(deleted=False, numeric_value__isnull=False).count()
    assert aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1) == expected

    full = store.refresh(full=True)
    assert full.kind == "full" and full.base_rows == folded.base_rows
    assert aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1) == expected


def test_refreshes_never_overlap(dataset: Dataset, analytics_store: Any) -> None:
    with store.refresh_lock(store.store_dir(), wait=False) as held:
        assert held
        assert store.refresh().kind == "skipped"
    assert store.refresh().kind == "full"


def test_a_request_never_builds_the_store(dataset: Dataset, analytics_store: Any) -> None:
    """A fresh host answers from the database (the live path) and leaves building to the worker."""
    assert store.read_manifest(store.store_dir()) is None
    live_total = _total(dataset)
    assert live_total > 0
    assert store.read_manifest(store.store_dir()) is None
    assert not analytics_store.exists() or not any(analytics_store.iterdir())
    assert store.store_age_seconds() is None
    store.refresh()
    assert store.store_age_seconds() is not None and 0 <= store.store_age_seconds() < 60
    assert _total(dataset) == live_total


def test_org_unit_paths_restrict_to_subtrees(dataset: Dataset, analytics_store: Any) -> None:
    ids = [dataset.sum_de.pk]
    rows = aggregate(data_element_ids=ids, group_by=["district"], org_unit_paths=["/RW/1/11/"], **H1)
    assert [r["district"] for r in rows] == ["11"]
    two = aggregate(
        data_element_ids=ids, group_by=["org_unit"], org_unit_paths=["/RW/1/11/1101/", "/RW/2/"], **H1
    )
    assert {r["org_unit"] for r in two} == {"1101", "2101"}
    assert aggregate(data_element_ids=ids, group_by=["district"], org_unit_paths=[], **H1) == []
    whole = {r["district"]: r["value"] for r in aggregate(data_element_ids=ids, group_by=["district"], **H1)}
    assert rows[0]["value"] == whole["11"]


def test_user_scope_follows_the_policy(dataset: Dataset, analytics_store: Any, cast: Any) -> None:
    ids = [dataset.sum_de.pk]
    # A value owned by the NGO in district 11, on top of the shared ones.
    DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=dataset.sectors[0],
        period=dataset.months[0],
        category_option_combo=dataset.cocs[("F", "Y15_24")],
        attribute_option_combo=dataset.cocs[("M", "Y15_24")],
        organisation=cast.ngo,
        value="1000",
        numeric_value=1000.0,
    )

    def districts(user: Any) -> dict[str, float]:
        return {
            r["district"]: r["value"]
            for r in aggregate(data_element_ids=ids, group_by=["district"], user=user, **H1)
        }

    ngo = districts(cast.me_nyarugenge)
    police = districts(cast.police_me_nyarugenge)
    assert set(ngo) == {"11"} and set(police) == {"11"}
    assert ngo["11"] == police["11"] + 1000  # the NGO's own value is not the police's to see
    assert set(districts(cast.me_gasabo)) == {"12"}
    assert set(districts(cast.ngo_admin)) == {"11", "12", "21"}
    assert districts(cast.nobody) == {}
    # organisation_ids: shared values plus those organisations'.
    shared = aggregate(
        data_element_ids=ids, group_by=["district"], organisation_ids=[], org_unit_paths=["/RW/1/11/"], **H1
    )
    assert shared[0]["value"] == police["11"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data_element_ids": []}, "data_element_ids"),
        ({"data_element_ids": "1"}, "data_element_ids"),
        ({"data_element_ids": [10**9]}, "data_element_ids"),
        ({"start": date(2024, 7, 1)}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"group_by": "district"}, "group_by"),
        ({"group_by": ["county"]}, "group_by"),
        ({"group_by": ["org_unit_level:x"]}, "group_by"),
        ({"group_by": ["month", "month"]}, "group_by"),
        ({"group_by": ["category_option"]}, "category"),
        ({"group_by": ["category_option"], "category": "NOPE"}, "category"),
        ({"category": "SEX"}, "category"),
        ({"aggregation": "MEDIAN"}, "aggregation"),
        ({"period_type": "Fortnightly"}, "period_type"),
        ({"org_unit_paths": "/RW/"}, "org_unit_paths"),
        ({"org_unit_paths": ["RW/1"]}, "org_unit_paths"),
        ({"organisation_ids": ["NGO1"]}, "organisation_ids"),
    ],
)
def test_bad_arguments_are_refused_clearly(
    dataset: Dataset, analytics_store: Any, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"data_element_ids": [dataset.sum_de.pk], **H1, **kwargs}
    with pytest.raises(InvalidQuery) as info:
        aggregate(**args)
    assert info.value.field == field
    assert isinstance(info.value, ValueError) and isinstance(info.value, ValidationFailed)
    assert info.value.message


def test_new_org_units_and_option_combos_after_the_snapshot(dataset: Dataset, analytics_store: Any) -> None:
    from amahoro.geo.models import OrgUnit, OrgUnitLevel

    store.refresh()
    engine.current_snapshot()
    district = OrgUnit.objects.get(code="11")
    sector = OrgUnit.objects.create(
        code="1199",
        name="New sector",
        level=OrgUnitLevel.objects.get(code="sector"),
        parent=district,
        path=district.path + "1199/",
        depth=district.depth + 1,
    )
    DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=sector,
        period=dataset.months[0],
        category_option_combo=dataset.cocs[("M", "Y25_49")],
        attribute_option_combo=dataset.default_coc,
        value="3",
        numeric_value=3.0,
    )
    rows = aggregate(
        data_element_ids=[dataset.sum_de.pk],
        group_by=["org_unit", "category_option"],
        category="SEX",
        org_unit_paths=[sector.path],
        **H1,
    )
    assert rows == [{"org_unit": "1199", "category_option": "M", "value": 3.0, "count": 1}]


def test_grouping_by_ids(dataset: Dataset, analytics_store: Any) -> None:
    rows = aggregate(
        data_element_ids=[dataset.sum_de.pk],
        group_by=["category_option_combo", "attribute_option_combo"],
        period_type="Monthly",
        **H1,
    )
    by_coc: dict[int, float] = defaultdict(float)
    for coc, value in DataValue.objects.filter(
        data_element=dataset.sum_de, deleted=False, numeric_value__isnull=False, period__type="Monthly"
    ).values_list("category_option_combo_id", "numeric_value"):
        by_coc[coc] += value
    assert {r["category_option_combo"]: r["value"] for r in rows} == dict(by_coc)
    assert {r["attribute_option_combo"] for r in rows} == {dataset.default_coc.pk}
