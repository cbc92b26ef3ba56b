"""The result cache (amahoro.analytics.cache): the same answers as without it, fresh (a value saved, edited or
soft-deleted one call earlier is in the next answer), and scoped (one user's remembered answer never
reaches another; a grant added or revoked counts at once)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from amahoro import policy
from amahoro.accounts.models import RoleAssignment
from amahoro.analytics import cache, store
from amahoro.analytics.engine import aggregate
from amahoro.data.models import DataValue
from amahoro.geo.models import OrgUnit
from conftest import make_user

from .conftest import Dataset

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
QUERIES: list[dict[str, Any]] = [
    {"group_by": ["district", "month", "category_option"], "category": "SEX"},
    {"group_by": ["province"]},
    {"group_by": ["org_unit", "period"], "period_type": "Monthly"},
    {"group_by": []},
    {"group_by": ["district"], "org_unit_paths": ["/RW/1/11/"]},
]


def expected_by_district(dataset: Dataset, *, under: str = "/") -> dict[str, float]:
    """Plain Python over the database's live numeric monthly values of sum_de, by district."""
    totals: dict[str, float] = defaultdict(float)
    for v in DataValue.objects.filter(data_element=dataset.sum_de).select_related("org_unit", "period"):
        if v.deleted or v.numeric_value is None or v.period.type != "Monthly":
            continue
        if not v.org_unit.path.startswith(under):
            continue
        totals[v.org_unit.path.split("/")[3]] += v.numeric_value
    return dict(totals)


def by_district(dataset: Dataset, **extra: Any) -> dict[str, float]:
    rows = aggregate(
        data_element_ids=[dataset.sum_de.pk], group_by=["district"], period_type="Monthly", **H1, **extra
    )
    return {r["district"]: r["value"] for r in rows}


@pytest.mark.parametrize("shape", QUERIES)
def test_same_answers_with_and_without_the_cache(
    dataset: Dataset, analytics_store: Any, settings: Any, shape: dict[str, Any]
) -> None:
    store.refresh()
    ids = [dataset.sum_de.pk, dataset.other_sum_de.pk]
    settings.AMAHORO_ANALYTICS_RESULT_CACHE = False
    plain = aggregate(data_element_ids=ids, **H1, **shape)
    settings.AMAHORO_ANALYTICS_RESULT_CACHE = True
    cache.clear()
    first = aggregate(data_element_ids=ids, **H1, **shape)
    assert cache.stats == {"hits": 0, "misses": 1}
    second = aggregate(data_element_ids=ids, **H1, **shape)
    assert cache.stats == {"hits": 1, "misses": 1}
    assert plain == first == second
    # A caller changing the dicts it got does not change the next answer.
    for row in second:
        row["value"] = -1
    assert aggregate(data_element_ids=ids, **H1, **shape) == plain


def test_a_value_saved_one_call_earlier_is_in_the_answer(dataset: Dataset, analytics_store: Any) -> None:
    store.refresh()
    cache.clear()
    assert by_district(dataset) == expected_by_district(dataset)
    assert by_district(dataset) == expected_by_district(dataset)
    assert cache.stats["hits"] == 1

    # A new value (no refresh): the next call misses and counts it.
    DataValue.objects.create(
        data_element=dataset.sum_de,
        org_unit=dataset.sectors[2],
        period=dataset.months[0],
        category_option_combo=dataset.default_coc,
        attribute_option_combo=dataset.default_coc,
        value="1000",
        numeric_value=1000.0,
    )
    after_new = by_district(dataset)
    assert after_new == expected_by_district(dataset)
    district = dataset.sectors[2].path.split("/")[3]
    # An edit of a value already changed since the snapshot (the change set keeps its size).
    value = DataValue.objects.get(data_element=dataset.sum_de, value="1000")
    value.value, value.numeric_value = "1500", 1500.0
    value.save()
    after_edit = by_district(dataset)
    assert after_edit[district] == after_new[district] + 500
    assert after_edit == expected_by_district(dataset)
    # An edit of a value from the snapshot, then a soft delete.
    old = DataValue.objects.filter(
        data_element=dataset.sum_de, deleted=False, numeric_value__gt=0, period__type="Monthly"
    ).exclude(pk=value.pk)[0]
    old.value, old.numeric_value = str(old.numeric_value + 3), old.numeric_value + 3
    old.save()
    assert by_district(dataset) == expected_by_district(dataset)
    old.deleted = True
    old.save()
    assert by_district(dataset) == expected_by_district(dataset)
    # A refresh folds the changes into a new snapshot: same answer, older answers forgotten.
    store.refresh()
    assert by_district(dataset) == expected_by_district(dataset)


def test_one_users_answer_never_reaches_another(dataset: Dataset, analytics_store: Any, cast: Any) -> None:
    store.refresh()
    cache.clear()
    national = make_user("national_viewer", ("viewer", cast.ngo, None))
    local = make_user("local_viewer", ("viewer", cast.ngo, "11"))
    everywhere = expected_by_district(dataset)
    assert by_district(dataset, user=national) == everywhere
    assert by_district(dataset, user=national) == everywhere
    only_11 = by_district(dataset, user=local)
    assert only_11 == expected_by_district(dataset, under="/RW/1/11/")
    assert set(only_11) == {"11"}
    assert by_district(dataset, user=local) == only_11

    # A grant added counts at the next call; so does one revoked.
    unit = OrgUnit.objects.get(code="12")
    extra = RoleAssignment.objects.create(user=local, organisation=cast.ngo, role="viewer", org_unit=unit)
    policy.forget(local)
    widened = by_district(dataset, user=local)
    assert set(widened) == {"11", "12"}
    assert widened["12"] == everywhere["12"]
    extra.delete()
    policy.forget(local)
    assert by_district(dataset, user=local) == only_11
    nobody = make_user("no_grants")
    assert by_district(dataset, user=nobody) == {}


def test_not_used_before_the_first_snapshot(dataset: Dataset, analytics_store: Any) -> None:
    cache.clear()
    assert by_district(dataset) == expected_by_district(dataset)
    assert by_district(dataset) == expected_by_district(dataset)
    assert cache.stats == {"hits": 0, "misses": 0}
