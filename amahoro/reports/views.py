"""Report pages: the reports the user may use, a report's form (preview in a sandboxed frame, download through
a run), a run's progress (polled with htmx until the file is ready) and its download. Runs are their owner's
alone: another user's run is a 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError, Conflict, NotFound, ValidationFailed
from amahoro.frameworks.selectors import frameworks_visible_to
from amahoro.geo.selectors import orgunits_visible_to

from . import kinds, runs, services
from .api import attachment, kinds_for
from .fields import FRAMEWORK, ORG_UNIT, Param, params_of
from .models import ReportRun, RunStatus

PLACES_MAX = 400  # places offered in the search list (the field takes any code the user may see)
# The preview is the report's own HTML in a frame: no script, no request anywhere, only its inline styles
# and embedded (data:) images; `sandbox` gives it an opaque origin even if a browser ignored the iframe's.
PREVIEW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _kind(request: HttpRequest, code: str) -> kinds.ReportKind:
    try:
        kind = kinds.get(code)
    except NotFound:
        raise Http404("no such report") from None
    policy.require(request.user, kind.perm, message=_("You may not use this report."))
    return kind


def _params_from(kind: kinds.ReportKind, data: Any) -> dict[str, str]:
    return {p.name: data.get(p.name, "").strip() for p in params_of(kind) if data.get(p.name, "").strip()}


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    available = kinds_for(request.user)
    if not available:
        policy.require_any(
            request.user, {k.perm for k in kinds.all_kinds()}, message=_("You may not use any report.")
        )
    return render(
        request,
        "reports/list.html",
        {"kinds": available, "runs": runs.runs_of(user=request.user)[:10]},
    )


class FormField:
    """One parameter of a report's form, with its value, choices and error (for the template)."""

    def __init__(self, param: Param, value: str, error: str, choices: list[tuple[str, str]]) -> None:
        self.param = param
        self.name = param.name
        self.value = value
        self.error = error
        self.choices = choices


def _choices(request: HttpRequest, kind: kinds.ReportKind, param: Param) -> list[tuple[str, str]]:
    if param.picker == FRAMEWORK:
        return [(f.code, f"{f.display_name} ({f.code})") for f in frameworks_visible_to(user=request.user)]
    if param.picker == ORG_UNIT:
        places = orgunits_visible_to(user=request.user, perm=kind.perm).order_by("depth", "path")[:PLACES_MAX]
        return [(u.code, f"{u.name} ({u.level.name})") for u in places]
    if param.name == "lang":
        return [(code, str(name)) for code, name in _languages()]
    return []


def _languages() -> list[tuple[str, str]]:
    from django.conf import settings

    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _form(
    request: HttpRequest, kind: kinds.ReportKind, values: dict[str, str], error: AmahoroError | None, fmt: str
) -> list[FormField]:
    fields = []
    for param in params_of(kind):
        value = values.get(param.name, "")
        if param.name == "lang" and not value:
            value = (translation.get_language() or "en")[:2]
        message = error.message if error is not None and error.field == param.name else ""
        fields.append(FormField(param, value, message, _choices(request, kind, param)))
    return fields


def _kind_page(
    request: HttpRequest,
    kind: kinds.ReportKind,
    values: dict[str, str],
    fmt: str,
    error: AmahoroError | None = None,
    status: int = 200,
) -> HttpResponse:
    fields = _form(request, kind, values, error, fmt)
    named = {f.name for f in fields} | {"format"}
    return render(
        request,
        "reports/kind.html",
        {
            "kind": kind,
            "fields": fields,
            "fmt": fmt,
            "format_error": error.message if error is not None and error.field == "format" else "",
            # An error naming no field of the form (an unknown place, a missing permission) goes above it.
            "error": error.message if error is not None and error.field not in named else "",
            "runs": runs.runs_of(user=request.user).filter(kind=kind.code)[:5],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str) -> HttpResponse:
    kind = _kind(request, code)
    if request.method == "GET":
        values = _params_from(kind, request.GET)
        return _kind_page(request, kind, values, request.GET.get("format", kind.formats[0]))
    values = _params_from(kind, request.POST)
    fmt = request.POST.get("format", "")
    try:
        run = runs.run_create(actor=request.user, kind=kind.code, fmt=fmt, params=values)
    except AmahoroError as exc:
        if isinstance(exc, NotFound) and exc.field is None:
            raise Http404(exc.message) from None
        return _kind_page(request, kind, values, fmt, error=exc, status=exc.status)
    return redirect("reports:run", uuid=run.uuid)


@login_required
@require_GET
def report_preview_frame(request: HttpRequest, code: str) -> HttpResponse:
    """The preview's frame (htmx swaps it in under the form), or the message naming a bad parameter."""
    kind = _kind(request, code)
    values = _params_from(kind, request.GET)
    try:
        clean = kind.parse(values)
    except ValidationFailed as exc:
        # The field as the form labels it ("Place"), not its parameter name (`org_unit`).
        labels = {p.name: p.label for p in params_of(kind)}
        field = labels.get(exc.field or "", exc.field)
        return render(request, "reports/_preview.html", {"kind": kind, "error": exc, "field": field})
    src = reverse("reports:preview", args=[kind.code]) + "?" + urlencode(clean)
    return render(request, "reports/_preview.html", {"kind": kind, "src": src})


@login_required
@require_GET
@xframe_options_sameorigin
def report_preview(request: HttpRequest, code: str) -> HttpResponse:
    """The report as HTML (what the PDF prints), shown in a sandboxed frame of the report's page."""
    kind = _kind(request, code)
    try:
        rendered = services.render(
            user=request.user, kind=kind.code, params=_params_from(kind, request.GET), fmt="html"
        )
        response = HttpResponse(rendered.content, content_type=rendered.content_type)
    except AmahoroError as exc:
        response = render(request, "reports/preview_error.html", {"message": exc.message}, status=exc.status)
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def _run(request: HttpRequest, uuid: Any) -> ReportRun:
    try:
        return runs.run_get(user=request.user, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None


@login_required
@require_GET
def run_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    run = _run(request, uuid)
    try:
        kind: kinds.ReportKind | None = kinds.get(run.kind)
    except NotFound:
        kind = None
    context = {"run": run, "kind": kind, "finished": run.status in (RunStatus.DONE, RunStatus.FAILED)}
    template = "reports/_run_status.html" if getattr(request, "htmx", False) else "reports/run.html"
    return render(request, template, context)


@login_required
@require_GET
def run_download(request: HttpRequest, uuid: Any) -> HttpResponse:
    try:
        run, content = runs.run_content(user=request.user, uuid=uuid)
    except (NotFound, Conflict):
        raise Http404("not found") from None
    return attachment(content, run.content_type, run.filename)
