"""Moving the metadata models out of the frameworks app keeps every row: a database at the state before the
move, holding metadata, data values and the rows that point at them, is migrated forward and read back
through the metadata app's models."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migrations before the move (everything that depends on them is unapplied first).
BEFORE = [
    ("frameworks", "0004_dhis2_attribute_values"),
    ("data", "0003_remote_dhis2"),
    ("collection", "0005_strip_foreign_submission_urls"),
    ("programmes", "0003_gem_scale"),
]
MOVED = (
    "categoryoption",
    "category",
    "categoryoptionmembership",
    "categorycombo",
    "categorycombomembership",
    "categoryoptioncombo",
    "dataelement",
)


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    applied = list(executor.loader.applied_migrations)
    return executor.loader.project_state(applied).apps


def _latest() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


def _seed(old: Any) -> dict[str, int]:
    """Metadata, a data value, a data set and a mapping rule, written with the models as they were."""
    option_model = old.get_model("frameworks", "CategoryOption")
    f = option_model.objects.create(code="F", name="Female", name_fr="Femme")
    m = option_model.objects.create(code="M", name="Male")
    sex = old.get_model("frameworks", "Category").objects.create(code="SEX", name="Sex")
    membership = old.get_model("frameworks", "CategoryOptionMembership")
    membership.objects.create(category=sex, option=f, sort_order=0)
    membership.objects.create(category=sex, option=m, sort_order=1)
    combo = old.get_model("frameworks", "CategoryCombo").objects.create(code="SEX_ONLY", name="Sex")
    old.get_model("frameworks", "CategoryComboMembership").objects.create(combo=combo, category=sex)
    coc_model = old.get_model("frameworks", "CategoryOptionCombo")
    coc_f = coc_model.objects.create(combo=combo, code="F", name="Female", option_key="F", uid="Aa345678901")
    coc_f.options.add(f)
    # Made by frameworks 0003; made again when a transactional test that ran before this one flushed it.
    default_combo, _ = old.get_model("frameworks", "CategoryCombo").objects.get_or_create(
        code="default", defaults={"name": "default"}
    )
    default, _ = coc_model.objects.get_or_create(
        combo=default_combo, code="default", defaults={"name": "default", "option_key": "default"}
    )
    de = old.get_model("frameworks", "DataElement").objects.create(
        code="GBV_AWARE", name="Reached", category_combo=combo, value_type="INTEGER", uid="Bb345678901"
    )
    level = old.get_model("geo", "OrgUnitLevel").objects.order_by("level").first()
    if level is None:
        level = old.get_model("geo", "OrgUnitLevel").objects.create(level=1, code="country", name="Country")
    place = old.get_model("geo", "OrgUnit").objects.create(
        code="MIG", name="Migrated", level=level, path="/MIG/"
    )
    period = old.get_model("data", "Period").objects.create(
        code="2024", type="Yearly", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    )
    value = old.get_model("data", "DataValue").objects.create(
        data_element=de,
        org_unit=place,
        period=period,
        category_option_combo=coc_f,
        attribute_option_combo=default,
        value="12",
        numeric_value=12,
    )
    data_set = old.get_model("data", "DataSet").objects.create(code="DS", name="Data set")
    data_set.data_elements.add(de)
    return {"de": de.pk, "coc": coc_f.pk, "value": value.pk, "data_set": data_set.pk, "combo": combo.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql" and os.environ.get("AMAHORO_MIGRATION_TESTS") != "1",
    reason="unapplies and re-applies most migrations (about 3 minutes): run on PostgreSQL, the production "
    "database, by `make test`; on SQLite with AMAHORO_MIGRATION_TESTS=1 (the move is state-only: no table "
    "changes, so both databases take the same path)",
)
def test_an_existing_database_keeps_its_metadata_rows_through_the_move() -> None:
    latest = _latest()
    old = _migrate([("metadata", None), *BEFORE])
    try:
        content_type = old.get_model("contenttypes", "ContentType")
        content_type.objects.filter(app_label="metadata").delete()
        content_type.objects.get_or_create(app_label="frameworks", model="dataelement")
        ids = _seed(old)
    finally:
        new = _migrate(latest)

    de = new.get_model("metadata", "DataElement").objects.get(pk=ids["de"])
    assert (de.code, de.uid, de.category_combo_id) == ("GBV_AWARE", "Bb345678901", ids["combo"])
    coc = new.get_model("metadata", "CategoryOptionCombo").objects.get(pk=ids["coc"])
    assert [o.code for o in coc.options.all()] == ["F"]
    assert coc.options.get().name_fr == "Femme"
    combo = new.get_model("metadata", "CategoryCombo").objects.get(pk=ids["combo"])
    assert [c.code for c in combo.categories.all()] == ["SEX"]
    assert [o.code for o in combo.categories.get().options.order_by("code")] == ["F", "M"]
    value = new.get_model("data", "DataValue").objects.get(pk=ids["value"])
    assert (value.data_element_id, value.category_option_combo_id, value.value) == (
        ids["de"],
        ids["coc"],
        "12",
    )
    data_set = new.get_model("data", "DataSet").objects.get(pk=ids["data_set"])
    assert list(data_set.data_elements.values_list("code", flat=True)) == ["GBV_AWARE"]
    assert "frameworks_dataelement" in connection.introspection.table_names()

    # The models as the code sees them read the same rows, and PROTECT still guards the data value.
    from django.db.models import ProtectedError

    from amahoro.metadata.models import CategoryOptionCombo, DataElement

    assert DataElement.objects.get(code="GBV_AWARE").values.count() == 1
    with pytest.raises(ProtectedError):
        CategoryOptionCombo.objects.filter(pk=ids["coc"]).delete()

    content_types = new.get_model("contenttypes", "ContentType").objects
    assert content_types.filter(app_label="metadata", model="dataelement").exists()
    assert not content_types.filter(app_label="frameworks", model__in=MOVED).exists()
