"""Organisation pages: list with filters, detail, create and edit. Reads via selectors, writes via services,
decisions via amahoro.policy."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.geo.selectors import orgunits_visible_to
from amahoro.roles import Perm

from . import selectors, services
from .forms import OrganisationFilterForm, OrganisationForm
from .models import Contact, Organisation

PAGE_SIZE = 50


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, Perm.ORGANISATION_VIEW, message=_("Your roles do not include viewing organisations.")
    )
    form = OrganisationFilterForm(request.GET or None)
    status = 200
    orgs = selectors.organisation_search(user=request.user)
    if form.is_bound:
        if form.is_valid():
            orgs = selectors.organisation_search(
                user=request.user, type=form.cleaned_data["type"] or None, q=form.cleaned_data["q"] or None
            )
        else:
            status = 400
            orgs = orgs.none()
    params = {k: v for k, v in request.GET.items() if k in {"q", "type"} and v}
    page = Paginator(orgs.prefetch_related("areas"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "querystring": f"{urlencode(params)}&" if params else "",
        "can_create": policy.has_perm(request.user, Perm.ORGANISATION_CREATE),
    }
    return render(request, "organisations/list.html", context, status=status)


@login_required
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    org = selectors.organisation_get(user=request.user, code=code)
    all_areas = list(org.areas.select_related("level").order_by("path"))
    visible_ids = set(
        orgunits_visible_to(user=request.user)
        .filter(pk__in=[a.pk for a in all_areas])
        .values_list("pk", flat=True)
    )
    members = None
    if policy.has_perm(request.user, Perm.USER_VIEW):
        # Accounts sit above organisations: reached through the user model, asking the policy as everywhere.
        members = (
            policy.visible(request.user, Perm.USER_VIEW, get_user_model().objects.all())
            .filter(role_assignments__organisation=org)
            .distinct()
        )
    context = {
        "org": org,
        "areas": [a for a in all_areas if a.pk in visible_ids],
        "hidden_area_count": len(all_areas) - len(visible_ids),
        "contacts": policy.visible(
            request.user, Perm.ORGANISATION_VIEW, Contact.objects.filter(organisation=org)
        ),
        "members": members,
        "can_edit": policy.can(request.user, Perm.ORGANISATION_MANAGE, org),
    }
    return render(request, "organisations/detail.html", context)


_EDITABLE = ("name", "short_name", "type", "description", "email", "phone", "website", "address")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, Perm.ORGANISATION_CREATE, message=_("Only system administrators create organisations.")
    )
    form = OrganisationForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                org = services.organisation_create(
                    actor=request.user,
                    code=data["code"],
                    areas=data["areas"],
                    **{k: data[k] for k in _EDITABLE},
                )
            except AmahoroError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Organisation %(name)s created.") % {"name": org.name})
                return redirect("organisations:detail", code=org.code)
    return render(request, "organisations/form.html", {"form": form, "org": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, code: str) -> HttpResponse:
    org: Organisation = selectors.organisation_get(user=request.user, code=code)
    policy.require(
        request.user,
        Perm.ORGANISATION_MANAGE,
        org,
        message=_("Your roles do not allow editing this organisation."),
    )
    visible_units = orgunits_visible_to(user=request.user)
    current = list(org.areas.all())
    visible_ids = set(visible_units.filter(pk__in=[a.pk for a in current]).values_list("pk", flat=True))
    hidden = [a for a in current if a.pk not in visible_ids]
    initial = {k: getattr(org, k) for k in _EDITABLE}
    initial["is_active"] = org.is_active
    initial["areas"] = ", ".join(a.code for a in current if a.pk in visible_ids)
    form = OrganisationForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.organisation_update(
                    actor=request.user,
                    organisation=org,
                    # Places the editor cannot see stay as they are.
                    areas=[*data["areas"], *hidden],
                    is_active=data["is_active"],
                    **{k: data[k] for k in _EDITABLE},
                )
            except AmahoroError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Organisation %(name)s saved.") % {"name": org.name})
                return redirect("organisations:detail", code=org.code)
    context = {"form": form, "org": org, "hidden_area_count": len(hidden)}
    return render(request, "organisations/form.html", context, status=status)
