"""The dimension syntax of DHIS2's analytics API, parsed and resolved to the objects a query needs.

`dimension=dx:A;B` (also `<data set code>.REPORTING_RATE`, see amahoro.data.completeness),
`dimension=pe:202401;LAST_3_MONTHS`, `dimension=ou:1;LEVEL-district`, `dimension=SEX:F;M`
(or `SEX` alone for every option), and `filter=` with the same syntax. Items are codes: data element and
indicator codes (dx), DHIS2 period codes and relative periods (pe), org unit codes, `LEVEL-n` /
`LEVEL-<level code>`, `USER_ORGUNIT`, `USER_ORGUNIT_CHILDREN`, `USER_ORGUNIT_GRANDCHILDREN` (ou), option
codes (a category). Anything unknown or malformed is a ValidationFailed (400) whose `field` is the
dimension (dx, pe, ou or the category code) and whose message names the item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data import completeness
from amahoro.frameworks.models import Indicator
from amahoro.geo.models import OrgUnit, OrgUnitLevel
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import Category, CategoryOptionMembership, DataElement
from amahoro.roles import Perm

DX, PE, OU = "dx", "pe", "ou"
FIXED = (DX, PE, OU)
COLUMN_NAMES = {DX: gettext_noop("Data"), PE: gettext_noop("Period"), OU: gettext_noop("Organisation unit")}
MAX_ITEMS = 1000  # items of one dimension after expansion (LEVEL-village alone is ~15 000 places)
_KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_LEVEL_RE = re.compile(r"^LEVEL-(.+)$")
# The financial year of relative periods (THIS_FINANCIAL_YEAR ...): Rwanda's runs July to June.
FINANCIAL_YEAR_TYPE = "FinancialJuly"


# ---------------------------------------------------------------------------------------------------------
# Relative periods: name -> (period type, how many, whether the current period is the last of them)

RELATIVE_PERIODS: dict[str, tuple[str, int, bool]] = {
    "TODAY": ("Daily", 1, True),
    "YESTERDAY": ("Daily", 1, False),
    "LAST_7_DAYS": ("Daily", 7, False),
    "LAST_14_DAYS": ("Daily", 14, False),
    "LAST_30_DAYS": ("Daily", 30, False),
    "THIS_WEEK": ("Weekly", 1, True),
    "LAST_WEEK": ("Weekly", 1, False),
    "LAST_4_WEEKS": ("Weekly", 4, False),
    "LAST_12_WEEKS": ("Weekly", 12, False),
    "LAST_52_WEEKS": ("Weekly", 52, False),
    "THIS_MONTH": ("Monthly", 1, True),
    "LAST_MONTH": ("Monthly", 1, False),
    "LAST_3_MONTHS": ("Monthly", 3, False),
    "LAST_6_MONTHS": ("Monthly", 6, False),
    "LAST_12_MONTHS": ("Monthly", 12, False),
    "THIS_BIMONTH": ("BiMonthly", 1, True),
    "LAST_BIMONTH": ("BiMonthly", 1, False),
    "LAST_6_BIMONTHS": ("BiMonthly", 6, False),
    "THIS_QUARTER": ("Quarterly", 1, True),
    "LAST_QUARTER": ("Quarterly", 1, False),
    "LAST_4_QUARTERS": ("Quarterly", 4, False),
    "THIS_SIX_MONTH": ("SixMonthly", 1, True),
    "LAST_SIX_MONTH": ("SixMonthly", 1, False),
    "LAST_2_SIXMONTHS": ("SixMonthly", 2, False),
    "THIS_YEAR": ("Yearly", 1, True),
    "LAST_YEAR": ("Yearly", 1, False),
    "LAST_5_YEARS": ("Yearly", 5, False),
    "LAST_10_YEARS": ("Yearly", 10, False),
    "THIS_FINANCIAL_YEAR": (FINANCIAL_YEAR_TYPE, 1, True),
    "LAST_FINANCIAL_YEAR": (FINANCIAL_YEAR_TYPE, 1, False),
    "LAST_5_FINANCIAL_YEARS": (FINANCIAL_YEAR_TYPE, 5, False),
}
# Every period of the type inside the current year (DHIS2's MONTHS_THIS_YEAR, QUARTERS_THIS_YEAR).
THIS_YEAR_PERIODS = {"MONTHS_THIS_YEAR": "Monthly", "QUARTERS_THIS_YEAR": "Quarterly"}


def relative_periods(name: str, today: date) -> list[period_lib.Period]:
    """The periods a relative period name stands for on `today`, oldest first (DHIS2's meaning: LAST_3_MONTHS
    on 2024-05-10 is 202402, 202403, 202404; THIS_MONTH is 202405)."""
    if name in THIS_YEAR_PERIODS:
        year = period_lib.period_for_date("Yearly", today)
        return period_lib.periods_between(THIS_YEAR_PERIODS[name], year.start, year.end)
    period_type, count, current = RELATIVE_PERIODS[name]
    last = period_lib.period_for_date(period_type, today)
    if not current:
        last = last.previous()
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


# ---------------------------------------------------------------------------------------------------------
# Parsed (text) and resolved (objects) dimensions


@dataclass(frozen=True)
class Spec:
    """One `dimension=` or `filter=` value as written: key and item texts (empty = all, categories only)."""

    key: str
    items: tuple[str, ...]
    is_filter: bool
    text: str

    @property
    def param(self) -> str:
        return "filter" if self.is_filter else "dimension"


@dataclass(frozen=True)
class Item:
    """One item of a resolved dimension: the code (identifier), a display name, and what it stands for."""

    code: str
    name: str
    obj: Any = None  # DataElement | Indicator | period_lib.Period | OrgUnit | CategoryOption


@dataclass
class Dimension:
    key: str  # dx, pe, ou or a category code
    name: str  # the header's column label
    items: list[Item]
    is_filter: bool
    category: Category | None = None
    all_options: bool = False  # a category asked without options
    boundaries: list[OrgUnit] = field(default_factory=list)  # ou: the units LEVEL-n was counted inside


def parse_spec(text: str, *, is_filter: bool) -> Spec:
    """`dx:A;B` -> Spec("dx", ("A", "B")); a category code alone -> no items. Malformed: 400 naming it."""
    param = "filter" if is_filter else "dimension"
    raw = text.strip()
    key, sep, rest = raw.partition(":")
    key = key.strip()
    if not key or not _KEY_RE.match(key):
        raise ValidationFailed(
            _("%(param)s '%(text)s' is malformed: write <dimension>:<item>;<item>, e.g. dx:GBV_CASES;POP")
            % {"param": param, "text": text},
            field=param,
        )
    items = tuple(i.strip() for i in rest.split(";")) if sep else ()
    if sep and (not items or any(not i for i in items)):
        raise ValidationFailed(
            _("%(param)s '%(text)s' has an empty item: separate items with ';', e.g. %(key)s:A;B")
            % {"param": param, "text": text, "key": key},
            field=key,
        )
    if key.lower() in FIXED:
        key = key.lower()
        if not items:
            raise ValidationFailed(
                _("%(param)s '%(text)s' names no items: write %(key)s:<item>;<item>")
                % {"param": param, "text": text, "key": key},
                field=key,
            )
    return Spec(key, items, is_filter, text)


def _unknown(key: str, what: str, codes: Sequence[str]) -> ValidationFailed:
    return ValidationFailed(
        _("dimension %(key)s: unknown %(what)s %(codes)s")
        % {"key": key, "what": what, "codes": ", ".join(f"'{c}'" for c in codes)},
        field=key,
    )


def _dedupe(items: list[Item]) -> list[Item]:
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.code, item)
    return list(seen.values())


def resolve_dx(spec: Spec) -> Dimension:
    codes = list(dict.fromkeys(spec.items))
    elements = {de.code: de for de in DataElement.objects.filter(code__in=codes)}
    indicators = {ind.code: ind for ind in Indicator.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in elements and c not in indicators]
    # `<data set code>.REPORTING_RATE` and its siblings: counts of reports, from the data app.
    rates = completeness.reporting_metrics(missing)
    missing = [c for c in missing if c not in rates]
    if missing:
        raise _unknown(DX, _("data element, indicator or reporting rate"), missing)
    items = []
    for code in codes:
        obj: Any = elements.get(code) or indicators.get(code) or rates[code]
        items.append(Item(code, str(obj.display_name), obj))
    return Dimension(DX, _(COLUMN_NAMES[DX]), items, spec.is_filter)


def resolve_pe(spec: Spec, *, today: date) -> Dimension:
    items: list[Item] = []
    for text in spec.items:
        if text in RELATIVE_PERIODS or text in THIS_YEAR_PERIODS:
            try:
                found = relative_periods(text, today)
            except (ValueError, OverflowError):
                raise ValidationFailed(
                    _("dimension pe: %(code)s on %(day)s falls outside the years 0001-9999")
                    % {"code": text, "day": today.isoformat()},
                    field=PE,
                ) from None
        else:
            try:
                found = [period_lib.parse_period(text)]
            except period_lib.InvalidPeriod as exc:
                raise ValidationFailed(
                    _(
                        "dimension pe: '%(code)s' is neither a DHIS2 period code nor a relative period: %(why)s"
                    )
                    % {"code": text, "why": exc.reason},
                    field=PE,
                ) from exc
        items.extend(Item(p.code, p.name, p) for p in found)
    items = _dedupe(items)
    if len(items) > MAX_ITEMS:
        # Bounded like places: every period is a column or a row of the answer (issue 17: no hangs).
        raise ValidationFailed(
            _("dimension pe: %(n)s periods, more than %(max)s; name fewer periods")
            % {"n": len(items), "max": MAX_ITEMS},
            field=PE,
        )
    return Dimension(PE, _(COLUMN_NAMES[PE]), items, spec.is_filter)


# ---------------------------------------------------------------------------------------------------------
# Org units


# Only what a dimension needs (not the boundaries' geometry, which can be large).
_OU_FIELDS = ("id", "code", "name", "name_en", "name_fr", "name_rw", "path", "depth", "level_id", "parent_id")


def _units() -> Any:
    return OrgUnit.objects.only(*_OU_FIELDS)


def user_roots(user: Any) -> list[OrgUnit]:
    """The places of the caller's data.view grants (the tops of them): USER_ORGUNIT. A grant without a place
    (everywhere) stands for the top-level units."""
    _scope, allowed = policy.grant_scopes(user, Perm.DATA_VIEW, "data.datavalue")
    paths = {path for _org, path in allowed}
    if None in paths:
        return list(_units().filter(parent__isnull=True).order_by("code"))
    roots = sorted(p for p in paths if p is not None)
    tops = [p for p in roots if not any(p != q and p.startswith(q) for q in roots)]
    return list(_units().filter(path__in=tops).order_by("path"))


def visible_paths(user: Any) -> list[str] | None:
    """Subtrees the caller may read data values in (None = everywhere)."""
    _scope, allowed = policy.grant_scopes(user, Perm.DATA_VIEW, "data.datavalue")
    paths = {path for _org, path in allowed}
    if None in paths:
        return None
    return sorted(p for p in paths if p is not None)


def _level_number(text: str) -> int:
    if text.isdigit():
        if OrgUnitLevel.objects.filter(level=int(text)).exists() or 1 <= int(text) <= 6:
            return int(text)
    else:
        level = (
            OrgUnitLevel.objects.filter(Q(code__iexact=text) | Q(name__iexact=text))
            .values_list("level", flat=True)
            .first()
        )
        if level is not None:
            return int(level)
    codes = list(OrgUnitLevel.objects.order_by("level").values_list("code", flat=True))
    raise ValidationFailed(
        _("dimension ou: unknown level 'LEVEL-%(text)s' (use LEVEL-1 ... LEVEL-%(n)s or LEVEL-%(codes)s)")
        % {"text": text, "n": max(len(codes), 6), "codes": " / LEVEL-".join(codes)},
        field=OU,
    )


def resolve_ou(spec: Spec, *, user: Any) -> Dimension:
    """Units, levels inside boundaries (the units named beside them, else the caller's roots), and the
    caller's own places. Everything named must lie inside the caller's data.view grants (403 naming it)."""
    units: list[OrgUnit] = []
    levels: list[int] = []
    codes: list[str] = []
    for text in spec.items:
        match = _LEVEL_RE.match(text)
        if match:
            levels.append(_level_number(match[1]))
        elif text == "USER_ORGUNIT":
            units.extend(user_roots(user))
        elif text in ("USER_ORGUNIT_CHILDREN", "USER_ORGUNIT_GRANDCHILDREN"):
            roots = user_roots(user)
            below = "parent__in" if text == "USER_ORGUNIT_CHILDREN" else "parent__parent__in"
            units.extend(_units().filter(**{below: roots}).order_by("path"))
        else:
            codes.append(text)
    if codes:
        found = {ou.code: ou for ou in _units().filter(code__in=codes)}
        missing = [c for c in dict.fromkeys(codes) if c not in found]
        if missing:
            raise _unknown(OU, _("org unit"), missing)
        units.extend(found[c] for c in codes)
    boundaries: list[OrgUnit] = []
    if levels:
        boundaries = units or user_roots(user)
        check_visible(user, boundaries)
        chosen: list[OrgUnit] = []
        for level in dict.fromkeys(levels):
            for boundary in boundaries:
                if boundary.depth == level:
                    chosen.append(boundary)
                elif boundary.depth < level:
                    # By the indexed level (then the path), not by scanning every unit's depth.
                    chosen.extend(
                        _units().filter(level__level=level, path__startswith=boundary.path).order_by("code")
                    )
        units = chosen
    items = _dedupe([Item(ou.code, ou.display_name, ou) for ou in units])
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(
            _("dimension ou: %(n)s places, more than %(max)s; name a smaller area or level")
            % {"n": len(items), "max": MAX_ITEMS},
            field=OU,
        )
    check_visible(user, [i.obj for i in items])
    return Dimension(OU, _(COLUMN_NAMES[OU]), items, spec.is_filter, boundaries=boundaries)


def check_visible(user: Any, units: Sequence[OrgUnit]) -> None:
    """403 naming the first place outside the caller's data.view grants."""
    paths = visible_paths(user)
    if paths is None:
        return
    for ou in units:
        if not any(ou.path.startswith(p) for p in paths):
            raise PermissionDenied(
                _("ou '%(code)s' (%(name)s) is outside the places you may see data of")
                % {"code": ou.code, "name": ou.name},
                field=OU,
            )


# ---------------------------------------------------------------------------------------------------------
# Categories


def resolve_category(spec: Spec) -> Dimension:
    category = Category.objects.filter(code=spec.key).first()
    if category is None:
        raise ValidationFailed(
            _("%(param)s '%(text)s': '%(key)s' is neither dx, pe, ou nor a category code")
            % {"param": spec.param, "text": spec.text, "key": spec.key},
            field=spec.key,
        )
    memberships = CategoryOptionMembership.objects.filter(category=category).select_related("option")
    options = {m.option.code: m.option for m in memberships.order_by("sort_order", "option__code")}
    if spec.items:
        missing = [c for c in spec.items if c not in options]
        if missing:
            raise _unknown(spec.key, _("option of category %(cat)s") % {"cat": spec.key}, missing)
        chosen = [options[c] for c in dict.fromkeys(spec.items)]
    else:
        chosen = list(options.values())
    items = [Item(o.code, str(o.display_name), o) for o in chosen]
    return Dimension(
        spec.key, str(category.display_name), items, spec.is_filter, category, all_options=not spec.items
    )


def resolve(spec: Spec, *, user: Any, today: date) -> Dimension:
    if spec.key == DX:
        return resolve_dx(spec)
    if spec.key == PE:
        return resolve_pe(spec, today=today)
    if spec.key == OU:
        return resolve_ou(spec, user=user)
    return resolve_category(spec)


def parse_all(dimensions: Sequence[str], filters: Sequence[str]) -> list[Spec]:
    """Every dimension then every filter, each key once (400 naming a key given twice)."""
    specs = [parse_spec(t, is_filter=False) for t in dimensions] + [
        parse_spec(t, is_filter=True) for t in filters
    ]
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise ValidationFailed(
                _("dimension %(key)s is given twice (a key is either one dimension or one filter)")
                % {"key": spec.key},
                field=spec.key,
            )
        seen.add(spec.key)
    return specs


def values_of(params: Mapping[str, Any], name: str) -> list[str]:
    """The values of a repeatable parameter in a QueryDict-like mapping (lists) or a plain dict."""
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        raw = params.get(name)
        values = [] if raw is None else list(raw) if isinstance(raw, list | tuple) else [raw]
    return [str(v) for v in values if str(v).strip()]
