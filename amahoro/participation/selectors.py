"""Reads of participation, through the policy (`user` decides which values count; the portal passes the
public reader): shares of women per representation series and per peacekeeping personnel type, against
their targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from amahoro.analytics import engine
from amahoro.frameworks.models import Target
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.policy import Reader

from . import reference as ref

START = dt.date(2000, 1, 1)
END = dt.date(2100, 12, 31)


def _country() -> OrgUnit | None:
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def _share(women: float, men: float) -> float | None:
    """Women's share in percent, one decimal, halves rounded up (51 of 80 is 63.8%)."""
    total = women + men
    if not total:
        return None
    exact = Decimal(str(women)) / Decimal(str(total)) * 100
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _values_by_period_and_coc(
    *, user: Reader, element: str, org_unit: OrgUnit
) -> dict[str, dict[str, float]]:
    """{period code: {option combo code: value}} of one data element in the org unit's subtree, aggregated by
    the analytics engine through the policy (`user`: only the values the user may see count)."""
    de = DataElement.objects.filter(code=element).first()
    if de is None:
        return {}
    rows = engine.aggregate(
        data_element_ids=[de.pk],
        start=START,
        end=END,
        group_by=("period", "category_option_combo"),
        org_unit_paths=[org_unit.path],
        user=user,
    )
    codes = dict(
        CategoryOptionCombo.objects.filter(pk__in={r["category_option_combo"] for r in rows}).values_list(
            "pk", "code"
        )
    )
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        out[r["period"]][codes.get(r["category_option_combo"], "")] = float(r["value"])
    return out


def _period_sort_key(code: str) -> dt.date:
    return period_lib.parse_period(code).start


def _by_period(target: dict[str, Any]) -> str:
    return str(target["period"])


def parity_series(*, user: Reader) -> list[dict[str, Any]]:
    """Per personnel type: women, men and women's share per month, and the parity target(s) with their
    periods (only those a source gives: see reference.PERSONNEL_TYPES)."""
    country = _country()
    if country is None:
        return []
    data = _values_by_period_and_coc(user=user, element=ref.PK_ELEMENT, org_unit=country)
    periods = sorted(data, key=_period_sort_key)
    targets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in Target.objects.filter(
        indicator__code__in=[p.indicator for p in ref.PERSONNEL_TYPES], org_unit=country
    ).select_related("indicator"):
        targets[t.indicator.code].append({"period": t.period, "value": t.value, "source": t.note})
    out: list[dict[str, Any]] = []
    for p in ref.PERSONNEL_TYPES:
        points: list[dict[str, Any]] = []
        for period in periods:
            women = data[period].get(ref.coc_code("F", p.option))
            men = data[period].get(ref.coc_code("M", p.option))
            if women is None and men is None:
                continue
            points.append(
                {
                    "period": period,
                    "name": period_lib.parse_period(period).name,
                    "women": int(women or 0),
                    "men": int(men or 0),
                    "share": _share(women or 0, men or 0),
                }
            )
        out.append(
            {
                "code": p.option,
                "label": ref.local(p.label),
                "indicator": p.indicator,
                "points": points,
                "targets": sorted(targets.get(p.indicator, []), key=_by_period),
            }
        )
    return out


def representation_latest(*, user: Reader) -> list[dict[str, Any]]:
    """Per representation series: the latest period with values, women, men and women's share."""
    country = _country()
    if country is None:
        return []
    out = []
    for s in ref.SERIES:
        data = _values_by_period_and_coc(user=user, element=s.element, org_unit=country)
        if not data:
            continue
        period = max(data, key=_period_sort_key)
        cells = data[period]
        women = sum(v for k, v in cells.items() if k == "F" or k.startswith("F_"))
        men = sum(v for k, v in cells.items() if k == "M" or k.startswith("M_"))
        row: dict[str, Any] = {
            "code": s.element,
            "name": ref.local(s.name),
            "period": period,
            "women": int(women),
            "men": int(men),
            "share": _share(women, men),
        }
        if s.combo == ref.RANK_COMBO:
            row["by_rank"] = [
                {
                    "rank": ref.local(label),
                    "women": int(cells.get(ref.coc_code("F", code), 0)),
                    "men": int(cells.get(ref.coc_code("M", code), 0)),
                    "share": _share(
                        cells.get(ref.coc_code("F", code), 0), cells.get(ref.coc_code("M", code), 0)
                    ),
                }
                for code, label in ref.RANKS
            ]
        out.append(row)
    return out


def representation_history(*, user: Reader) -> list[dict[str, Any]]:
    """Every period of every series (open data): series, period, women, men, share."""
    country = _country()
    if country is None:
        return []
    out = []
    for s in ref.SERIES:
        data = _values_by_period_and_coc(user=user, element=s.element, org_unit=country)
        for period in sorted(data, key=_period_sort_key):
            cells = data[period]
            groups: list[tuple[str, float, float]] = []
            if s.combo == ref.PK_COMBO:
                groups = [
                    (
                        p.label,
                        cells.get(ref.coc_code("F", p.option), 0),
                        cells.get(ref.coc_code("M", p.option), 0),
                    )
                    for p in ref.PERSONNEL_TYPES
                    if ref.coc_code("F", p.option) in cells or ref.coc_code("M", p.option) in cells
                ]
            elif s.combo == ref.RANK_COMBO:
                groups = [
                    (label, cells.get(ref.coc_code("F", code), 0), cells.get(ref.coc_code("M", code), 0))
                    for code, label in ref.RANKS
                ]
            else:
                groups = [("", cells.get("F", 0), cells.get("M", 0))]
            for group, women, men in groups:
                out.append(
                    {
                        "series": s.element,
                        "series_name": s.name,
                        "group": group,
                        "period": period,
                        "women": int(women),
                        "men": int(men),
                        "share": _share(women, men),
                    }
                )
    return out
