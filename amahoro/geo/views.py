"""Pages of the place hierarchy: the tree browser (htmx partials), search, a place's page and the district map."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.roles import Perm

from . import selectors
from .models import OrgUnit, ancestor_paths

SEARCH_LIMIT = 50
COORD_DECIMALS = 5  # ~1 m: plenty for a district map, and much lighter over 3G
# The map draws districts; where no district shapes were imported, it falls back to province outlines.
MAP_LEVELS = ("district", "province")
GEO_DATA_README = Path(__file__).resolve().parent / "data" / "README.md"
_CREDIT_LINE = re.compile(r"(credit|licen[cs]e|©|\(c\)|CC BY|\bMIT\b|\bODbL\b|Natural Earth)", re.IGNORECASE)


@lru_cache(maxsize=1)
def boundary_readme() -> str:
    try:
        return GEO_DATA_README.read_text(encoding="utf-8")[:6000]
    except OSError:
        return ""


@lru_cache(maxsize=8)
def boundary_credit(level: str | None) -> str:
    """The credit of the shapes drawn at `level`: the line of amahoro/geo/data/README.md that starts with the
    level's name (e.g. "Province outlines: Made with Natural Earth ..."), or "" if the README has none."""
    if not level:
        return ""
    for line in boundary_readme().splitlines():
        clean = re.sub(r"[#*`_>|]+", "", line).strip(" -")
        if clean.lower().startswith(level) and _CREDIT_LINE.search(clean):
            # "District boundaries: © WASAC Ltd., ..." -> "© WASAC Ltd., ..." (pages say "Boundaries:")
            return re.sub(rf"^{level}\s+boundaries:\s*", "", clean, flags=re.IGNORECASE)[:300]
    return ""


def boundary_credits() -> list[str]:
    """The credits of the shipped shapes of every level, each once."""
    credits = (boundary_credit(level) for level in ("province", "district", "sector"))
    return list(dict.fromkeys(c for c in credits if c))


def map_level(user: Any) -> str | None:
    """The finest level the map can draw for this user: districts, else provinces, else none."""
    with_shapes = selectors.orgunits_visible_to(user=user).filter(geometry__isnull=False)
    for level in MAP_LEVELS:
        if with_shapes.filter(level__code=level).exists():
            return level
    return None


def _crumbs_for(user: Any, units: list[OrgUnit]) -> dict[int, list[OrgUnit]]:
    """Visible ancestors of each unit (root first), fetched in one query."""
    wanted = {p for u in units for p in ancestor_paths(u.path)[:-1]}
    if not wanted:
        return {u.pk: [] for u in units}
    by_path = {a.path: a for a in selectors.orgunits_visible_to(user=user).filter(path__in=wanted)}
    return {u.pk: [by_path[p] for p in ancestor_paths(u.path)[:-1] if p in by_path] for u in units}


def map_context(user: Any) -> dict[str, Any]:
    level = map_level(user)
    return {"map_level": level, "boundary_credit": boundary_credit(level)}


@login_required
@require_GET
def places(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    context = {
        "roots": selectors.orgunit_children(user=request.user, unit=None),
        "q": "",
        **map_context(request.user),
    }
    return render(request, "geo/places.html", context)


@login_required
@require_GET
def places_map(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    return render(request, "geo/map.html", map_context(request.user))


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Live search (an htmx partial), or the full page when JavaScript is off."""
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    q = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"q": q, "results": [], "more": False, "error": "", "limit": SEARCH_LIMIT}
    status = 200
    if q:
        try:
            found = list(selectors.orgunit_search(user=request.user, q=q)[: SEARCH_LIMIT + 1])
        except ValidationFailed as exc:
            context["error"] = exc.message
            status = 400
        else:
            context["more"] = len(found) > SEARCH_LIMIT
            results = found[:SEARCH_LIMIT]
            crumbs = _crumbs_for(request.user, results)
            context["results"] = [{"unit": u, "crumbs": crumbs[u.pk]} for u in results]
    if getattr(request, "htmx", False):
        return render(request, "geo/_search_results.html", context, status=status)
    context.update(
        roots=selectors.orgunit_children(user=request.user, unit=None), **map_context(request.user)
    )
    return render(request, "geo/places.html", context, status=status)


@login_required
@require_GET
def children(request: HttpRequest, code: str) -> HttpResponse:
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    unit = selectors.orgunit_get(user=request.user, code=code)
    if not getattr(request, "htmx", False):
        return redirect("geo:detail", code=unit.code)
    nodes = selectors.orgunit_children(user=request.user, unit=unit).select_related("level")
    return render(request, "geo/_children.html", {"nodes": nodes})


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    unit = selectors.orgunit_get(user=request.user, code=code)
    kids = list(selectors.orgunit_children(user=request.user, unit=unit).select_related("level"))
    # Organisations and accounts sit above geo: this page reaches them through the relations they declare on
    # OrgUnit (Organisation.areas) and through the user model, asking the policy as everywhere.
    organisation_model = apps.get_model("organisations", "Organisation")
    organisations = (
        policy.visible(request.user, Perm.ORGANISATION_VIEW, organisation_model._default_manager.all())
        .filter(areas__path__in=ancestor_paths(unit.path))
        .distinct()
        .order_by("name")
    )
    context = {
        "unit": unit,
        "crumbs": _crumbs_for(request.user, [unit])[unit.pk],
        "children": kids,
        "organisations": organisations if policy.has_perm(request.user, Perm.ORGANISATION_VIEW) else [],
        "replaced_by": (
            selectors.orgunits_visible_to(user=request.user).filter(pk=unit.replaced_by_id).first()
            if unit.replaced_by_id
            else None
        ),
        "people_count": (
            policy.visible(request.user, Perm.USER_VIEW, get_user_model().objects.all())
            .filter(role_assignments__org_unit=unit)
            .distinct()
            .count()
            if policy.has_perm(request.user, Perm.USER_VIEW)
            else None
        ),
    }
    return render(request, "geo/orgunit_detail.html", context)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, COORD_DECIMALS)
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


@login_required
@require_GET
@gzip_page
def districts_geojson(request: HttpRequest) -> JsonResponse:
    """The districts (or, with ?level=province, provinces) the user may see, as GeoJSON for the map;
    coordinates rounded to ~1 m; `attribution` is the credit the map shows."""
    policy.require(request.user, Perm.ORGUNIT_VIEW, message=_("Your roles do not include viewing places."))
    level = request.GET.get("level", "district")
    if level not in MAP_LEVELS:
        return JsonResponse(
            {
                "error": f"unknown map level '{level[:40]}' (one of: {', '.join(MAP_LEVELS)})",
                "field": "level",
            },
            status=400,
        )
    data = selectors.district_features(user=request.user, level=level)
    for feature in data["features"]:
        geometry = feature.get("geometry") or {}
        if "coordinates" in geometry:
            feature["geometry"] = {**geometry, "coordinates": _round(geometry["coordinates"])}
    response = JsonResponse(data, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response
