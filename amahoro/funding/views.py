"""Funding pages: the overview per pillar and agency (charts, tables, exports, spreadsheet import) and the
IATI page (upload, unmapped queue, mapping by hand). Reads via selectors, writes via services/iati,
decisions via amahoro.policy."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound
from amahoro.frameworks.models import Framework, Node
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import iati, selectors, services, spreadsheet
from .access import MAY_MANAGE
from .api import importing_organisation
from .currencies import CURRENCY_CHOICES
from .models import IatiActivity, RuleKind

DEFAULT_FRAMEWORK = "RW-NAP1325-2018"
MAX_UPLOAD = iati.MAX_BYTES


def _framework(request: HttpRequest) -> Framework | None:
    frameworks = selectors.funding_frameworks(user=request.user).order_by("code")
    code = request.GET.get("framework", "").strip()[:50]
    if code:
        fw = frameworks.filter(code=code).first()
        if fw is None:
            raise Http404("framework not found")
        return fw
    return frameworks.filter(code=DEFAULT_FRAMEWORK).first() or frameworks.first()


def _chart(result: selectors.FrameworkFunding) -> dict[str, Any]:
    pillars = result.pillars
    return {
        "currency": result.currency,
        "labels": {"planned": _("Planned"), "committed": _("Committed"), "disbursed": _("Disbursed"), "spent": _("Spent")},
        "categories": [n.node.code for n in pillars],
        "names": [n.node.display_name for n in pillars],
        "series": {k: [float(getattr(n.total, k)) for n in pillars] for k in selectors.KINDS},
        "agencies": [a.code for a in result.agencies],
        "agency_series": {k: [float(getattr(a.total, k)) for a in result.agencies] for k in selectors.KINDS},
    }  # fmt: skip


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.FUNDING_VIEW):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    fw = _framework(request)
    currency = (request.GET.get("currency") or "RWF").strip().upper()[:3]
    fiscal_year = request.GET.get("fiscal_year", "").strip()[:20] or None
    result, error = None, None
    if fw is not None:
        try:
            result = selectors.framework_funding(
                framework=fw, user=request.user, currency=currency, fiscal_year=fiscal_year
            )
        except AmahoroError as exc:
            error = exc.message
    costs = selectors.costs_per_result(user=request.user, result=result) if result else []
    context = {
        "costs": costs,
        "framework": fw,
        # issue 17: "No results framework yet" only when there is none, not when the user's roles show none.
        "no_access": fw is None and policy.hides_all(shown=False, existing=Framework.objects.all()),
        "frameworks": selectors.funding_frameworks(user=request.user).order_by("code"),
        "result": result,
        "chart": _chart(result) if result else None,
        "currency": currency,
        "fiscal_year": fiscal_year or "",
        "currencies": CURRENCY_CHOICES,
        "error": error,
        "can_manage": policy.has_perm(request.user, Perm.FUNDING_MANAGE),
    }
    return render(request, "funding/overview.html", context, status=400 if error else 200)


@login_required
@require_GET
def summary_csv(request: HttpRequest) -> HttpResponse:
    """Totals per node as CSV with HXL hashtags (row 2)."""
    if not policy.allows(request.user, Perm.FUNDING_VIEW):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    fw = _framework(request)
    if fw is None:
        raise Http404("no framework")
    try:
        result = selectors.framework_funding(
            framework=fw,
            user=request.user,
            currency=request.GET.get("currency") or "RWF",
            fiscal_year=request.GET.get("fiscal_year") or None,
        )
    except AmahoroError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    nodes = cast(list[dict[str, object]], result.as_dict()["nodes"])
    rows = [{"framework": fw.code, **row} for row in nodes]
    body = spreadsheet.csv_bytes(rows, spreadsheet.SUMMARY_COLUMNS, spreadsheet.SUMMARY_HXL)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="funding-{fw.code}-{result.currency}.csv"'
    return response


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The budget lines and transactions the user may see, in the template's columns (re-importable)."""
    if not policy.allows(request.user, Perm.FUNDING_VIEW):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    budgets = selectors.budget_lines_visible_to(user=request.user).select_related(
        "node__framework", "org_unit"
    )
    txs = selectors.transactions_visible_to(user=request.user).select_related("node__framework", "org_unit")
    rows = spreadsheet.record_rows(budgets.order_by("period_start", "pk"), txs.order_by("date", "pk"))
    if fmt == "csv":
        response = HttpResponse(
            spreadsheet.csv_bytes(rows, spreadsheet.COLUMNS, spreadsheet.HXL),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            spreadsheet.xlsx_bytes(rows, spreadsheet.COLUMNS),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="funding-records.{fmt}"'
    return response


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.FUNDING_VIEW):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    response = HttpResponse(
        spreadsheet.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="funding-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Import a filled-in template (XLSX or CSV): all rows or none, errors per row and column."""
    if not policy.allows(request.user, Perm.FUNDING_MANAGE):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    errors: list[dict[str, Any]] = []
    message = ""
    status = 200
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            message, status = _("Choose a file to import."), 400
        elif upload_file.size and upload_file.size > MAX_UPLOAD:
            message, status = _("The file is too large."), 400
        else:
            try:
                result = spreadsheet.funding_table_import(
                    actor=request.user, content=upload_file.read(), filename=upload_file.name or ""
                )
            except spreadsheet.SpreadsheetInvalid as exc:
                message, errors, status = exc.message, [e.as_dict() for e in exc.errors[:500]], 400
            except AmahoroError as exc:
                message, status = exc.message, 400
            else:
                messages.success(request, _("Imported %(n)d rows.") % {"n": result["rows"]})
                return redirect(reverse("funding:overview"))
    return render(request, "funding/upload.html", {"message": message, "errors": errors}, status=status)


# ---------------------------------------------------------------------------------------------------------
# IATI


def _visible_node(user: Actor, raw: str) -> Node | None:
    """The node with this public id, if the user may see it (a malformed id is simply not found)."""
    try:
        key = uuid.UUID(raw.strip())
    except ValueError:
        return None
    return policy.visible(user, Perm.FRAMEWORK_VIEW, Node.objects.all()).filter(uuid=key).first()


def _node_choices(user: Actor) -> list[Node]:
    return list(
        policy.visible(user, Perm.FRAMEWORK_VIEW, Node.objects.select_related("framework")).order_by(
            "framework__code", "sort_order", "code"
        )[:2000]
    )


@login_required
@require_http_methods(["GET", "POST"])
def iati_page(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.FUNDING_VIEW):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    can_manage = policy.has_perm(request.user, Perm.FUNDING_MANAGE)
    summary: dict[str, Any] | None = None
    error = ""
    status = 200
    if request.method == "POST":
        if not policy.allows(request.user, Perm.FUNDING_MANAGE):
            raise PermissionDenied(_("Your roles do not include this part of funding."))
        upload_file = request.FILES.get("file")
        try:
            if upload_file is None:
                raise iati.IatiError(_("Choose an IATI activity file (XML)."), field="file")
            org = importing_organisation(request.user, request.POST.get("organisation") or None)
            summary = iati.iati_import(
                actor=request.user,
                content=upload_file.read(),
                organisation=org,
                filename=upload_file.name or "",
            ).as_dict()
        except AmahoroError as exc:
            error, status = exc.message, exc.status
    activities = selectors.activities_visible_to(user=request.user).order_by("node_id", "iati_identifier")
    manageable = set(
        selectors.activities_visible_to(user=request.user, perm=Perm.FUNDING_MANAGE).values_list(
            "pk", flat=True
        )
    )
    context = {
        "summary": summary,
        "error": error,
        "can_manage": can_manage,
        "unmapped": [a for a in activities if a.node_id is None],
        "mapped": [a for a in activities if a.node_id is not None],
        "manageable": manageable,
        "nodes": _node_choices(request.user) if can_manage else [],
        "organisations": _managed_orgs(request.user) if can_manage else [],
        "rules": selectors.mapping_rules_visible_to(user=request.user).select_related("framework")[:500],
        "rule_kinds": RuleKind.choices,
        "is_system_admin": policy.is_system_admin(request.user),
    }
    return render(request, "funding/iati.html", context, status=status if status < 500 else 400)


def _managed_orgs(user: Actor) -> list[Organisation]:
    ids = policy.organisations_with(user, Perm.FUNDING_MANAGE)
    qs = Organisation.objects.filter(is_active=True).order_by("code")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return [
        o
        for o in qs[:200]
        if policy.allows(user, Perm.FUNDING_MANAGE, organisation=o, org_unit=None, check=MAY_MANAGE)
    ]


@login_required
@require_POST
def iati_map(request: HttpRequest, pk: str) -> HttpResponse:
    if not policy.allows(request.user, Perm.FUNDING_MANAGE):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    activity = policy.get_visible_or_404(
        request.user, Perm.FUNDING_MANAGE, IatiActivity.objects.all(), uuid=pk
    )
    raw = request.POST.get("node", "").strip()
    node = None
    if raw:
        node = _visible_node(request.user, raw)
        if node is None:
            raise Http404("node not found")
    try:
        iati.iati_activity_map(actor=request.user, activity=activity, node=node)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if node is not None:
        messages.success(
            request, _("%(id)s mapped to %(node)s.") % {"id": activity.iati_identifier, "node": node}
        )
    else:
        messages.success(
            request, _("%(id)s is back in the unmapped queue.") % {"id": activity.iati_identifier}
        )
    return redirect(reverse("funding:iati"))


@login_required
@require_POST
def rule_create(request: HttpRequest) -> HttpResponse:
    """Add a mapping rule (sector code, tag code or keyword -> node) from the IATI page."""
    if not policy.allows(request.user, Perm.FUNDING_MANAGE):
        raise PermissionDenied(_("Your roles do not include this part of funding."))
    node = _visible_node(request.user, request.POST.get("node", ""))
    try:
        if node is None:
            raise NotFound(_("Choose a framework node."), field="node")
        org = organisation_by_code(request.POST.get("organisation"), active=False, required=False)
        services.mapping_rule_create(
            actor=request.user,
            node=node,
            kind=request.POST.get("kind", ""),
            value=request.POST.get("value", "")[:200],
            organisation=org,
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rule added: it applies to the next imports."))
    return redirect(reverse("funding:iati"))
