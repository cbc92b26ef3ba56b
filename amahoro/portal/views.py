"""Public portal pages and open-data downloads: no login, GET only, the same answer for every visitor.

Pages are rendered without the request (no session, no CSRF cookie, no per-user context), so responses
carry no Set-Cookie and no `Vary: Cookie` and may be cached by browsers and proxies for
PORTAL_CACHE_SECONDS."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amahoro.core.errors import NotFound

from . import downloads, selectors


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=selectors.cache_seconds())
    response["X-Robots-Tag"] = "all"
    return response


def _page(template: str, context: dict[str, Any]) -> HttpResponse:
    base = {"datasets": downloads.DATASETS.values(), "framework_code": selectors.portal_framework_code()}
    return _public(HttpResponse(render_to_string(template, base | context)))


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    part = selectors.participation()
    funding = selectors.funding_by_pillar()
    return _page(
        "portal/index.html",
        {
            "progress": selectors.nap_progress(),
            "funding": funding,
            "funding_currency": funding[0]["currency"] if funding else "RWF",
            "representation": part["representation"],
            "parity": part["parity"],
            "consultations": selectors.consultations(),
        },
    )


@require_GET
def participation(request: HttpRequest) -> HttpResponse:
    part = selectors.participation()
    return _page(
        "portal/participation.html",
        {
            "representation": part["representation"],
            "parity": part["parity"],
            "parity_chart": {
                "series": part["parity"],
                "labels": {
                    "share": _("Women's share (%)"),
                    "target": _("Target"),
                    "nochart": _("The chart could not be loaded; the figures are in the table."),
                },
            },
        },
    )


@require_GET
def consultation(request: HttpRequest, uuid: Any) -> HttpResponse:
    from amahoro.consultations import selectors as cs

    try:
        rnd = cs.published_round_get(uuid=uuid)
    except NotFound:
        raise Http404("not found") from None
    rows = selectors.cached(f"consultation:{rnd.uuid}", lambda: cs.round_summary(round=rnd))
    return _page("portal/consultation.html", {"round": rnd, "rows": rows})


@require_GET
def download(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    ds = downloads.DATASETS.get(dataset)
    if ds is None or fmt not in ("csv", "json"):
        raise Http404("not found")
    if fmt == "csv":
        response = HttpResponse(downloads.as_csv(ds), content_type="text/csv; charset=utf-8")
    else:
        response = JsonResponse(downloads.as_json(ds), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="amahoro-{ds.name}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return _public(response)
