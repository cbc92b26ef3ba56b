"""The page that opens a GBV case from a GBV signal (/warning/<id>/case/): the case module's intake form,
with the survivor's consent, starting from the signal's place only (see signal_cases.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from amahoro.cases.forms import IncidentForm
from amahoro.cases.inputs import incident_parse
from amahoro.core.errors import AmahoroError, Conflict, NotFound
from amahoro.core.errors import PermissionDenied as ServicePermissionDenied
from amahoro.warning import selectors as warning_selectors
from amahoro.warning import services as warning_services
from amahoro.warning.models import Signal

from . import signal_cases


def _refused(request: HttpRequest, signal: Signal, exc: Conflict) -> HttpResponse:
    reasons = {
        "not_gbv": _("Only a GBV signal can open a GBV case."),
        "case_already_opened": _("A case has already been opened from this signal."),
    }
    message = reasons.get(exc.code, exc.message)
    return render(
        request, "worklist/signal_case_refused.html", {"signal": signal, "message": message}, status=409
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def signal_case_open(request: HttpRequest, ident: str) -> HttpResponse:
    try:
        signal = warning_selectors.signal_for_case(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None
    try:
        warning_services.signal_case_check(actor=request.user, signal=signal)
    except ServicePermissionDenied as exc:
        raise PermissionDenied(exc.message) from None
    except Conflict as exc:
        return _refused(request, signal, exc)
    form = IncidentForm(
        request.POST or None,
        places=signal_cases.places(signal, request.user),
        initial=signal_cases.initial(signal),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = signal_cases.signal_case_open(
                    actor=request.user, signal=signal, data=incident_parse(form.payload())
                )
            except ServicePermissionDenied as exc:
                if not exc.field:
                    raise PermissionDenied(exc.message) from None
                form.add_error(form.error_field(exc.field), exc.message)
            except Conflict as exc:
                return _refused(request, signal, exc)
            except AmahoroError as exc:
                form.add_error(form.error_field(exc.field) if exc.field != "consent" else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Case recorded from the signal: %(code)s, %(type)s.")
                    % {"code": incident.survivor.code, "type": incident.get_gbv_type_display()},
                )
                return redirect("cases:detail", ident=incident.uuid)
        status = 400
    return render(request, "worklist/signal_case.html", {"form": form, "signal": signal}, status=status)
