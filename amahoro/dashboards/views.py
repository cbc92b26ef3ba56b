"""Dashboard pages: the list (and a form to make one), a dashboard whose items are fetched one by one with
htmx after the page has loaded (a slow item does not hold the page), its editing forms, the visualizer's
"Save as favourite" endpoint, and the data of a public favourite (the portal's renderer reads it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound, ValidationFailed
from amahoro.roles import Perm
from amahoro.visualizer.query import run

from . import selectors, services
from .models import Dashboard, DashboardItem, Favourite, ItemKind, Sharing
from .queries import query_params
from .widgets import due_widget


def _dashboard(request: HttpRequest, uuid: Any) -> Dashboard:
    try:
        return selectors.dashboard_get(user=request.user, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None


def _item(dashboard: Dashboard, uuid: Any) -> DashboardItem:
    try:
        return selectors.item_get(dashboard=dashboard, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None


def _refused(request: HttpRequest, exc: AmahoroError) -> None:
    if isinstance(exc, NotFound) and exc.field is None:
        raise Http404("not found")
    messages.error(request, exc.message)


@login_required
@require_GET
def dashboard_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.DATA_VIEW, message=_("Dashboards need the data.view permission."))
    return render(
        request,
        "dashboards/list.html",
        {
            "dashboards": selectors.dashboards_visible_to(user=request.user),
            "favourites": selectors.favourites_visible_to(user=request.user),
            "sharing_choices": Sharing.choices,
            "landing": selectors.landing_dashboard(user=request.user),
        },
    )


@login_required
@require_POST
def dashboard_create(request: HttpRequest) -> HttpResponse:
    try:
        dashboard = services.dashboard_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            sharing=request.POST.get("sharing", Sharing.PRIVATE),
            description=request.POST.get("description", ""),
        )
    except AmahoroError as exc:
        _refused(request, exc)
        return redirect("dashboards:list")
    messages.success(request, _("Dashboard created: add favourites and text to it."))
    return redirect("dashboards:detail", uuid=dashboard.uuid)


@login_required
@require_GET
def dashboard_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    policy.require(request.user, Perm.DATA_VIEW, message=_("Dashboards need the data.view permission."))
    dashboard = _dashboard(request, uuid)
    editable = selectors.may_change(user=request.user, obj=dashboard)
    return render(
        request,
        "dashboards/detail.html",
        {
            "dashboard": dashboard,
            "items": selectors.dashboard_items(dashboard=dashboard),
            "editable": editable,
            "favourites": selectors.favourites_visible_to(user=request.user) if editable else (),
            "item_kinds": ItemKind.choices,
        },
    )


def item_context(*, user: Any, dashboard: Dashboard, item: DashboardItem) -> dict[str, Any]:
    """What one item's partial shows."""
    context: dict[str, Any] = {"dashboard": dashboard, "item": item}
    if item.kind == ItemKind.FAVOURITE and item.favourite is not None:
        context["visible"] = selectors.item_favourite_visible(user=user, item=item)
    elif item.kind == ItemKind.DUE:
        context["due"] = due_widget(user=user)
    return context


@login_required
@require_GET
def item_partial(request: HttpRequest, uuid: Any, item: Any) -> HttpResponse:
    """One item, fetched by htmx after the dashboard page has loaded."""
    policy.require(request.user, Perm.DATA_VIEW, message=_("Dashboards need the data.view permission."))
    dashboard = _dashboard(request, uuid)
    context = item_context(user=request.user, dashboard=dashboard, item=_item(dashboard, item))
    return render(request, "dashboards/_item.html", context)


def _chosen_favourite(request: HttpRequest) -> Favourite:
    key = request.POST.get("favourite", "")
    try:
        return selectors.favourite_get(user=request.user, uuid=UUID(key))
    except (ValueError, NotFound):
        raise ValidationFailed(_("Choose one of your favourites."), field="favourite") from None


@login_required
@require_POST
def item_add(request: HttpRequest, uuid: Any) -> HttpResponse:
    dashboard = _dashboard(request, uuid)
    kind = request.POST.get("kind", ItemKind.FAVOURITE)
    try:
        favourite = None
        if kind == ItemKind.FAVOURITE:
            favourite = _chosen_favourite(request)
        services.dashboard_item_add(
            actor=request.user,
            dashboard=dashboard,
            kind=kind,
            favourite=favourite,
            text=request.POST.get("text", ""),
        )
        messages.success(request, _("Item added."))
    except AmahoroError as exc:
        _refused(request, exc)
    return redirect("dashboards:detail", uuid=dashboard.uuid)


@login_required
@require_POST
def item_remove(request: HttpRequest, uuid: Any, item: Any) -> HttpResponse:
    dashboard = _dashboard(request, uuid)
    try:
        services.dashboard_item_remove(actor=request.user, item=_item(dashboard, item))
        messages.success(request, _("Item removed."))
    except AmahoroError as exc:
        _refused(request, exc)
    return redirect("dashboards:detail", uuid=dashboard.uuid)


@login_required
@require_POST
def item_move(request: HttpRequest, uuid: Any, item: Any) -> HttpResponse:
    dashboard = _dashboard(request, uuid)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Move an item up or down."))
        return redirect("dashboards:detail", uuid=dashboard.uuid)
    try:
        services.dashboard_item_move(actor=request.user, item=_item(dashboard, item), offset=offset)
    except AmahoroError as exc:
        _refused(request, exc)
    return redirect(reverse("dashboards:detail", args=[dashboard.uuid]) + f"#item-{item}")


@login_required
@require_POST
def dashboard_delete(request: HttpRequest, uuid: Any) -> HttpResponse:
    dashboard = _dashboard(request, uuid)
    try:
        services.dashboard_delete(actor=request.user, dashboard=dashboard)
    except AmahoroError as exc:
        _refused(request, exc)
        return redirect("dashboards:detail", uuid=dashboard.uuid)
    messages.success(request, _("Dashboard deleted."))
    return redirect("dashboards:list")


@login_required
@require_POST
def favourite_save(request: HttpRequest) -> HttpResponse:
    """The visualizer page's "Save as favourite" form: back to the same view with a message."""
    query = request.POST.get("query", "").strip().lstrip("?")
    try:
        favourite = services.favourite_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            query=query,
            sharing=request.POST.get("sharing", Sharing.PRIVATE),
            description=request.POST.get("description", ""),
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Saved as favourite “%(name)s”: add it to a dashboard from the dashboards page.")
            % {"name": favourite.name},
        )
    back = "/analytics/"
    if query and len(query) <= 4000:
        back += "?" + query
    return HttpResponseRedirect(back)


@login_required
@require_POST
def favourite_delete(request: HttpRequest, uuid: Any) -> HttpResponse:
    try:
        favourite = selectors.favourite_get(user=request.user, uuid=uuid)
        services.favourite_delete(actor=request.user, favourite=favourite)
        messages.success(request, _("Favourite deleted."))
    except AmahoroError as exc:
        _refused(request, exc)
    return redirect("dashboards:list")


@require_GET
def favourite_data(request: HttpRequest, uuid: Any) -> JsonResponse:
    """The data of a PUBLIC favourite in the analytics API's shape, read as the public reader (the same
    answer for everyone, signed in or not): what the portal's and dashboards' renderer draws."""
    reader = policy.public_reader()
    try:
        favourite = selectors.favourite_get(user=reader, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None
    if favourite.sharing != Sharing.PUBLIC:
        raise Http404("not found")
    params = QueryDict(mutable=True)
    for name, values in query_params(favourite.query).items():
        params.setlist(name, values)
    try:
        answer = run(user=reader, params=params)
    except AmahoroError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    response = JsonResponse(answer)
    response["Cache-Control"] = "public, max-age=300"
    return response
