"""Reads of the metadata app: what metadata a user may see, and its DHIS2-shaped export."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from amahoro import policy
from amahoro.policy import Reader
from amahoro.roles import Perm

from .importer import registered_collections
from .models import (
    Category,
    CategoryCombo,
    CategoryComboMembership,
    CategoryOption,
    CategoryOptionCombo,
    CategoryOptionMembership,
    DataElement,
)

M = TypeVar("M", bound=Model)


def metadata_visible_to(*, user: Reader, queryset: QuerySet[M]) -> QuerySet[M]:
    """Shared metadata and the user's organisations' own, for holders of framework.view or data.view."""
    by_framework = policy.visible(user, Perm.FRAMEWORK_VIEW, queryset)
    if not policy.has_perm(user, Perm.DATA_VIEW):
        return by_framework
    by_data = policy.visible(user, Perm.DATA_VIEW, queryset)
    return queryset.filter(pk__in=by_framework.values("pk")) | queryset.filter(pk__in=by_data.values("pk"))


def ref(obj: Any) -> dict[str, str]:
    out = {"code": obj.code}
    if getattr(obj, "uid", None):
        out["id"] = obj.uid
    return out


def named(obj: Any, *, with_short_name: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = ref(obj) | {"name": obj.name}
    short = obj.short_name if with_short_name else None
    if short:
        out["shortName"] = short
    translations = [
        {"property": "NAME", "locale": locale, "value": getattr(obj, attr)}
        for locale, attr in (("fr", "name_fr"), ("rw", "name_rw"))
        if getattr(obj, attr, "")
    ]
    if translations:
        out["translations"] = translations
    return out


def metadata_export(*, user: Reader) -> dict[str, Any]:
    """Everything of the metadata the user may see, in the shape `POST /api/v1/metadata` takes (with the
    collections higher apps registered: indicators, data sets)."""
    options = metadata_visible_to(user=user, queryset=CategoryOption.objects.all()).order_by("code")
    categories = metadata_visible_to(user=user, queryset=Category.objects.all()).order_by("code")
    combos = metadata_visible_to(user=user, queryset=CategoryCombo.objects.all()).order_by("code")
    cocs = (
        metadata_visible_to(user=user, queryset=CategoryOptionCombo.objects.all())
        .select_related("combo")
        .order_by("combo__code", "code")
    )
    elements = (
        metadata_visible_to(user=user, queryset=DataElement.objects.all())
        .select_related("category_combo")
        .order_by("code")
    )

    option_codes: dict[int, list[str]] = {}
    for category_id, code in (
        CategoryOptionMembership.objects.filter(category__in=categories)
        .order_by("sort_order", "id")
        .values_list("category_id", "option__code")
    ):
        option_codes.setdefault(category_id, []).append(code)
    category_codes: dict[int, list[str]] = {}
    for combo_id, code in (
        CategoryComboMembership.objects.filter(combo__in=combos)
        .order_by("sort_order", "id")
        .values_list("combo_id", "category__code")
    ):
        category_codes.setdefault(combo_id, []).append(code)

    def element(de: DataElement) -> dict[str, Any]:
        out = named(de, with_short_name=True)
        if de.description:
            out["description"] = de.description
        out |= {
            "valueType": de.value_type,
            "aggregationType": de.aggregation_type,
            "domainType": "AGGREGATE",
            "categoryCombo": ref(de.category_combo),
        }
        if de.zero_is_significant:
            out["zeroIsSignificant"] = True
        return out

    return {
        "system": {"name": "Amahoro", "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        "categoryOptions": [named(o, with_short_name=True) for o in options],
        "categories": [
            named(c) | {"categoryOptions": [{"code": x} for x in option_codes.get(c.pk, [])]}
            for c in categories
        ],
        "categoryCombos": [
            named(c) | {"categories": [{"code": x} for x in category_codes.get(c.pk, [])]} for c in combos
        ],
        "categoryOptionCombos": [
            ref(c)
            | {
                "name": c.name,
                "categoryCombo": {"code": c.combo.code},
                "categoryOptions": [
                    {"code": x} for x in c.option_key.split("|") if x and c.option_key != "default"
                ],
            }
            for c in cocs
        ],
        "dataElements": [element(de) for de in elements],
    } | {c.name: c.export(user=user) for c in registered_collections()}
