"""Framework and indicator pages: the list of frameworks, a framework's tree with progress bars and traffic
lights, an indicator's actual vs target over time and by district, and framework files (template,
export, import). Reads via selectors, writes via services, decisions via amahoro.policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.metadata.access import manages_organisation
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import interchange, selectors
from .models import Framework, Indicator
from .progress import STATUS_LABELS, Status

MAX_PARAM = 50


def _param(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name, "").strip()
    if len(value) > MAX_PARAM:
        raise ValidationFailed(f"{name} is longer than {MAX_PARAM} characters", field=name)
    return value or None


def _framework(user: Any, code: str) -> Framework:
    try:
        return selectors.framework_get(user=user, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _legend() -> list[tuple[str, str]]:
    return [(s.value, str(STATUS_LABELS[s])) for s in Status]


@login_required
@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, Perm.FRAMEWORK_VIEW, message=_("Your roles do not include viewing results frameworks.")
    )
    frameworks = (
        selectors.frameworks_visible_to(user=request.user)
        .annotate(node_count=Count("nodes"))
        .order_by("code")
    )
    context = {
        "frameworks": frameworks,
        # issue 17: "No framework yet." only when there is none, not when the user's roles show none.
        "no_access": policy.hides_all(shown=frameworks, existing=Framework.objects.all()),
        "can_import": policy.has_perm(request.user, Perm.FRAMEWORK_MANAGE),
    }
    return render(request, "frameworks/list.html", context)


@login_required
@require_GET
def framework_detail(request: HttpRequest, code: str) -> HttpResponse:
    fw = _framework(request.user, code)
    error = None
    status = 200
    try:
        span = selectors.span_of(period=_param(request, "period"), framework=fw)
        unit = selectors.progress_org_unit(user=request.user, code=_param(request, "org_unit"))
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        error, status = exc, 400
        span = selectors.span_of(period=None, framework=fw)
        unit = selectors.progress_org_unit(user=request.user, code=None)
    progress = selectors.framework_progress(user=request.user, framework=fw, org_unit=unit, span=span)
    nodes = [np.node for np in progress.flat]
    links_out = selectors.links_visible(
        user=request.user, links=[lk for n in nodes for lk in n.links_out.all()], side="target"
    )
    links_in = selectors.links_visible(
        user=request.user, links=[lk for n in nodes for lk in n.links_in.all()], side="source"
    )
    by_node = {np.node.pk: np for np in progress.flat}
    for link in links_out:
        by_node[link.source_id].links_out.append(link)
    for link in links_in:
        by_node[link.target_id].links_in.append(link)
    context = {
        "fw": fw,
        "progress": progress,
        "span": span,
        "unit": unit,
        "error": error,
        "period_value": request.GET.get("period", "")[:MAX_PARAM],
        "org_unit_value": request.GET.get("org_unit", "")[:MAX_PARAM],
        "legend": _legend(),
        "can_manage": policy.can(request.user, Perm.FRAMEWORK_MANAGE, fw),
    }
    return render(request, "frameworks/detail.html", context, status=status)


@login_required
@require_GET
def framework_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    fw = _framework(request.user, code)
    try:
        content, content_type, filename = interchange.framework_export(
            actor=request.user, framework=fw, fmt=fmt
        )
    except ValidationFailed as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def framework_template(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, Perm.FRAMEWORK_VIEW, message=_("Your roles do not include results frameworks.")
    )
    response = HttpResponse(interchange.framework_xlsx(None), content_type=interchange.EXPORT_FORMATS["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="framework-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def framework_import(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user,
        Perm.FRAMEWORK_MANAGE,
        message=_("Your roles do not include managing results frameworks."),
    )
    organisations = [
        o
        for o in Organisation.objects.filter(is_active=True).order_by("name")
        if manages_organisation(request.user, o)
    ]
    context: dict[str, Any] = {"organisations": organisations, "errors": [], "error": None}
    if request.method == "GET":
        return render(request, "frameworks/import.html", context)
    upload = request.FILES.get("file")
    org_code = request.POST.get("organisation", "").strip()
    dry_run = request.POST.get("dry_run") == "on"
    try:
        if upload is None:
            raise ValidationFailed(_("Choose a file to import."), field="file")
        if upload.size is not None and upload.size > interchange.MAX_FILE_BYTES:
            raise ValidationFailed(_("The file is larger than 5 MB."), field="file")
        organisation = None
        if org_code:
            organisation = next((o for o in organisations if o.code == org_code), None)
            if organisation is None:
                raise ValidationFailed(_("Choose one of your organisations."), field="organisation")
        name = (upload.name or "").lower()
        raw = upload.read()
        if name.endswith(".xlsx"):
            bundle = interchange.parse_xlsx(raw)
        elif name.endswith((".yaml", ".yml", ".json")):
            bundle = interchange.parse_text(raw, "json" if name.endswith(".json") else "yaml")
        else:
            raise ValidationFailed(_("Upload a .xlsx, .yaml or .json file."), field="file")
        report = interchange.framework_import(
            actor=request.user, bundle=bundle, organisation=organisation, dry_run=dry_run
        )
    except interchange.FrameworkImportFailed as exc:
        context["errors"] = exc.errors
        return render(request, "frameworks/import.html", context, status=400)
    except AmahoroError as exc:
        context["error"] = exc
        return render(
            request, "frameworks/import.html", context, status=exc.status if exc.status != 404 else 400
        )
    messages.success(request, report.summary())
    if dry_run:
        return redirect(reverse("frameworks:import"))
    return redirect(reverse("frameworks:detail", args=[report.framework.code]))


@login_required
@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        ind = selectors.indicator_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    error = None
    status = 200
    period_type = None
    try:
        span = selectors.span_of(period=_param(request, "period"), framework=ind.framework)
        unit = selectors.progress_org_unit(user=request.user, code=_param(request, "org_unit"))
        period_type = _param(request, "period_type")
        series = selectors.indicator_series(
            user=request.user, indicator=ind, org_unit=unit, span=span, period_type=period_type
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ValidationFailed as exc:
        error, status = exc, 400
        span = selectors.span_of(period=None, framework=ind.framework)
        unit = selectors.progress_org_unit(user=request.user, code=None)
        series = selectors.indicator_series(user=request.user, indicator=ind, org_unit=unit, span=span)
    progress = selectors.indicator_progress(user=request.user, indicator=ind, org_unit=unit, span=span)
    places = selectors.indicator_by_place(user=request.user, indicator=ind, org_unit=unit, span=span)
    has_shapes = OrgUnit.objects.filter(level__code="district", geometry__isnull=False).exists()
    chart = {
        "unit": ind.unit,
        "series": series,
        "labels": {"actual": _("Actual"), "target": _("Target"), "expected": _("Expected by now")},
    }
    status_map = {
        "districts": {p["code"]: p for p in places},
        "labels": dict(_legend()),
        "value_label": _("Actual"),
        "target_label": _("Target"),
    }
    visible_nodes = policy.visible(request.user, Perm.FRAMEWORK_VIEW, ind.nodes.select_related("framework"))
    context = {
        "ind": ind,
        "progress": progress,
        "series": series,
        "places": places,
        "span": span,
        "unit": unit,
        "error": error,
        "chart": chart,
        "status_map": status_map,
        "has_shapes": has_shapes,
        "geojson_url": reverse("api:orgunit-geojson") + "?level=district",
        "nodes": visible_nodes,
        "legend": _legend(),
        "period_value": request.GET.get("period", "")[:MAX_PARAM],
        "org_unit_value": request.GET.get("org_unit", "")[:MAX_PARAM],
        "period_type_value": (period_type or "")[:MAX_PARAM],
        "period_types": ["Yearly", "FinancialJuly", "SixMonthly", "Quarterly", "Monthly"],
    }
    return render(request, "frameworks/indicator.html", context, status=status)


@login_required
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, Perm.FRAMEWORK_VIEW, message=_("Your roles do not include viewing indicators.")
    )
    indicators = selectors.indicators_visible_to(user=request.user).order_by("code")
    # issue 17: "No indicator yet." only when there is none, not when the user's roles show none.
    no_access = policy.hides_all(shown=indicators, existing=Indicator.objects.all())
    return render(
        request, "frameworks/indicator_list.html", {"indicators": indicators, "no_access": no_access}
    )
