"""The data visualizer page (/analytics/) and the small lookups it searches as you type. The figures
themselves come from the analytics API (/api/v1/analytics) that the page's script asks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.geo import reference as geo_reference
from amahoro.roles import Perm

from . import pickers

# Parameters of the page's URL that describe the layout, not the data (the API does not take them).
LAYOUT_PARAMS = ("type", "rows", "columns")
VIEW_TYPES = ("pivot", "column", "bar", "line", "stacked", "pie", "map")


def _require_viewer(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.DATA_VIEW):
        raise PermissionDenied(_("Your roles do not include viewing data."))


def _json_lookup(fn: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], HttpResponse]:
    """A logged-in data viewer's GET lookup answered as JSON; bad input is a 400 naming the parameter."""

    @wraps(fn)
    @login_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        _require_viewer(request)
        try:
            return JsonResponse({"items": fn(request)})
        except ValidationFailed as exc:
            return JsonResponse({"error": exc.message, "code": "invalid", "field": exc.field}, status=400)

    return view


def dimension_items(params: Any) -> dict[str, list[str]]:
    """The items each dimension names in `dimension=`/`filter=` parameters ("dx:A;B" -> {"dx": [A, B]})."""
    out: dict[str, list[str]] = {}
    for key in ("dimension", "filter"):
        for raw in params.getlist(key):
            dim, _sep, rest = str(raw).partition(":")
            items = [i for i in rest.split(";") if i] if rest else []
            out.setdefault(dim.strip(), []).extend(items)
    return out


def _dashboard_save_url() -> str:
    try:
        return reverse("dashboards:favourite_save")
    except NoReverseMatch:  # the dashboards app does not serve it yet: post to the agreed path anyway
        return "/dashboards/favourites/save"


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    items = dimension_items(request.GET)
    state = {
        "labels": pickers.describe(
            user=request.user, dx=items.get("dx", ()), pe=items.get("pe", ()), ou=items.get("ou", ())
        ),
        "roots": pickers.user_roots(user=request.user),
        "relative": pickers.relative_periods(),
        "periodTypes": [{"code": t, "name": n} for t, n in _period_type_names()],
        "categories": pickers.categories(user=request.user),
        "viewTypes": list(VIEW_TYPES),
    }
    context = {
        "state": state,
        "view_types": _view_type_names(),
        "period_types": _period_type_names(),
        "relative": pickers.relative_periods(),
        "favourite_save_url": _dashboard_save_url(),
        "boundary_attribution": geo_reference.BOUNDARY_ATTRIBUTION,
        "texts": viz_texts(),
    }
    return render(request, "visualizer/page.html", context)


def viz_texts() -> dict[str, str]:
    """The renderer's and the builder's words, translated (the scripts fall back to English); pages that
    embed the renderer (dashboards, home, portal) give the same."""
    return {
        "loading": _("Loading…"),
        "empty": _("No data for this choice."),
        "failed": _("The figures could not be loaded"),
        "total": _("Total"),
        "noTotals": _("No totals: some of the data is not summed (averages, last values or indicators)."),
        "noData": _("No data"),
        "mapNeedsOu": _(
            "A map needs places in rows or columns, at one level (all districts or all sectors)."
        ),
        "mapFailed": _("The map could not be drawn."),
        "chartFailed": _("The chart could not be drawn."),
        "showing": _("Showing"),
        "legend": _("Legend"),
        "value": _("Value"),
        "remove": _("Remove"),
        "noMatch": _("Nothing found"),
        "needData": _("Choose at least one data element or indicator."),
        "needPeriod": _("Choose at least one period."),
        "needPlace": _("Choose at least one place."),
    }


def _view_type_names() -> list[tuple[str, str]]:
    return [
        ("pivot", _("Pivot table")),
        ("column", _("Column chart")),
        ("bar", _("Bar chart")),
        ("line", _("Line chart")),
        ("stacked", _("Stacked columns")),
        ("pie", _("Pie chart")),
        ("map", _("Thematic map")),
    ]


def _period_type_names() -> list[tuple[str, str]]:
    names = {
        "Monthly": _("Months"),
        "Quarterly": _("Quarters"),
        "SixMonthly": _("Half-years"),
        "Yearly": _("Years"),
        "FinancialJuly": _("Financial years (July)"),
    }
    return [(t, names[t]) for t in pickers.PICKER_PERIOD_TYPES]


@_json_lookup
def search_data(request: HttpRequest) -> Any:
    return pickers.data_search(user=request.user, q=request.GET.get("q", ""))


@_json_lookup
def search_places(request: HttpRequest) -> Any:
    return pickers.place_search(user=request.user, q=request.GET.get("q", ""))


@_json_lookup
def periods(request: HttpRequest) -> Any:
    raw_year = request.GET.get("year", "")
    try:
        year = int(raw_year)
    except ValueError:
        raise ValidationFailed(f"year must be a number, not '{raw_year[:20]}'", field="year") from None
    return pickers.periods_of(period_type=request.GET.get("type", "Monthly"), year=year)


@_json_lookup
def items(request: HttpRequest) -> Any:
    """Names and additivity of the items of a query (`?dimension=dx:A;B&...` as the API takes it)."""
    found = dimension_items(request.GET)
    return pickers.describe(
        user=request.user, dx=found.get("dx", ()), pe=found.get("pe", ()), ou=found.get("ou", ())
    )
