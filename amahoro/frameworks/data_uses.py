"""Tells data entry which indicators a data element feeds (registered with amahoro.data.uses at start-up)."""

from __future__ import annotations

from django.db.models import Q

from amahoro.data import uses


def indicators_of_elements(codes: set[str]) -> dict[str, list[str]]:
    from .models import Indicator

    query = Q()
    for code in codes:
        for side in ("numerator", "denominator"):
            query |= Q(**{f"{side}__contains": "#{" + code + "}"}) | Q(
                **{f"{side}__contains": "#{" + code + "."}
            )
    out: dict[str, list[str]] = {}
    for indicator in Indicator.objects.filter(query).order_by("code")[:200]:
        text = f"{indicator.numerator} {indicator.denominator}"
        for code in codes:
            if "#{" + code + "}" in text or "#{" + code + "." in text:
                out.setdefault(code, []).append(str(indicator.display_name))
    return out


def register() -> None:
    uses.register_indicator_lookup(indicators_of_elements)
