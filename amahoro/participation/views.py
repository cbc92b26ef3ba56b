"""Participation pages: representation figures, the parity chart, and the peacekeeping CSV upload."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.core.errors import PermissionDenied as Refused
from amahoro.roles import Perm

from . import selectors, services


def chart_context(*, user: Any) -> dict[str, Any]:
    parity = selectors.parity_series(user=user)
    return {
        "parity": parity,
        "parity_chart": {
            "series": parity,
            "labels": {
                "share": _("Women's share (%)"),
                "target": _("Target"),
                "nochart": _("The chart could not be loaded; the figures are in the table."),
            },
        },
        "representation": selectors.representation_latest(user=user),
    }


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    context = chart_context(user=request.user) | {
        "can_import": policy.has_perm(request.user, Perm.DATA_ENTER),
        **extra,
    }
    return render(request, "participation/index.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.DATA_VIEW):
        raise PermissionDenied(_("Your roles do not include viewing data."))
    return _page(request)


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.DATA_ENTER):
        raise PermissionDenied(_("Your roles do not include entering data."))
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return _page(request, 400, import_error=_("Choose the CSV file to import."))
    try:
        result = services.peacekeeping_csv_import(
            actor=request.user,
            content=upload_file.read(services.MAX_BYTES + 1),
            country=request.POST.get("country", "RWA")[:3],
        )
    except Refused as exc:
        raise PermissionDenied(exc.message) from None
    except AmahoroError as exc:
        return _page(request, 400, import_error=exc.message)
    return _page(request, import_result=result)
