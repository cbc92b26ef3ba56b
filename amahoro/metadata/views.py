"""Set-up pages for metadata managers (framework.manage, the permission of `POST /api/v1/metadata`): data
elements, categories (a disaggregation and its options) and category combos. Lists show what the user may
see (shared metadata and their organisations' own); only managers of the owner change an object (shared
metadata: system administrators). Writes go through services.py, which runs the metadata import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import services
from .forms import (
    AGGREGATION_LABELS,
    SHARED,
    VALUE_TYPE_LABELS,
    CategoryComboForm,
    CategoryForm,
    DataElementForm,
    owner_choices,
)
from .models import (
    DEFAULT_COMBO_CODE,
    Category,
    CategoryCombo,
    CategoryComboMembership,
    CategoryOptionMembership,
    DataElement,
)
from .selectors import metadata_visible_to

LIST_LIMIT = 500


def require_manager(request: HttpRequest) -> None:
    policy.require(
        request.user,
        Perm.FRAMEWORK_MANAGE,
        message=_("Your roles do not include setting up data elements, data sets and rules."),
    )


def owners_for(user: Any) -> list[tuple[str, str]]:
    """The owners a user may give new metadata: their organisations, and 'shared' for system administrators."""
    ids = policy.organisations_with(user, Perm.FRAMEWORK_MANAGE)
    qs = Organisation.objects.filter(is_active=True).order_by("name")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return owner_choices([(o.code, o.name) for o in qs], may_share=ids is None)


def owner_of(code: str) -> Organisation | None:
    return None if code == SHARED else Organisation.objects.filter(code=code).first()


def managed_ids(user: Any, queryset: QuerySet[Any]) -> set[int]:
    return set(policy.visible(user, Perm.FRAMEWORK_MANAGE, queryset).values_list("pk", flat=True))


def form_error(form: Any, exc: AmahoroError, aliases: dict[str, str] | None = None) -> None:
    """The service's message next to the field it names (`aliases`: service field -> form field)."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


COMBO_FIELDS = {"categories": "category_1", "categoryOptions": "category_1"}


def _search(request: HttpRequest, queryset: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
    q = request.GET.get("q", "").strip()[:100]
    if q:
        queryset = queryset.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return queryset, q


# ---------------------------------------------------------------------------------------------------------
# Data elements


@login_required
@require_GET
def element_list(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    qs = metadata_visible_to(user=request.user, queryset=DataElement.objects.all())
    qs, q = _search(request, qs)
    elements = list(qs.select_related("category_combo", "organisation").order_by("code")[:LIST_LIMIT])
    context = {
        "elements": elements,
        "q": q,
        "managed": managed_ids(request.user, DataElement.objects.filter(pk__in=[e.pk for e in elements])),
        "value_types": VALUE_TYPE_LABELS,
        "aggregations": AGGREGATION_LABELS,
    }
    return render(request, "metadata/element_list.html", context)


def combo_choices(user: Any) -> list[tuple[str, str]]:
    services.default_combo()
    combos = metadata_visible_to(user=user, queryset=CategoryCombo.objects.all()).order_by("name")
    none = [(DEFAULT_COMBO_CODE, _("None (one total)"))]
    return none + [(c.code, c.name) for c in combos if c.code != DEFAULT_COMBO_CODE]


def _element_values(form: DataElementForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {
        "name": d["name"],
        "short_name": d["short_name"],
        "description": d["description"],
        "value_type": d["value_type"],
        "aggregation_type": d["aggregation_type"],
        "category_combo": d["category_combo"],
        "zero_is_significant": d["zero_is_significant"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def element_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = DataElementForm(
        request.POST or None, combos=combo_choices(request.user), owners=owners_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            de = services.data_element_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                organisation=owner_of(form.cleaned_data["organisation"]),
                **_element_values(form),
            )
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Data element %(name)s added.") % {"name": de.name})
            return redirect("metadata:elements")
    status = 400 if request.method == "POST" else 200
    return render(request, "metadata/element_form.html", {"form": form, "element": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def element_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    de = policy.get_visible_or_404(
        request.user, Perm.FRAMEWORK_MANAGE, DataElement.objects.select_related("category_combo"), code=code
    )
    initial = {
        "name": de.name,
        "short_name": de.short_name,
        "description": de.description,
        "value_type": de.value_type,
        "aggregation_type": de.aggregation_type,
        "category_combo": de.category_combo.code,
        "zero_is_significant": de.zero_is_significant,
    }
    form = DataElementForm(
        request.POST or None, initial=initial, combos=combo_choices(request.user), owners=None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.data_element_update(actor=request.user, data_element=de, **_element_values(form))
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Data element %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("metadata:elements")
    status = 400 if request.method == "POST" else 200
    return render(request, "metadata/element_form.html", {"form": form, "element": de}, status=status)


# ---------------------------------------------------------------------------------------------------------
# Disaggregations: categories and category combos


@login_required
@require_GET
def disaggregations(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    categories = list(
        metadata_visible_to(user=request.user, queryset=Category.objects.exclude(code=DEFAULT_COMBO_CODE))
        .prefetch_related(
            Prefetch(
                "categoryoptionmembership_set",
                queryset=CategoryOptionMembership.objects.select_related("option").order_by(
                    "sort_order", "id"
                ),
            )
        )
        .select_related("organisation")
        .order_by("name")[:LIST_LIMIT]
    )
    combos = list(
        metadata_visible_to(
            user=request.user, queryset=CategoryCombo.objects.exclude(code=DEFAULT_COMBO_CODE)
        )
        .annotate(cells=Count("option_combos", distinct=True))
        .prefetch_related(
            Prefetch(
                "categorycombomembership_set",
                queryset=CategoryComboMembership.objects.select_related("category").order_by(
                    "sort_order", "id"
                ),
            )
        )
        .select_related("organisation")
        .order_by("name")[:LIST_LIMIT]
    )
    context = {
        "categories": categories,
        "combos": combos,
        "managed_categories": managed_ids(
            request.user, Category.objects.filter(pk__in=[c.pk for c in categories])
        ),
        "managed_combos": managed_ids(
            request.user, CategoryCombo.objects.filter(pk__in=[c.pk for c in combos])
        ),
    }
    return render(request, "metadata/disaggregations.html", context)


def _options_text(category: Category) -> str:
    rows = CategoryOptionMembership.objects.filter(category=category).select_related("option")
    return "\n".join(f"{m.option.code} {m.option.name}" for m in rows.order_by("sort_order", "id"))


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = CategoryForm(request.POST or None, owners=owners_for(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.category_create(
                actor=request.user,
                code=d["code"],
                name=d["name"],
                options=d["options"],
                organisation=owner_of(d["organisation"]),
            )
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Category %(name)s added.") % {"name": d["name"]})
            return redirect("metadata:disaggregations")
    status = 400 if request.method == "POST" else 200
    return render(request, "metadata/category_form.html", {"form": form, "category": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    category = policy.get_visible_or_404(
        request.user, Perm.FRAMEWORK_MANAGE, Category.objects.all(), code=code
    )
    initial = {"name": category.name, "options": _options_text(category)}
    form = CategoryForm(request.POST or None, initial=initial, owners=None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.category_update(
                actor=request.user, category=category, name=d["name"], options=d["options"]
            )
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": d["name"]})
            return redirect("metadata:disaggregations")
    status = 400 if request.method == "POST" else 200
    return render(request, "metadata/category_form.html", {"form": form, "category": category}, status=status)


def category_choices(user: Any, first: list[str] | None = None) -> list[tuple[str, str]]:
    cats = metadata_visible_to(user=user, queryset=Category.objects.exclude(code=DEFAULT_COMBO_CODE))
    by_code = {c.code: c for c in cats.order_by("name")}
    order = [c for c in (first or []) if c in by_code] + [c for c in by_code if c not in (first or [])]
    return [(c, f"{by_code[c].name} ({c})") for c in order]


@login_required
@require_http_methods(["GET", "POST"])
def combo_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = CategoryComboForm(
        request.POST or None, categories=category_choices(request.user), owners=owners_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.category_combo_create(
                actor=request.user,
                code=d["code"],
                name=d["name"],
                categories=list(d["categories"]),
                organisation=owner_of(d["organisation"]),
            )
        except AmahoroError as exc:
            form_error(form, exc, COMBO_FIELDS)
        else:
            messages.success(request, _("Category combo %(name)s added.") % {"name": d["name"]})
            return redirect("metadata:disaggregations")
    status = 400 if request.method == "POST" else 200
    return render(request, "metadata/combo_form.html", {"form": form, "combo": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def combo_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    combo = policy.get_visible_or_404(
        request.user, Perm.FRAMEWORK_MANAGE, CategoryCombo.objects.exclude(code=DEFAULT_COMBO_CODE), code=code
    )
    current = list(
        CategoryComboMembership.objects.filter(combo=combo)
        .order_by("sort_order", "id")
        .values_list("category__code", flat=True)
    )
    form = CategoryComboForm(
        request.POST or None,
        initial={"name": combo.name, **CategoryComboForm.initial_for(current)},
        categories=category_choices(request.user, first=current),
        owners=None,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.category_combo_update(
                actor=request.user, combo=combo, name=d["name"], categories=list(d["categories"])
            )
        except AmahoroError as exc:
            form_error(form, exc, COMBO_FIELDS)
        else:
            messages.success(request, _("Category combo %(name)s saved.") % {"name": d["name"]})
            return redirect("metadata:disaggregations")
    status = 400 if request.method == "POST" else 200
    cells = combo.option_combos.order_by("code")
    return render(
        request, "metadata/combo_form.html", {"form": form, "combo": combo, "cells": cells}, status=status
    )
