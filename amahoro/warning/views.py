"""Pages of the early-warning module under /warning/: the signals in the user's scope, one signal with the
moves the user may make, and "See": counts by sector and ISO week, their map (GeoJSON at see/map.geojson),
response times per responder and the NAP P2.O3 figures (aggregates only, small counts suppressed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound, ValidationFailed
from amahoro.geo.views import boundary_credit
from amahoro.roles import Perm

from . import routing_rules, selectors, services
from .forms import RoutingRuleForm, SignalFilterForm, TransitionForm
from .models import RoutingRule, Signal, SignalStatus

# The button each move gets on the signal's page.
MOVE_LABELS = {
    SignalStatus.VERIFIED: gettext_lazy("Verify"),
    SignalStatus.DISCARDED: gettext_lazy("Discard"),
    SignalStatus.ASSIGNED: gettext_lazy("Assign"),
    SignalStatus.RESPONDING: gettext_lazy("Start the response"),
    SignalStatus.RESOLVED: gettext_lazy("Resolve"),
}


def _require_view(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.SIGNAL_VIEW):
        raise PermissionDenied(_("Your roles do not include early-warning signals."))


def _signal(request: HttpRequest, ident: str) -> Signal:
    try:
        return selectors.access_signal(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None


@login_required
def signal_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = SignalFilterForm(request.GET or None)
    signals = selectors.signals_visible_to(user=request.user).none()
    status = 200
    filtered = True
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        filtered = any(data.get(name) for name in ("status", "type", "org_unit", "overdue"))
        try:
            signals = selectors.signals_search(
                user=request.user,
                status=data.get("status") or "",
                type=data.get("type") or "",
                org_unit=data.get("org_unit") or "",
                overdue=True if data.get("overdue") else None,
            )
        except AmahoroError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 400
    else:
        status = 400
    page = Paginator(signals, 100).get_page(request.GET.get("page"))
    rows = [(s, selectors.is_overdue(s)) for s in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": filtered,
        # issue 17: an unfiltered empty list says "no access" when signals exist outside the user's places.
        "no_access": not filtered
        and status == 200
        and policy.hides_all(shown=rows, existing=Signal.objects.all()),
        "may_configure": policy.has_perm(request.user, Perm.SIGNAL_CONFIGURE),
    }
    return render(request, "warning/list.html", context, status=status)


@login_required
def signal_detail(request: HttpRequest, ident: str) -> HttpResponse:
    _require_view(request)
    signal = _signal(request, ident)
    seen = selectors.disclosure(user=request.user, signal=signal)
    selectors.disclosure_audit(user=request.user, signal=signal, seen=seen)
    moves = [
        (to, MOVE_LABELS[SignalStatus(to)]) for to in services.allowed_moves(user=request.user, signal=signal)
    ]
    context = {
        "signal": signal,
        "seen": seen,
        "overdue": selectors.is_overdue(signal),
        "moves": moves,
        "form": TransitionForm(),
        "transitions": signal.transitions.select_related("by"),
        # A GBV signal not yet linked: "Open a case" for a case worker of its responder (the case module's
        # intake, through /warning/<id>/case/). Once linked: only "case opened", with the link for those
        # who may read the organisation's cases there.
        "may_open_case": signal.type.is_gbv
        and signal.case_uuid is None
        and selectors.case_intake_allowed(request.user, signal),
        "case_link": selectors.case_link_visible(request.user, signal),
    }
    return render(request, "warning/detail.html", context)


@login_required
@require_POST
def signal_transition(request: HttpRequest, ident: str) -> HttpResponse:
    _require_view(request)
    signal = _signal(request, ident)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The move was not understood: %(errors)s") % {"errors": form.errors.as_text()}
        )
        return redirect("warning:detail", ident=signal.uuid)
    try:
        services.signal_transition(
            actor=request.user,
            signal=signal,
            to=form.cleaned_data["to"],
            note=form.cleaned_data.get("note") or "",
            assign_to=form.cleaned_data.get("assign_to") or None,
        )
    except NotFound:
        raise Http404("not found") from None
    except AmahoroError as exc:
        messages.error(request, exc.message)
        return redirect("warning:detail", ident=signal.uuid)
    messages.success(
        request, _("Signal moved to %(status)s.") % {"status": SignalStatus(form.cleaned_data["to"]).label}
    )
    return redirect("warning:detail", ident=signal.uuid)


@login_required
def signal_see(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    table = selectors.signal_counts(user=request.user)
    trend = list(zip(table.weeks, table.week_totals, strict=True))
    since = (timezone.localdate() - dt.timedelta(days=183)).replace(day=1)
    indicators = selectors.nap_indicators(user=request.user, since=since)
    responders = selectors.response_times(user=request.user, since=since)
    return render(
        request,
        "warning/see.html",
        {
            "table": table,
            "lines": list(zip(table.rows, table.cells, table.row_totals, strict=True)),
            "trend": trend,
            "indicators": indicators,
            "responders": responders,
            "boundary_credit": boundary_credit("sector"),
        },
    )


@login_required
@require_GET
@gzip_page
def signal_map(request: HttpRequest) -> JsonResponse:
    """Signals per sector over `from`..`to` (ISO weeks of the See page's window) as GeoJSON for the See
    page's map: the sectors the user covers, with the suppressed figures of the See page's table only."""
    if not policy.has_perm(request.user, Perm.SIGNAL_VIEW):
        return JsonResponse({"error": _("Your roles do not include early-warning signals.")}, status=403)
    try:
        data = selectors.signal_map(
            user=request.user,
            week_from=request.GET.get("from", "")[:20],
            week_to=request.GET.get("to", "")[:20],
        )
    except ValidationFailed as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=400)
    response = JsonResponse(data, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Routing rules (signal.configure, within one's places) ---------------------------------------------------


def _require_configure(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.SIGNAL_CONFIGURE):
        raise PermissionDenied(_("Your roles do not include configuring early warning."))


def _rule_form(data: Any = None, initial: dict[str, Any] | None = None) -> RoutingRuleForm:
    types = [(t.code, t.display_name) for t in selectors.signal_types()]
    return RoutingRuleForm(data, types=types, initial=initial)


def _rule_saved(request: HttpRequest, form: RoutingRuleForm, rule: RoutingRule | None) -> RoutingRule | None:
    """Save through the service; its refusal lands beside the field it names."""
    if not form.is_valid():
        return None
    try:
        return routing_rules.routing_rule_save(actor=request.user, values=form.cleaned_data, rule=rule)
    except NotFound:
        raise Http404("not found") from None
    except AmahoroError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def routing_rule_list(request: HttpRequest) -> HttpResponse:
    """The rules at one's places, and a form to add one."""
    _require_configure(request)
    form = _rule_form(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if _rule_saved(request, form, None) is not None:
            messages.success(request, _("Routing rule added."))
            return redirect("warning:routing")
        status = 400
    rules = routing_rules.routing_rules_visible(user=request.user)
    return render(request, "warning/routing.html", {"rules": rules, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def routing_rule_edit(request: HttpRequest, ident: str) -> HttpResponse:
    _require_configure(request)
    try:
        rule = routing_rules.routing_rule_get(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None
    initial = {
        "signal_type": rule.signal_type.code if rule.signal_type else "",
        "org_unit": rule.org_unit.code,
        "responder": rule.responder.code,
        "hours_immediate": rule.hours_immediate,
        "hours_high": rule.hours_high,
        "hours_routine": rule.hours_routine,
    }
    form = _rule_form(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if _rule_saved(request, form, rule) is not None:
            messages.success(request, _("Routing rule saved."))
            return redirect("warning:routing")
        status = 400
    return render(request, "warning/routing_edit.html", {"rule": rule, "form": form}, status=status)


@login_required
@require_POST
def routing_rule_active(request: HttpRequest, ident: str) -> HttpResponse:
    """Deactivate a rule (or activate it again): POST active=0|1."""
    _require_configure(request)
    try:
        rule = routing_rules.routing_rule_get(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None
    active = request.POST.get("active") == "1"
    try:
        routing_rules.routing_rule_save(actor=request.user, values={"is_active": active}, rule=rule)
    except AmahoroError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Routing rule activated.") if active else _("Routing rule deactivated."))
    return redirect("warning:routing")
