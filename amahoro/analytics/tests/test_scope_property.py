"""The engine's scope is the policy's: for random grants, the data values `aggregate(user=...)` sums over are
exactly those `policy.visible(user, DATA_VIEW, DataValue...)` returns (the engine builds its filter from the
rule registered for data values, `policy.grant_scopes`)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amahoro import policy
from amahoro.analytics.engine import aggregate
from amahoro.data.models import DataValue
from amahoro.roles import Perm, Role, permissions_for
from conftest import make_user

from .conftest import Dataset

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
# Every key of a value: one group per value, so the groups are the set of values aggregated.
KEYS = ["data_element", "period", "org_unit", "category_option_combo", "attribute_option_combo"]
PLACES = [None, "RW", "1", "11", "12", "1101", "1102", "2", "21", "2101"]
ROLES = [r for r in Role if Perm.DATA_VIEW in permissions_for(r)] + [Role.CASE_WORKER]
_users = itertools.count()


def _owned_values(dataset: Dataset, cast: Any) -> None:
    """Values owned by each organisation, in each sector, beside the shared ones of the data set."""
    rows = []
    for i, (org, ou) in enumerate(itertools.product((cast.ngo, cast.police, cast.platform), dataset.sectors)):
        rows.append(
            DataValue(
                data_element=dataset.sum_de,
                org_unit=ou,
                period=dataset.months[i % 6],
                category_option_combo=dataset.default_coc,
                attribute_option_combo=dataset.cocs[("F", "Y15_24")],
                organisation=org,
                value=str(i),
                numeric_value=float(i),
            )
        )
    DataValue.objects.bulk_create(rows)


def _engine_keys(dataset: Dataset, user: Any) -> set[tuple[Any, ...]]:
    ids = [dataset.sum_de.pk, dataset.other_sum_de.pk, dataset.average_de.pk, dataset.last_de.pk]
    rows = aggregate(data_element_ids=ids, group_by=KEYS, user=user, aggregation="SUM", **H1)
    assert all(r["count"] == 1 for r in rows)
    return {tuple(r[k] for k in KEYS) for r in rows}


def _policy_keys(dataset: Dataset, user: Any) -> set[tuple[Any, ...]]:
    values = policy.visible(user, Perm.DATA_VIEW, DataValue.objects.all()).filter(
        deleted=False,
        numeric_value__isnull=False,
        period__start__gte=H1["start"],
        period__end__lte=H1["end"],
    )
    return set(
        values.values_list(
            "data_element_id",
            "period__code",
            "org_unit__code",
            "category_option_combo_id",
            "attribute_option_combo_id",
        )
    )


grant_lists = st.lists(
    st.tuples(
        st.sampled_from(ROLES), st.sampled_from(["ngo", "police", "platform"]), st.sampled_from(PLACES)
    ),
    max_size=3,
    unique=True,
)


@pytest.fixture
def owned(dataset: Dataset, cast: Any) -> Dataset:
    _owned_values(dataset, cast)
    return dataset


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=grant_lists)
def test_engine_scope_equals_policy_visible(
    grants: list[tuple[Role, str, str | None]], owned: Dataset, analytics_store: Any, cast: Any
) -> None:
    with transaction.atomic():  # each example's user is rolled back
        user = make_user(
            f"grantee{next(_users)}",
            *[(role.value, getattr(cast, org), place) for role, org, place in grants],
        )
        expected = _policy_keys(owned, user)
        assert _engine_keys(owned, user) == expected
        if not any(Perm.DATA_VIEW in permissions_for(role) for role, _, _ in grants):
            assert expected == set()
        transaction.set_rollback(True)


def test_the_cast_sees_through_the_same_rule(owned: Dataset, analytics_store: Any, cast: Any) -> None:
    dataset = owned
    for user in (cast.sysadmin, cast.ngo_admin, cast.me_nyarugenge, cast.police_me_nyarugenge, cast.nobody):
        assert _engine_keys(dataset, user) == _policy_keys(dataset, user)
    # The platform itself sees everything.
    assert _engine_keys(dataset, policy.SYSTEM) == _policy_keys(dataset, policy.SYSTEM)


def test_grant_scopes_names_the_declared_fields(cast: Any) -> None:
    scope, allowed = policy.grant_scopes(cast.me_nyarugenge, Perm.DATA_VIEW, "data.datavalue")
    assert (scope.org_field, scope.path_field, scope.shared) == ("organisation", "org_unit__path", True)
    assert allowed == [(cast.ngo.pk, "/RW/1/11/")]
    assert policy.grant_scopes(cast.sysadmin, Perm.DATA_VIEW, "data.datavalue")[1] == [(None, "/RW/")]
    assert policy.grant_scopes(cast.nobody, Perm.DATA_VIEW, "data.datavalue")[1] == []
    with pytest.raises(LookupError):
        policy.grant_scopes(cast.me_nyarugenge, Perm.DATA_VIEW, "data.datalock")
