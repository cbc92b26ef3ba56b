"""Pages of the service directory: the list with search by service and place, a provider, and the forms
with which directory.manage holders add and change their organisation's providers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import selectors, services
from .forms import DirectorySearchForm, ProviderForm
from .models import ServiceProvider


def _require_view(request: HttpRequest) -> None:
    if not policy.allows(request.user, Perm.ORGANISATION_VIEW):
        raise PermissionDenied(_("Your roles do not include reading the directory."))


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = DirectorySearchForm(request.GET or None)
    providers: Any = []
    status = 200
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        try:
            unit = selectors.org_unit_lookup(data["org_unit"]) if data.get("org_unit") else None
            providers = selectors.providers_search(
                user=request.user, service=data.get("service") or "", org_unit=unit, q=data.get("q") or ""
            ).prefetch_related("areas")[:500]
        except AmahoroError as exc:
            form.add_error("org_unit", exc.message)
            status = 400
    else:
        status = 400
    context = {
        "form": form,
        "providers": providers,
        "can_manage": policy.has_perm(request.user, Perm.DIRECTORY_MANAGE),
    }
    return render(request, "directory/list.html", context, status=status)


def _provider(request: HttpRequest, ident: str, perm: Perm = Perm.ORGANISATION_VIEW) -> ServiceProvider:
    try:
        return selectors.access_provider(user=request.user, ident=ident, perm=perm)
    except NotFound:
        raise Http404("not found") from None


@login_required
def provider_detail(request: HttpRequest, ident: str) -> HttpResponse:
    _require_view(request)
    provider = _provider(request, ident)
    context = {
        "provider": provider,
        "can_edit": policy.can(request.user, Perm.DIRECTORY_MANAGE, provider),
    }
    return render(request, "directory/detail.html", context)


def _organisations(user: Any) -> list[tuple[str, str]]:
    ids = policy.organisations_with(user, Perm.DIRECTORY_MANAGE)
    qs = Organisation.objects.filter(is_active=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return [(o.code, o.name) for o in qs.order_by("name")]


def _values(form: ProviderForm) -> dict[str, Any]:
    d = form.cleaned_data
    unit = selectors.org_unit_lookup(d["org_unit"]) if d["org_unit"] else None
    areas = [selectors.org_unit_lookup(c, field="areas") for c in d["areas"].split()]
    return {
        "name": d["name"],
        "services": d["services"],
        "org_unit": unit,
        "areas": areas,
        "phone": d["phone"],
        "email": d["email"],
        "address": d["address"],
        "hours": d["hours"],
        "languages": d["languages"],
        "accessibility": d["accessibility"],
    }


def _save(form: ProviderForm, do: Any) -> ServiceProvider | None:
    if not form.is_valid():
        return None
    try:
        return do(_values(form))  # type: ignore[no-any-return]
    except AmahoroError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def provider_create(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.DIRECTORY_MANAGE):
        raise PermissionDenied(_("Your roles do not include keeping the directory."))
    form = ProviderForm(request.POST or None, organisations=_organisations(request.user))

    def do(values: dict[str, Any]) -> ServiceProvider:
        org = Organisation.objects.get(code=form.cleaned_data["organisation"])
        return services.provider_create(actor=request.user, organisation=org, **values)

    if request.method == "POST":
        provider = _save(form, do)
        if provider is not None:
            messages.success(request, _("Provider added."))
            return redirect("directory:detail", ident=provider.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/form.html", {"form": form, "provider": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, ident: str) -> HttpResponse:
    if not policy.allows(request.user, Perm.DIRECTORY_MANAGE):
        raise PermissionDenied(_("Your roles do not include keeping the directory."))
    provider = _provider(request, ident, Perm.DIRECTORY_MANAGE)
    initial = {
        "organisation": provider.organisation.code,
        "name": provider.name,
        "services": provider.services,
        "org_unit": provider.org_unit.code if provider.org_unit else "",
        "areas": " ".join(sorted(a.code for a in provider.areas.all())),
        "phone": provider.phone,
        "email": provider.email,
        "address": provider.address,
        "hours": provider.hours,
        "languages": provider.languages,
        "accessibility": provider.accessibility,
        "is_active": provider.is_active,
    }
    orgs = [(provider.organisation.code, provider.organisation.name)]
    form = ProviderForm(request.POST or None, initial=initial, organisations=orgs)

    def do(values: dict[str, Any]) -> ServiceProvider:
        areas = values.pop("areas")
        return services.provider_update(
            actor=request.user,
            provider=provider,
            areas=areas,
            is_active=form.cleaned_data["is_active"],
            **values,
        )

    if request.method == "POST":
        saved = _save(form, do)
        if saved is not None:
            messages.success(request, _("Provider saved."))
            return redirect("directory:detail", ident=saved.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/form.html", {"form": form, "provider": provider}, status=status)
