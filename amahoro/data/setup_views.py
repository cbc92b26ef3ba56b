"""Set-up pages of the data app for metadata managers (framework.manage): the "Set up" index, data sets
(what is reported together, how often, by which places and organisations) and validation rules. Data
elements and disaggregations are the metadata app's pages (amahoro.metadata.views). Organisation-owned
objects are seen and changed only by their organisation's managers, shared ones changed only by system
administrators, as in the API. The data entry pages are views.py's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amahoro import policy
from amahoro.core.errors import AmahoroError, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import orgunit_search, orgunits_visible_to
from amahoro.metadata.models import DEFAULT_COMBO_CODE, CategoryCombo, DataElement
from amahoro.metadata.selectors import metadata_visible_to
from amahoro.metadata.views import form_error, managed_ids, owner_of, owners_for, require_manager
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import services
from .models import DataSet, ValidationRule
from .setup_forms import MISSING_VALUE_LABELS, PERIOD_TYPE_LABELS, DataSetForm, ValidationRuleForm

PLACE_RESULTS = 20


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    user = request.user
    context = {
        "counts": {
            "data_sets": policy.visible(user, Perm.FRAMEWORK_VIEW, DataSet.objects.all()).count(),
            "elements": metadata_visible_to(user=user, queryset=DataElement.objects.all()).count(),
            "combos": metadata_visible_to(
                user=user, queryset=CategoryCombo.objects.exclude(code=DEFAULT_COMBO_CODE)
            ).count(),
            "rules": policy.visible(user, Perm.FRAMEWORK_VIEW, ValidationRule.objects.all()).count(),
        }
    }
    return render(request, "data/setup/index.html", context)


# ---------------------------------------------------------------------------------------------------------
# Data sets


def place_label(unit: OrgUnit) -> str:
    parent = unit.parent.display_name if unit.parent_id and unit.parent else ""
    level = unit.level.name if unit.level_id else ""
    return " · ".join(x for x in (unit.display_name, level, parent) if x)


@login_required
@require_GET
def data_set_list(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    sets = list(
        policy.visible(request.user, Perm.FRAMEWORK_VIEW, DataSet.objects.all())
        .select_related("organisation")
        .annotate(
            n_elements=Count("data_elements", distinct=True), n_places=Count("org_units", distinct=True)
        )
        .order_by("name")
    )
    context = {
        "data_sets": sets,
        # issue 17: "No data set yet." only when there is none, not when the user's roles show none.
        "no_access": policy.hides_all(shown=sets, existing=DataSet.objects.all()),
        "managed": managed_ids(request.user, DataSet.objects.filter(pk__in=[s.pk for s in sets])),
        "period_types": PERIOD_TYPE_LABELS,
    }
    return render(request, "data/setup/dataset_list.html", context)


def _element_choices(user: Any) -> list[tuple[str, str]]:
    elements = metadata_visible_to(user=user, queryset=DataElement.objects.select_related("category_combo"))
    out = []
    for de in elements.order_by("name"):
        combo = "" if de.category_combo.code == DEFAULT_COMBO_CODE else f" · {de.category_combo.name}"
        out.append((de.code, f"{de.name} ({de.code}){combo}"))
    return out


def _organisation_choices() -> list[tuple[str, str]]:
    return [(o.code, o.name) for o in Organisation.objects.filter(is_active=True).order_by("name")]


def _place_choices(user: Any, codes: list[str]) -> list[tuple[str, str]]:
    """The places a form may hold: those named (already assigned, or ticked in the search) that the user
    may see. A code the user may not see is left out, so the form refuses it as not a choice."""
    units = orgunits_visible_to(user=user).filter(code__in=[c for c in codes if c][:2000])
    by_code = {u.code: u for u in units}
    return [(c, place_label(by_code[c])) for c in dict.fromkeys(codes) if c in by_code]


def _data_set_form(request: HttpRequest, data_set: DataSet | None) -> DataSetForm:
    user = request.user
    initial: dict[str, Any] = {"timely_days": 15, "expiry_days": 0, "period_type": "Monthly"}
    current_places: list[str] = []
    if data_set is not None:
        current_places = list(data_set.org_units.order_by("path").values_list("code", flat=True))
        initial = {
            "name": data_set.name,
            "period_type": data_set.period_type,
            "data_elements": list(data_set.data_elements.values_list("code", flat=True)),
            "org_units": current_places,
            "organisations": list(data_set.organisations.values_list("code", flat=True)),
            "timely_days": data_set.timely_days,
            "expiry_days": data_set.expiry_days,
            "remind_days_before": data_set.remind_days_before,
            "remind_days_after": data_set.remind_days_after,
        }
    posted = request.POST.getlist("org_units") if request.method == "POST" else []
    elements = _element_choices(user)
    period_types: list[tuple[str, Any]] = list(PERIOD_TYPE_LABELS.items())
    if data_set is not None and data_set.period_type == "":
        period_types.insert(0, ("", _("Any (not set)")))
    form = DataSetForm(
        request.POST or None,
        initial=initial,
        elements=elements,
        places=_place_choices(user, current_places + posted),
        organisations=_organisation_choices(),
        owners=None if data_set is not None else owners_for(user),
    )
    form.fields["period_type"].choices = period_types  # type: ignore[attr-defined]
    return form


@transaction.atomic
def _save_data_set(request: HttpRequest, form: DataSetForm, data_set: DataSet | None) -> DataSet:
    d = form.cleaned_data
    elements = list(DataElement.objects.filter(code__in=d["data_elements"]))
    places = list(orgunits_visible_to(user=request.user).filter(code__in=d["org_units"]))
    organisations = list(Organisation.objects.filter(code__in=d["organisations"]))
    if data_set is None:
        owner = owner_of(d["organisation"])
        if d["organisation"] and owner is None:
            raise ValidationFailed(_("Choose an owner from the list."), field="organisation")
        data_set = services.dataset_create(
            actor=request.user,
            code=d["code"],
            name=d["name"],
            period_type=d["period_type"],
            data_elements=elements,
            organisation=owner,
        )
    else:
        services.dataset_update(
            actor=request.user,
            data_set=data_set,
            name=d["name"],
            period_type=d["period_type"],
            data_elements=elements,
        )
    services.dataset_reporting_set(
        actor=request.user,
        data_set=data_set,
        org_units=places,
        organisations=organisations,
        timely_days=d["timely_days"],
        expiry_days=d["expiry_days"],
    )
    # An empty reminder field means "the default".
    services.dataset_reminders_set(
        actor=request.user,
        data_set=data_set,
        remind_days_before=d["remind_days_before"],
        remind_days_after=d["remind_days_after"],
    )
    return data_set


def _data_set_page(request: HttpRequest, data_set: DataSet | None) -> HttpResponse:
    form = _data_set_form(request, data_set)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_data_set(request, form, data_set)
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Data set %(name)s saved.") % {"name": saved.name})
            return redirect("setup:data-sets")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "data/setup/dataset_form.html", {"form": form, "data_set": data_set}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_set_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    return _data_set_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def data_set_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    data_set = policy.get_visible_or_404(
        request.user, Perm.FRAMEWORK_MANAGE, DataSet.objects.all(), code=code
    )
    return _data_set_page(request, data_set)


@login_required
@require_GET
def place_search(request: HttpRequest) -> HttpResponse:
    """Places by name within the user's own (an htmx partial of tick boxes for the data set form)."""
    require_manager(request)
    q = request.GET.get("place_q", "").strip()
    context: dict[str, Any] = {"results": [], "q": q, "error": ""}
    status = 200
    if q:
        try:
            found = list(orgunit_search(user=request.user, q=q, include_closed=False)[:PLACE_RESULTS])
        except ValidationFailed as exc:
            context["error"] = exc.message
            status = 400
        else:
            context["results"] = [(u.code, place_label(u)) for u in found]
    return render(request, "data/setup/_place_results.html", context, status=status)


# ---------------------------------------------------------------------------------------------------------
# Validation rules


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    rules = policy.visible(request.user, Perm.FRAMEWORK_VIEW, ValidationRule.objects.all())
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rules = rules.filter(Q(code__icontains=q) | Q(name__icontains=q))
    rules_list = list(rules.select_related("organisation").order_by("name")[:500])
    context = {
        "rules": rules_list,
        "q": q,
        # issue 17: "No validation rule yet." only when there is none, not when the user's roles show none.
        "no_access": not q and policy.hides_all(shown=rules_list, existing=ValidationRule.objects.all()),
        "managed": managed_ids(
            request.user, ValidationRule.objects.filter(pk__in=[r.pk for r in rules_list])
        ),
    }
    return render(request, "data/setup/rule_list.html", context)


def _elements_reference(user: Any) -> list[dict[str, Any]]:
    """The data elements a rule may use, with the codes of their columns (for the help beside the form)."""
    elements = (
        metadata_visible_to(user=user, queryset=DataElement.objects.select_related("category_combo"))
        .prefetch_related("category_combo__option_combos")
        .order_by("name")[:300]
    )
    out = []
    for de in elements:
        cells = (
            []
            if de.category_combo.code == DEFAULT_COMBO_CODE
            else list(de.category_combo.option_combos.all())
        )
        out.append({"de": de, "cells": cells})
    return out


def _rule_page(request: HttpRequest, rule: ValidationRule | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if rule is not None:
        initial = {
            k: getattr(rule, k)
            for k in (
                "name",
                "description",
                "left",
                "operator",
                "right",
                "importance",
                "missing_value_strategy",
                "is_active",
            )
        }
    form = ValidationRuleForm(
        request.POST or None, initial=initial, owners=None if rule is not None else owners_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {
            k: d[k]
            for k in (
                "name",
                "description",
                "left",
                "operator",
                "right",
                "importance",
                "missing_value_strategy",
            )
        }
        try:
            if rule is None:
                owner = owner_of(d["organisation"])
                saved = services.validation_rule_create(
                    actor=request.user, code=d["code"], organisation=owner, **values
                )
            else:
                saved = services.validation_rule_update(
                    actor=request.user, rule=rule, is_active=d["is_active"], **values
                )
        except AmahoroError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Validation rule %(name)s saved.") % {"name": saved.name})
            return redirect("setup:rules")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "rule": rule,
        "reference": _elements_reference(request.user),
        "missing_labels": MISSING_VALUE_LABELS,
    }
    return render(request, "data/setup/rule_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    return _rule_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    rule = policy.get_visible_or_404(
        request.user, Perm.FRAMEWORK_MANAGE, ValidationRule.objects.all(), code=code
    )
    return _rule_page(request, rule)
