"""Metadata for data tests, made directly (the frameworks app has its own services): a default combo, a
sex combo (F, M), an implementing-partner attribute combo whose options are organisation codes (NGO1, RNP),
and data elements of every value type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from amahoro.data.importing import default_option_combo
from amahoro.metadata.models import (
    Category,
    CategoryCombo,
    CategoryComboMembership,
    CategoryOption,
    CategoryOptionCombo,
    CategoryOptionMembership,
    DataElement,
)


def make_combo(
    code: str, category_code: str, option_codes: list[str]
) -> tuple[CategoryCombo, dict[str, CategoryOptionCombo]]:
    category = Category.objects.create(code=category_code, name=category_code)
    combo = CategoryCombo.objects.create(code=code, name=code)
    CategoryComboMembership.objects.create(combo=combo, category=category, sort_order=0)
    cocs = {}
    for i, option_code in enumerate(option_codes):
        option, _ = CategoryOption.objects.get_or_create(code=option_code, defaults={"name": option_code})
        CategoryOptionMembership.objects.create(category=category, option=option, sort_order=i)
        coc = CategoryOptionCombo.objects.create(
            combo=combo, code=option_code, name=option_code, option_key=option_code
        )
        coc.options.set([option])
        cocs[option_code] = coc
    return combo, cocs


@dataclass
class Meta:
    default: CategoryOptionCombo
    sex: CategoryCombo
    female: CategoryOptionCombo
    male: CategoryOptionCombo
    partner: CategoryCombo
    aoc_ngo: CategoryOptionCombo
    aoc_police: CategoryOptionCombo
    cases: DataElement  # INTEGER_ZERO_OR_POSITIVE by sex
    total: DataElement  # INTEGER, default combo
    population: DataElement  # NUMBER
    percent: DataElement  # PERCENTAGE
    flag: DataElement  # BOOLEAN
    note: DataElement  # TEXT

    def de(self, code: str) -> DataElement:
        return DataElement.objects.get(code=code)


def make_meta() -> Meta:
    default = default_option_combo()
    assert default is not None
    sex, sex_cocs = make_combo("sex", "sex_cat", ["F", "M"])
    partner, partner_cocs = make_combo("partner", "implementing_partner", ["NGO1", "RNP"])

    def de(code: str, value_type: str, combo: CategoryCombo, **kw: Any) -> DataElement:
        return DataElement.objects.create(
            code=code,
            name=f"{code} name",
            uid=f"u{code[:10]}",
            value_type=value_type,
            category_combo=combo,
            **kw,
        )

    return Meta(
        default=default,
        sex=sex,
        female=sex_cocs["F"],
        male=sex_cocs["M"],
        partner=partner,
        aoc_ngo=partner_cocs["NGO1"],
        aoc_police=partner_cocs["RNP"],
        cases=de("GBV_CASES", "INTEGER_ZERO_OR_POSITIVE", sex),
        total=de("GBV_TOTAL", "INTEGER", default.combo),
        population=de("POP", "NUMBER", default.combo),
        percent=de("PCT", "PERCENTAGE", default.combo),
        flag=de("FLAG", "BOOLEAN", default.combo),
        note=de("NOTE", "TEXT", default.combo),
    )
