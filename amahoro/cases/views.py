"""Case pages: the case list and exact search, intake and edit (a stale edit is refused and the typed
values kept), a case file with consent, services and referrals, notes, closure and its access log, the
referrals received, and suppressed statistics. Reads via selectors (which audit), writes via services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, Conflict, NotFound
from amahoro.core.errors import PermissionDenied as ServicePermissionDenied
from amahoro.directory import selectors as directory
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

from . import deadlines, selectors, services, statistics
from .forms import (
    ClosureForm,
    ConsentForm,
    IncidentForm,
    NoteForm,
    ReferralRespondForm,
    ReferralUpdateForm,
    SearchForm,
    ServiceForm,
    StatisticsForm,
)
from .inputs import incident_parse
from .models import CaseStatus, Incident, ServiceType

PAGE = 50


NOT_CASE_ROLE = gettext_lazy("Your roles do not include GBV case management.")


def _open(request: HttpRequest, ident: str, perm: Perm = Perm.CASE_VIEW, purpose: str = "opened") -> Incident:
    if not policy.allows(request.user, perm):
        raise PermissionDenied(NOT_CASE_ROLE)
    try:
        return selectors.incident_open(user=request.user, ident=ident, perm=perm, purpose=purpose)
    except NotFound:
        raise Http404("not found") from None


def _places(user: Any) -> list[tuple[str, str]]:
    roots = policy.subtree_roots(user, Perm.CASE_MANAGE)
    qs = OrgUnit.objects.filter(level__code__in=("district", "sector"), closed_on__isnull=True)
    if roots is not None:
        q = Q()
        for root in roots:
            q |= Q(path__startswith=root)
        qs = qs.filter(q) if roots else qs.none()
    return [(u.code, f"{u.code} {u.name}") for u in qs.order_by("path")[:500]]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.CASE_VIEW):
        raise PermissionDenied(NOT_CASE_ROLE)
    search = SearchForm(request.POST or None)
    searched = False
    if request.method == "POST" and search.is_valid():
        # A POST, so neither a code nor a phone number ever lands in a URL or an access log.
        try:
            incidents = selectors.incidents_search(user=request.user, **search.cleaned_data)
            total = len(incidents)
            searched = True
        except AmahoroError as exc:
            search.add_error(None, exc.message)
            incidents, total = [], 0
    else:
        status = request.GET.get("status", "")
        if status not in ("", *CaseStatus.values):
            status = ""
        try:
            page = min(max(int(request.GET.get("page", "1")), 1), 100_000)
        except ValueError:
            page = 1
        incidents, total = selectors.incidents_list(
            user=request.user, status=status, limit=PAGE, offset=(page - 1) * PAGE
        )
    context = {
        "incidents": incidents,
        "total": total,
        "search": search,
        "searched": searched,
        "can_create": policy.has_perm(request.user, Perm.CASE_MANAGE),
        "statuses": CaseStatus.choices,
    }
    return render(request, "cases/list.html", context)


def _form_error(form: IncidentForm, exc: AmahoroError) -> None:
    form.add_error(form.error_field(exc.field), exc.message)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.CASE_MANAGE):
        raise PermissionDenied(NOT_CASE_ROLE)
    form = IncidentForm(request.POST or None, places=_places(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.incident_create(actor=request.user, data=incident_parse(form.payload()))
            except AmahoroError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Case recorded: %(code)s, %(type)s.")
                    % {"code": incident.survivor.code, "type": incident.get_gbv_type_display()},
                )
                return redirect("cases:detail", ident=incident.uuid)
        status = 400
    return render(request, "cases/form.html", {"form": form, "incident": None}, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, ident: str) -> HttpResponse:
    incident = _open(request, ident, Perm.CASE_MANAGE, "opened to edit")
    record = selectors.incident_as_dict(incident)
    places = [(incident.org_unit.code, f"{incident.org_unit.code} {incident.org_unit.name}")]
    form = IncidentForm(
        request.POST or None, places=places, editing=True, initial=IncidentForm.initial_from(record)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            version = form.cleaned_data.get("version") or 0
            try:
                services.incident_update(
                    actor=request.user,
                    incident=incident,
                    data=incident_parse(form.payload()),
                    version=version,
                )
            except Conflict as exc:
                # Nothing was written; the typed values stay on screen to be applied again.
                form.add_error(None, exc.message)
                return render(
                    request,
                    "cases/form.html",
                    {"form": form, "incident": incident, "conflict": True},
                    status=409,
                )
            except AmahoroError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Case saved."))
                return redirect("cases:detail", ident=incident.uuid)
        status = 400
    return render(request, "cases/form.html", {"form": form, "incident": incident}, status=status)


def _providers() -> list[tuple[str, str]]:
    return [(o.code, o.name) for o in Organisation.objects.filter(is_active=True).order_by("name")]


def _units(user: Any, incident: Incident) -> list[Any]:
    """The directory's providers serving the case's place, grouped by the service they offer."""
    serving = list(directory.providers_search(user=user, org_unit=incident.org_unit))
    groups = []
    for kind, label in ServiceType.choices:
        options = [(str(p.uuid), f"{p.name} ({p.organisation.name})") for p in serving if kind in p.services]
        if options:
            groups.append((label, options))
    return groups


def _service_form(request: HttpRequest, incident: Incident, data: Any = None) -> ServiceForm:
    return ServiceForm(data, providers=_providers(), units=_units(request.user, incident))


def _detail_context(request: HttpRequest, incident: Incident, **forms: Any) -> dict[str, Any]:
    user = request.user
    return {
        "incident": incident,
        "record": selectors.incident_as_dict(incident),
        "survivor": incident.survivor,
        "identity": incident.survivor.identity or {},
        "consent_form": forms.get("consent_form") or ConsentForm(providers=_providers()),
        "service_form": forms.get("service_form") or _service_form(request, incident),
        "note_form": forms.get("note_form") or NoteForm(),
        "closure_form": forms.get("closure_form") or ClosureForm(),
        "can_manage": policy.can(user, Perm.CASE_MANAGE, incident) and incident.status != CaseStatus.CLOSED,
        "can_supervise": policy.can(user, Perm.CASE_SUPERVISE, incident),
        "windows": services.windows(),
        "countdowns": deadlines.for_incident(incident),
    }


@login_required
@never_cache
def case_detail(request: HttpRequest, ident: str) -> HttpResponse:
    incident = _open(request, ident)
    return render(request, "cases/detail.html", _detail_context(request, incident))


def _action(request: HttpRequest, ident: str, form_name: str, form: Any, do: Any, done: str) -> HttpResponse:
    incident = _open(request, ident, Perm.CASE_MANAGE, "opened to change")
    if callable(form):  # a form that depends on the case (the providers serving its place)
        form = form(incident)
    if form.is_valid():
        try:
            do(incident, form.cleaned_data)
        except ServicePermissionDenied as exc:
            form.add_error(None, exc.message)
        except AmahoroError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, done)
            return redirect("cases:detail", ident=incident.uuid)
    incident.refresh_from_db()
    return render(
        request, "cases/detail.html", _detail_context(request, incident, **{form_name: form}), status=400
    )


@login_required
@require_POST
def consent_add(request: HttpRequest, ident: str) -> HttpResponse:
    def do(incident: Incident, d: dict[str, Any]) -> None:
        services.consent_record(
            actor=request.user,
            incident=incident,
            purpose=d["purpose"],
            given=d["given"],
            method=d["method"],
            service=d["service"] if d["purpose"] in ("release", "referral") else "",
            recipient=organisation_by_code(d["recipient"], field="recipient", required=False)
            if d["purpose"] == "release"
            else None,
            contact_methods=d["contact_methods"] if d["purpose"] == "referral" else [],
        )

    form = ConsentForm(request.POST, providers=_providers())
    return _action(request, ident, "consent_form", form, do, _("Consent recorded."))


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, ident: str, consent_id: str) -> HttpResponse:
    incident = _open(request, ident, Perm.CASE_MANAGE, "opened to withdraw consent")
    try:
        consent = incident.consents.filter(**selectors._uuid_lookup(consent_id)).first()
    except NotFound:
        consent = None
    if consent is None:
        raise Http404("not found")
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
        messages.success(request, _("Consent withdrawn."))
    except AmahoroError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", ident=incident.uuid)


@login_required
@require_POST
def service_add(request: HttpRequest, ident: str) -> HttpResponse:
    def do(incident: Incident, d: dict[str, Any]) -> None:
        services.service_record(
            actor=request.user,
            incident=incident,
            type=d["type"],
            status=d["status"],
            provider=organisation_by_code(d["provider"], field="provider", required=False),
            provider_unit=directory.provider_by_id(d["provider_unit"]) if d["provider_unit"] else None,
            urgency=d["urgency"],
            contact_method=d["contact_method"],
            provided_on=d["provided_on"],
            pep_given_on=d["pep_given_on"],
            ec_given_on=d["ec_given_on"],
            override_reason=d["override_reason"],
        )

    def form(incident: Incident) -> ServiceForm:
        return _service_form(request, incident, request.POST)

    return _action(request, ident, "service_form", form, do, _("Service recorded."))


@login_required
@require_POST
def note_add(request: HttpRequest, ident: str) -> HttpResponse:
    def do(incident: Incident, d: dict[str, Any]) -> None:
        services.note_add(
            actor=request.user, incident=incident, kind=d["kind"], text=d["text"], due_on=d["due_on"]
        )

    return _action(request, ident, "note_form", NoteForm(request.POST), do, _("Note added."))


@login_required
@require_POST
def closure_request(request: HttpRequest, ident: str) -> HttpResponse:
    def do(incident: Incident, d: dict[str, Any]) -> None:
        services.incident_closure_request(actor=request.user, incident=incident, reason=d["reason"])

    return _action(request, ident, "closure_form", ClosureForm(request.POST), do, _("Closure requested."))


@login_required
@require_POST
def closure_decision(request: HttpRequest, ident: str) -> HttpResponse:
    incident = _open(request, ident, Perm.CASE_SUPERVISE, "opened to decide closure")
    approve = request.POST.get("decision") == "approve"
    try:
        services.incident_closure_decide(actor=request.user, incident=incident, approve=approve)
        messages.success(
            request, _("Case closed.") if approve else _("Closure refused: the case is open again.")
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", ident=incident.uuid)


@login_required
@never_cache
def access_log(request: HttpRequest, ident: str) -> HttpResponse:
    incident = _open(request, ident, Perm.CASE_SUPERVISE, "access log viewed")
    events = selectors.access_log(user=request.user, incident=incident)[:1000]
    return render(request, "cases/access_log.html", {"incident": incident, "events": events})


NOT_REFERRAL_ROLE = gettext_lazy("Your roles do not include answering referrals.")


@login_required
@never_cache
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """The referrals sent to the user's organisation within their place, each with the answers it takes;
    the survivor's name and phone only with a release of information to this organisation and service."""
    if not policy.allows(request.user, Perm.REFERRAL_RESPOND):
        raise PermissionDenied(NOT_REFERRAL_ROLE)
    rows = selectors.referrals_list(user=request.user, direction=selectors.INCOMING)
    referrals = [
        {
            "service": r,
            "row": selectors.referral_row(r),
            "released": selectors.referral_as_dict(r, case_role=False),
        }
        for r in rows
    ]
    return render(
        request, "cases/referral_inbox.html", {"referrals": referrals, "form": ReferralRespondForm()}
    )


@login_required
@require_POST
def referral_respond(request: HttpRequest, ident: str) -> HttpResponse:
    if not policy.allows(request.user, Perm.REFERRAL_RESPOND):
        raise PermissionDenied(NOT_REFERRAL_ROLE)
    try:
        service = selectors.referral_open(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None
    form = ReferralRespondForm(request.POST)
    if form.is_valid():
        try:
            services.referral_respond(actor=request.user, service=service, **form.cleaned_data)
            messages.success(
                request, _("Referral %(code)s answered.") % {"code": service.incident.survivor.code}
            )
        except AmahoroError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose an answer."))
    return redirect("cases:referral-inbox")


@login_required
@never_cache
def referral_list(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.CASE_VIEW):
        if policy.allows(request.user, Perm.REFERRAL_RESPOND):
            return redirect("cases:referral-inbox")
        raise PermissionDenied(NOT_CASE_ROLE)
    referrals = list(selectors.referrals_visible_to(user=request.user)[: selectors.MAX_LIST])
    return render(request, "cases/referrals.html", {"referrals": referrals})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, ident: str) -> HttpResponse:
    if not policy.allows(request.user, Perm.CASE_VIEW):
        raise PermissionDenied(NOT_CASE_ROLE)
    try:
        service = selectors.referral_open(user=request.user, ident=ident)
    except NotFound:
        raise Http404("not found") from None
    form = ReferralUpdateForm(request.POST or None, initial={"status": service.status})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.service_update(actor=request.user, service=service, **form.cleaned_data)
            except AmahoroError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Referral updated."))
                return redirect("cases:referral", ident=service.uuid)
        status = 400
    context = {"referral": selectors.referral_as_dict(service), "service": service, "form": form}
    return render(request, "cases/referral.html", context, status=status)


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.CASE_STATISTICS):
        raise PermissionDenied(NOT_CASE_ROLE)
    form = StatisticsForm(request.GET or None)
    result = None
    status = 200
    if request.GET and form.is_valid():
        try:
            result = statistics.statistics(
                user=request.user, period=form.cleaned_data["period"], org_unit=form.cleaned_data["org_unit"]
            )
        except AmahoroError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 400
    elif request.GET:
        status = 400
    tables = []
    if result:
        tables = [(key, statistics.TITLES[key], table) for key, table in result["tables"].items()]
    return render(
        request, "cases/statistics.html", {"form": form, "result": result, "tables": tables}, status=status
    )
