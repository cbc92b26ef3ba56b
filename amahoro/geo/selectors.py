"""Reads of the place hierarchy, always narrowed by the policy module."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Literal, TypedDict, overload

from django.db.models import Count, Q, QuerySet

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.roles import Perm

from .models import OrgUnit, OrgUnitLevel
from .services import BOUNDARY_ATTRIBUTION, SHIPPED_BOUNDARY_SOURCE

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")


def orgunits_visible_to(*, user: policy.Actor, perm: Perm = Perm.ORGUNIT_VIEW) -> QuerySet[OrgUnit]:
    return policy.visible(user, perm, OrgUnit.objects.select_related("level", "parent"))


def orgunit_search(
    *,
    user: policy.Actor,
    level: str | None = None,
    parent: str | None = None,
    q: str | None = None,
    include_closed: bool = True,
) -> QuerySet[OrgUnit]:
    """Org units the user may see, filtered. Bad parameters raise ValidationFailed naming the parameter."""
    qs = orgunits_visible_to(user=user)
    if level:
        lvl = OrgUnitLevel.objects.filter(code=level).first()
        if lvl is None:
            known = ", ".join(OrgUnitLevel.objects.values_list("code", flat=True))
            raise ValidationFailed(f"unknown level '{level}' (known: {known})", field="level")
        qs = qs.filter(level=lvl)
    if parent:
        if not CODE_RE.match(parent):
            raise ValidationFailed(f"malformed org-unit code '{parent}'", field="parent")
        parent_unit = OrgUnit.objects.filter(code=parent).first()
        if parent_unit is None:
            raise ValidationFailed(f"unknown org unit '{parent}'", field="parent")
        qs = qs.filter(parent=parent_unit)
    if q:
        if len(q) > 100:
            raise ValidationFailed("search text is longer than 100 characters", field="q")
        qs = qs.filter(
            Q(name__icontains=q) | Q(name_fr__icontains=q) | Q(name_rw__icontains=q) | Q(code__istartswith=q)
        )
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    return qs.order_by("path")


def orgunit_get(*, user: policy.Actor, code: str) -> OrgUnit:
    """Http404 for both missing and not visible."""
    return policy.get_visible_or_404(
        user, Perm.ORGUNIT_VIEW, OrgUnit.objects.select_related("level", "parent"), code=code
    )


def orgunit_children(*, user: policy.Actor, unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    """Children for the tree browser; at the top, the roots of the user's subtrees."""
    visible = orgunits_visible_to(user=user)
    if unit is not None:
        return visible.filter(parent=unit).annotate(child_count=Count("children")).order_by("name")
    roots = policy.subtree_roots(user, Perm.ORGUNIT_VIEW)
    if roots is None:
        return visible.filter(parent__isnull=True).annotate(child_count=Count("children")).order_by("name")
    return visible.filter(path__in=roots).annotate(child_count=Count("children")).order_by("path")


class GeoFeature(TypedDict):
    type: str
    geometry: dict[str, object] | None  # never None here: only units with a boundary
    properties: dict[str, str | None]  # code, name, path, parent


class FeatureCollection(TypedDict):
    type: str
    features: list[GeoFeature]
    attribution: str  # the credit maps must show for these shapes ("" when unknown)


def boundary_attribution(sources: Iterable[str]) -> str:
    """The credit for shapes from these `OrgUnit.geometry_source`s: WASAC's for the shipped layers."""
    return BOUNDARY_ATTRIBUTION if SHIPPED_BOUNDARY_SOURCE in set(sources) else ""


def district_features(*, user: policy.Actor, level: str = "district") -> FeatureCollection:
    """A GeoJSON FeatureCollection of the visible units of a level that have a geometry (the district map)."""
    units = list(
        orgunits_visible_to(user=user)
        .filter(level__code=level, geometry__isnull=False)
        # The parents' shapes ride along with select_related: decoding them cost 1.7 s for 416 sectors.
        .defer("attribute_values", "parent__geometry", "parent__attribute_values")
    )
    return {
        "type": "FeatureCollection",
        "attribution": boundary_attribution(u.geometry_source for u in units),
        "features": [
            {
                "type": "Feature",
                "geometry": u.geometry,
                "properties": {
                    "code": u.code,
                    "name": u.display_name,
                    "path": u.path,
                    "parent": u.parent.code if u.parent else None,
                },
            }
            for u in units
        ],
    }


@overload
def org_unit_by_code(
    code: object, *, field: str = ..., on: dt.date | None = ..., required: Literal[True] = ...
) -> OrgUnit: ...


@overload
def org_unit_by_code(
    code: object, *, field: str = ..., on: dt.date | None = ..., required: bool
) -> OrgUnit | None: ...


def org_unit_by_code(
    code: object, *, field: str = "org_unit", on: dt.date | None = None, required: bool = True
) -> OrgUnit | None:
    """The org unit with this code, or a 400 naming `field` ("unknown org unit 'X'"; "... closed on D" when
    `on` is given and the unit was not open that day). Blank is an error when `required`, else None.

    Not a visibility check: callers still ask the policy whether the user may act there."""
    text = "" if code is None else str(code).strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field} is required (an org unit code)", field=field)
        return None
    unit = OrgUnit.objects.select_related("level").filter(code=text).first()
    if unit is None:
        raise ValidationFailed(f"unknown org unit '{text[:64]}'", field=field)
    if on is not None and not unit.is_active_on(on):
        raise ValidationFailed(f"org unit '{text}' was not open on {on.isoformat()}", field=field)
    return unit
