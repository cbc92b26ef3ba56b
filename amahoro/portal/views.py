"""Public portal pages and open-data downloads: no login, GET only, the same answer for every visitor.

Pages are rendered without the request (no session, no CSRF cookie, no per-user context), so responses
carry no Set-Cookie and no `Vary: Cookie` and may be cached by browsers and proxies for
PORTAL_CACHE_SECONDS. The language is English, French or Kinyarwanda from the browser (`Accept-Language`),
or chosen with `?lang=en|fr|rw` in the URL (the portal's language links): a choice in the URL, not in a
cookie, keeps every cached page the same for everyone who asks for that URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amahoro.core.errors import NotFound

from . import downloads, selectors


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=selectors.cache_seconds())
    response["X-Robots-Tag"] = "all"
    return response


# Each language named in itself (Django's LANG_INFO has no Kinyarwanda).
NATIVE_NAMES = {"en": "English", "fr": "Français", "rw": "Ikinyarwanda"}


def chosen_language(request: HttpRequest) -> str | None:
    """The language asked for with ?lang= (one of settings.LANGUAGES), else None (the browser's)."""
    code = request.GET.get("lang", "")
    return code if code in dict(settings.LANGUAGES) else None


def portal_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only; renders in the ?lang= language when one is chosen."""

    @require_GET
    @wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        code = chosen_language(request)
        if code is None:
            return func(request, *args, **kwargs)
        with translation.override(code):
            response = func(request, *args, **kwargs)
        response["Content-Language"] = code
        return response

    return wrapper


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    chosen = chosen_language(request)
    base = {
        "datasets": downloads.DATASETS.values(),
        "framework_code": selectors.portal_framework_code(),
        # Links inside the portal keep a chosen language; the switcher links to this page in each language.
        "lq": f"?lang={chosen}" if chosen else "",
        "here": request.path,
        "portal_languages": [(code, NATIVE_NAMES.get(code, str(name))) for code, name in settings.LANGUAGES],
    }
    return _public(HttpResponse(render_to_string(template, base | context)))


@portal_view
def index(request: HttpRequest) -> HttpResponse:
    part = selectors.participation()
    funding = selectors.funding_by_pillar()
    return _page(
        request,
        "portal/index.html",
        {
            "progress": selectors.nap_progress(),
            "funding": funding,
            "funding_currency": funding[0]["currency"] if funding else "RWF",
            "representation": part["representation"],
            "parity": part["parity"],
            "consultations": selectors.consultations(),
            "favourites": selectors.public_favourites(),
        },
    )


@portal_view
def participation(request: HttpRequest) -> HttpResponse:
    part = selectors.participation()
    return _page(
        request,
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


@portal_view
def consultation(request: HttpRequest, uuid: Any) -> HttpResponse:
    from amahoro.consultations import selectors as cs

    try:
        rnd = cs.published_round_get(uuid=uuid)
    except NotFound:
        raise Http404("not found") from None
    rows = selectors.cached(f"consultation:{rnd.uuid}", lambda: cs.round_summary(round=rnd))
    return _page(request, "portal/consultation.html", {"round": rnd, "rows": rows})


@portal_view
def favourite(request: HttpRequest, uuid: Any) -> HttpResponse:
    """A public favourite drawn by the visualizer's renderer from its public data (the dashboards app's
    /dashboards/favourites/<uuid>/data, computed as the public reader)."""
    fav = selectors.public_favourite(uuid)
    if fav is None:
        raise Http404("not found")
    return _page(request, "portal/favourite.html", {"favourite": fav})


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
