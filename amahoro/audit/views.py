"""The audit log page (filters, pages) and its CSV export (audit.export, shared with the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amahoro import policy
from amahoro.roles import Perm

from . import selectors
from .export import audit_csv_export
from .forms import AuditFilterForm

PAGE_SIZE = 50


def _filter_form(request: HttpRequest) -> AuditFilterForm:
    params = {k: v for k, v in request.GET.items() if k in AuditFilterForm.base_fields and v}
    return AuditFilterForm(params or None)


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.AUDIT_VIEW):
        raise PermissionDenied(_("Your roles do not include reading the audit log."))
    form = _filter_form(request)
    status = 200
    filters: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    events = selectors.events_visible_to(user=request.user, **filters)
    if status == 400:
        events = events.none()
    params = {k: v for k, v in request.GET.items() if k in AuditFilterForm.base_fields and v}
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(selectors.events_shown(page.object_list))
    context = {
        "form": form,
        "page_obj": page,
        "querystring": f"{urlencode(params)}&" if params else "",
        "export_query": urlencode(params),
        "can_export": policy.has_perm(request.user, Perm.AUDIT_EXPORT),
    }
    return render(request, "audit/list.html", context, status=status)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if not policy.has_perm(request.user, Perm.AUDIT_EXPORT):
        raise PermissionDenied(_("Your roles do not include exporting the audit log."))
    form = _filter_form(request)
    filters: dict[str, Any] = {}
    if form.is_bound:
        if not form.is_valid():
            errors = "; ".join(
                f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in form.errors.items()
            )
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        filters = form.filters()
    return audit_csv_export(actor=request.user, filters=filters)
