"""Category option combos: generated per combo (cartesian product, codes joined with '_' in category order),
the default combo, the size limit, and regeneration when categories change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from amahoro import policy
from amahoro.core.errors import Conflict, ValidationFailed
from amahoro.frameworks.tests.factories import put
from amahoro.metadata import services
from amahoro.metadata.importer import metadata_import
from amahoro.metadata.models import CategoryCombo, CategoryOptionCombo

pytestmark = pytest.mark.django_db


def cocs(combo: str) -> list[tuple[str, str, str]]:
    return list(
        CategoryOptionCombo.objects.filter(combo__code=combo)
        .order_by("option_key")
        .values_list("code", "name", "option_key")
    )


def test_default_combo_exists_after_migrate_and_is_ensured() -> None:
    assert CategoryOptionCombo.objects.filter(
        combo__code="default", code="default", option_key="default"
    ).exists()
    CategoryOptionCombo.objects.all().delete()
    combo = services.default_combo()
    assert combo.code == "default" and cocs("default") == [("default", "default", "default")]


def test_combo_cells_are_the_product_of_its_categories_in_order(sex_age: None) -> None:
    assert cocs("SEX_AGE") == [
        ("F_15_24", "Female, 15-24", "F|15_24"),
        ("F_25_49", "Female, 25-49", "F|25_49"),
        ("M_15_24", "Male, 15-24", "M|15_24"),
        ("M_25_49", "Male, 25-49", "M|25_49"),
    ]
    assert [c[0] for c in cocs("SEX_ONLY")] == ["F", "M"]
    coc = CategoryOptionCombo.objects.get(combo__code="SEX_AGE", code="F_15_24")
    assert sorted(coc.options.values_list("code", flat=True)) == ["15_24", "F"]


def test_adding_an_option_adds_cells_only_to_combos_using_it(sex_age: None) -> None:
    report = metadata_import(
        actor=policy.SYSTEM,
        payload={
            "categoryOptions": [{"code": "50P", "name": "50+"}],
            "categories": [
                {
                    "code": "AGE",
                    "name": "Age band",
                    "categoryOptions": [{"code": "15_24"}, {"code": "25_49"}, {"code": "50P"}],
                }
            ],
        },
    )
    assert report.status == "OK", report.as_dict()
    assert len(cocs("SEX_AGE")) == 6 and "F_50P" in [c[0] for c in cocs("SEX_AGE")]
    assert len(cocs("SEX_ONLY")) == 2


def test_custom_codes_survive_regeneration(sex_age: None) -> None:
    coc = CategoryOptionCombo.objects.get(combo__code="SEX_AGE", code="F_15_24")
    coc.code = "YOUNG_WOMEN"
    coc.save()
    services.option_combos_generate(actor=policy.SYSTEM, combo=CategoryCombo.objects.get(code="SEX_AGE"))
    assert CategoryOptionCombo.objects.filter(combo__code="SEX_AGE", code="YOUNG_WOMEN").exists()
    assert CategoryOptionCombo.objects.filter(combo__code="SEX_AGE").count() == 4


def test_a_cell_with_data_is_not_removed(sex_age: None) -> None:
    put("GBV_AWARE", "11", "2024", 5, "M_25_49")
    report = metadata_import(
        actor=policy.SYSTEM,
        payload={
            "categories": [{"code": "SEX", "name": "Sex", "categoryOptions": [{"code": "F"}]}],
        },
    )
    assert report.status == "ERROR"
    assert "data values are recorded" in report.errors[0]["message"]
    assert len(cocs("SEX_AGE")) == 4  # nothing written
    combo = CategoryCombo.objects.get(code="SEX_AGE")
    combo.categories.through.objects.filter(combo=combo, category__code="AGE").delete()
    with pytest.raises(Conflict, match="data values are recorded"):
        services.option_combos_generate(actor=policy.SYSTEM, combo=combo)


def test_a_combo_of_more_than_10000_cells_is_refused(db: Any) -> None:
    options = [{"code": f"O{i}", "name": f"Option {i}"} for i in range(101)]
    payload = {
        "categoryOptions": options,
        "categories": [
            {"code": "C1", "name": "C1", "categoryOptions": [{"code": o["code"]} for o in options]},
            {"code": "C2", "name": "C2", "categoryOptions": [{"code": o["code"]} for o in options[:100]]},
        ],
        "categoryCombos": [
            {"code": "BIG", "name": "Too big", "categories": [{"code": "C1"}, {"code": "C2"}]}
        ],
    }
    report = metadata_import(actor=policy.SYSTEM, payload=payload)
    assert report.status == "ERROR"
    error = report.errors[0]
    assert error["object"] == "categoryCombos[0]" and error["code"] == "BIG"
    assert "10,100 option combos (101 x 100); the limit is 10,000" in error["message"]
    assert not CategoryCombo.objects.filter(code="BIG").exists()
    assert not CategoryOptionCombo.objects.filter(combo__code="BIG").exists()
    with pytest.raises(ValidationFailed):
        services.check_combo_size("X", [10_001])
    services.check_combo_size("X", [100, 100])  # exactly at the limit is fine


def test_a_combo_at_the_limit_is_generated_in_bulk(db: Any) -> None:
    options = [{"code": f"A{i}", "name": f"A{i}"} for i in range(100)] + [
        {"code": f"B{i}", "name": f"B{i}"} for i in range(100)
    ]
    report = metadata_import(
        actor=policy.SYSTEM,
        payload={
            "categoryOptions": options,
            "categories": [
                {"code": "CA", "name": "CA", "categoryOptions": [{"code": f"A{i}"} for i in range(100)]},
                {"code": "CB", "name": "CB", "categoryOptions": [{"code": f"B{i}"} for i in range(100)]},
            ],
            "categoryCombos": [
                {"code": "GRID", "name": "Grid", "categories": [{"code": "CA"}, {"code": "CB"}]}
            ],
        },
    )
    assert report.status == "OK", report.as_dict()["errors"][:2]
    assert CategoryOptionCombo.objects.filter(combo__code="GRID").count() == 10_000
    assert CategoryOptionCombo.objects.get(combo__code="GRID", code="A7_B42").options.count() == 2


def test_migrations_are_complete() -> None:
    call_command("makemigrations", "frameworks", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_metadata_services_refuse_a_missing_actor() -> None:
    from amahoro.core.errors import PermissionDenied
    from amahoro.metadata.importer import metadata_import

    with pytest.raises(PermissionDenied) as refused:
        metadata_import(actor=None, payload={"categoryOptions": [{"code": "X", "name": "X"}]})
    assert refused.value.code == "no_actor"
    with pytest.raises(PermissionDenied):
        services.option_combos_generate(actor=None, combo=CategoryCombo.objects.get(code="default"))
