"""Pages of the data app: data entry (choose a data set, a place by name and a period; a table per
disaggregation; each cell saved on its own and queued in the browser while offline; mark the data set's
report complete), the template upload page and the reporting completeness page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.data import approvals, completeness, entry_words, registrations, selectors, services
from amahoro.data import uses as data_uses
from amahoro.data.importing import default_option_combo
from amahoro.data.models import CompleteDataSetRegistration, DataSet, ValidationOperator, ValidationRule
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.roles import Perm

APPROVAL_ACTIONS = {
    "submit": services.approval_submit,
    "approve": services.approval_approve,
    "accept": services.approval_accept,
    "unaccept": services.approval_unaccept,
    "unapprove": services.approval_unapprove,
}


_INPUTMODES = {
    "INTEGER_ZERO_OR_POSITIVE": "numeric",
    "INTEGER": "numeric",
    "NUMBER": "decimal",
    "PERCENTAGE": "decimal",
}


class _BadRequest(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _NotFound(_BadRequest):
    """A place out of the user's reach answers like a missing one (404), on the page, in words."""


def _org_unit(user: Any, code: str) -> OrgUnit:
    """An org unit the user may see data of; 404 for both missing and out of reach."""
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None or not policy.can_in(user, Perm.DATA_VIEW, org_unit=unit.path):
        raise Http404("org unit not found")
    return unit


def _period(code: str) -> period_lib.Period:
    try:
        return period_lib.parse_period(code)
    except period_lib.InvalidPeriod as exc:
        raise _BadRequest("period", str(exc)) from exc


def _data_elements(user: Any, request: HttpRequest) -> list[DataElement]:
    codes = [c.strip() for raw in request.GET.getlist("data_element") for c in raw.split(",") if c.strip()]
    found = selectors.data_elements_by_ident(user=user, idents=codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise _BadRequest(
            "data_element", _("Unknown data element: %(codes)s") % {"codes": ", ".join(unknown)}
        )
    elements = [found[c] for c in codes]
    set_code = (request.GET.get("data_set") or "").strip()
    if set_code:
        data_set = selectors.data_sets_visible_to(user=user).filter(code=set_code).first()
        if data_set is None:
            raise _BadRequest("data_set", _("Unknown data set: %(code)s") % {"code": set_code})
        elements.extend(data_set.data_elements.order_by("code"))
    return list({de.pk: de for de in elements}.values())


def _aoc(code: str) -> CategoryOptionCombo:
    if not code:
        aoc = default_option_combo()
        assert aoc is not None
        return aoc
    matches = list(CategoryOptionCombo.objects.filter(code=code)[:2])
    if len(matches) != 1:
        raise _BadRequest(
            "attribute_option_combo", _("Unknown attribute option combo: %(code)s") % {"code": code}
        )
    return matches[0]


def _chooser_context(user: Any, data_set: DataSet | None) -> dict[str, Any]:
    today = completeness.today_local()
    periods = selectors.entry_periods(data_set=data_set, today=today)
    return {
        "data_elements": selectors.data_elements_visible_to(user=user).order_by("code")[:500],
        "data_sets": selectors.entry_data_sets(user=user),
        "data_set": data_set,
        "periods": [(p.code, entry_words.period_label(p)) for p in periods],
        "period_type": selectors.entry_period_type(data_set),
    }


def _place(user: Any, params: dict[str, str], data_set: DataSet | None, context: dict[str, Any]) -> OrgUnit:
    """The place chosen by code (org_unit=, the scripted contract) or by name (place=, what a person types);
    a _BadRequest in words when nothing or several places fit."""
    if params["org_unit"]:
        unit = OrgUnit.objects.filter(code=params["org_unit"]).first()
        if unit is None or not policy.can_in(user, Perm.DATA_VIEW, org_unit=unit.path):
            raise _NotFound(
                "org_unit",
                _("No place with the code %(code)s among your places.") % {"code": params["org_unit"]},
            )
        return unit
    name = params["place"]
    if not name:
        raise _BadRequest("place", _("Choose a place."))
    matches = selectors.entry_places(user=user, data_set=data_set, query=name)
    exact = [
        u
        for u in matches
        if name.lower() in {(n or "").lower() for n in (u.name, u.name_en, u.name_fr, u.name_rw)}
    ]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise _BadRequest(
            "place", _("No place called “%(name)s” among your places for this data set.") % {"name": name}
        )
    context["place_choices"] = matches
    raise _BadRequest("place", _("Several places match “%(name)s”: choose one.") % {"name": name})


def _chosen_data_set(user: Any, code: str) -> DataSet | None:
    if not code:
        return None
    data_set = selectors.data_sets_visible_to(user=user).filter(code=code).first()
    if data_set is None:
        raise _BadRequest("data_set", _("Unknown data set: %(code)s") % {"code": code})
    return data_set


@login_required
@require_http_methods(["GET"])
def entry(request: HttpRequest) -> HttpResponse:
    """/data/entry/?data_set=&place=|org_unit=&period=[&data_element=..&attribute_option_combo=]: choose a
    data set, a place by name and a period by its label, then the form (a table per disaggregation)."""
    user = request.user
    policy.require(user, Perm.DATA_VIEW)
    params = {
        k: (request.GET.get(k) or "").strip()
        for k in ("org_unit", "period", "attribute_option_combo", "data_set", "place")
    }
    context: dict[str, Any] = {"params": params, "selected": request.GET.getlist("data_element")}
    try:
        data_set = _chosen_data_set(user, params["data_set"])
    except _BadRequest as exc:
        context.update(_chooser_context(user, None), error=exc)
        return render(request, "data/entry.html", context, status=400)
    context.update(_chooser_context(user, data_set))
    if not (params["org_unit"] or params["place"]) and not params["period"]:
        if data_set is not None:  # one place for this data set (a district clerk): already filled in
            only = selectors.entry_places(user=user, data_set=data_set)[:2]
            if len(only) == 1:
                params["place"] = str(only[0].display_name)
        return render(request, "data/entry.html", context)
    try:
        unit = _place(user, params, data_set, context)
        params["place"] = str(unit.display_name)
        if not params["period"]:
            raise _BadRequest("period", _("Choose a period."))
        period = _period(params["period"])
        elements = _data_elements(user, request)
        if not elements:
            raise _BadRequest("data_element", _("Choose a data set."))
        aoc = _aoc(params["attribute_option_combo"])
    except _NotFound as exc:
        context["error"] = exc
        return render(request, "data/entry.html", context, status=404)
    except _BadRequest as exc:
        context["error"] = exc
        return render(request, "data/entry.html", context, status=400)
    grid = selectors.entry_grid(
        user=user, org_unit=unit, period=period, data_elements=elements, attribute_option_combo=aoc
    )
    editable = grid.can_enter and not grid.closed_message
    feeds = data_uses.indicators_by_element(de.code for de in elements)
    sections = [
        {
            "combo_code": section.combo_code,
            "combo_name": section.columns[0].combo.display_name if section.columns else "",
            "columns": section.columns,
            "rows": [
                (
                    de,
                    ", ".join(feeds.get(de.code, [])[:3]),
                    [
                        {
                            "de": de.code,
                            "coc": c.coc.code,
                            "label": f"{de.display_name} · {c.coc.name}"
                            if c.coc.code != "default"
                            else str(de.display_name),
                            "hint": entry_words.value_hint(de.value_type),
                            "inputmode": _INPUTMODES.get(de.value_type, ""),
                            "value": c.value,
                            "follow_up": c.follow_up,
                            "editable": editable,
                        }
                        for c in cells
                    ],
                )
                for de, cells in section.rows
            ],
        }
        for section in grid.sections
    ]
    context.update(
        grid=grid,
        period_label=entry_words.period_label(period),
        sections=sections,
        editable=editable,
        violations=_violations_in_words(grid.violations),
        may_approve=policy.can_in(user, Perm.DATA_APPROVE, org_unit=unit.path),
        may_submit=grid.can_enter,
        return_query=request.GET.urlencode(),
        registration=_registration_state(user, params["data_set"], unit, period, aoc),
    )
    if period.code not in {code for code, _label in context["periods"]}:
        context["periods"] = [(period.code, context["period_label"]), *context["periods"]]
    return render(request, "data/entry.html", context)


@login_required
@require_http_methods(["GET"])
def entry_places(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for places by name (htmx): the user's places, the data set's when it has some."""
    user = request.user
    policy.require(user, Perm.DATA_VIEW)
    try:
        data_set = _chosen_data_set(user, (request.GET.get("data_set") or "").strip())
    except _BadRequest:
        data_set = None
    query = (request.GET.get("place") or "").strip()
    places = selectors.entry_places(user=user, data_set=data_set, query=query) if query else []
    return render(request, "data/_places.html", {"places": places, "query": query})


@login_required
@require_http_methods(["GET"])
def entry_periods(request: HttpRequest) -> HttpResponse:
    """The period picker's options for a data set's period type (htmx, when the data set changes)."""
    user = request.user
    policy.require(user, Perm.DATA_VIEW)
    try:
        data_set = _chosen_data_set(user, (request.GET.get("data_set") or "").strip())
    except _BadRequest:
        data_set = None
    context = _chooser_context(user, data_set)
    context["params"] = {"period": (request.GET.get("period") or "").strip()}
    return render(request, "data/_periods.html", context)


@login_required
@require_http_methods(["GET"])
def entry_csrf(request: HttpRequest) -> HttpResponse:
    """A fresh CSRF token for saves queued in the browser while the session's token changed (a new login)."""
    return JsonResponse({"token": get_token(request)}, headers={"Cache-Control": "no-store"})


@require_http_methods(["GET"])
def entry_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps the entry form usable offline; served under /data/entry/ so that its
    scope covers the form (a file under /static/ could only control /static/)."""
    response = render(request, "data/entry_sw.js", {}, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("data:entry")
    response["Cache-Control"] = "no-cache"
    return response


def _violations_in_words(violations: list[Any]) -> list[dict[str, Any]]:
    """Each broken rule with its name, description, the two sides in words and the indicators it feeds."""
    rules = {r.code: r for r in ValidationRule.objects.filter(code__in={v.rule_code for v in violations})}
    operators = dict(ValidationOperator.choices)
    out = []
    for v in violations:
        rule = rules.get(v.rule_code)
        out.append(
            {
                "name": v.rule_name,
                "description": rule.description if rule else "",
                "text": _("%(left)s must be %(operator)s %(right)s")
                % {
                    "left": _number(v.left),
                    "operator": operators.get(v.operator, v.operator),
                    "right": _number(v.right),
                },
                "expression": f"{rule.left} {rule.operator} {rule.right}" if rule else "",
                "indicators": data_uses.indicators_fed(rule_sides=[rule.left, rule.right] if rule else []),
                "message": v.message,
            }
        )
    return out


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _registration_state(
    user: Any, set_code: str, unit: OrgUnit, period: period_lib.Period, aoc: CategoryOptionCombo
) -> dict[str, Any] | None:
    """The data set's report for this place and period: complete or not, on time or late, and whether the
    user may mark it (None without a data set, or when the data set does not apply here)."""
    data_set = selectors.data_sets_visible_to(user=user).filter(code=set_code).first() if set_code else None
    if data_set is None:
        return None
    try:
        target = registrations.target_resolve(
            actor=user, data_set=data_set, org_unit=unit, period_code=period.code, attribute_option_combo=aoc
        )
        may_mark = True
    except PermissionDenied:
        may_mark = False
        target = None
    except AmahoroError as exc:
        return {"data_set": data_set, "problem": exc.message}
    found = CompleteDataSetRegistration.objects.filter(
        data_set=data_set, org_unit=unit, period__code=period.code, attribute_option_combo=aoc
    )
    if target is not None:
        found = found.filter(completeness.organisation_q(target.organisation_id))
    reg = policy.visible(user, Perm.DATA_VIEW, found).select_related("stored_by").first()
    complete = reg is not None and reg.completed
    return {
        "data_set": data_set,
        "complete": complete,
        "registration": reg,
        "on_time": complete and reg is not None and completeness.is_on_time(data_set, period, reg.date),
        "due_on": completeness.due_date(data_set, period),
        "may_mark": may_mark,
    }


@login_required
@require_POST
def entry_complete(request: HttpRequest, action: str) -> HttpResponse:
    """Mark the data set's report of the grid's place and period complete, or incomplete again."""
    user = request.user
    if action not in ("complete", "incomplete"):
        raise Http404("unknown action")
    policy.require(user, Perm.DATA_ENTER)
    unit = _org_unit(user, request.POST.get("org_unit", ""))
    back = (
        reverse("data:entry") + "?" + (request.POST.get("return_query") or urlencode({"org_unit": unit.code}))
    )
    data_set = selectors.data_sets_visible_to(user=user).filter(code=request.POST.get("data_set", "")).first()
    if data_set is None:
        raise Http404("data set not found")
    from django.contrib import messages

    try:
        aoc = _aoc(request.POST.get("attribute_option_combo", ""))
        target = registrations.target_resolve(
            actor=user,
            data_set=data_set,
            org_unit=unit,
            period_code=request.POST.get("period", ""),
            attribute_option_combo=aoc,
        )
        registrations.registration_set(actor=user, target=target, completed=action == "complete")
    except _BadRequest as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    except AmahoroError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked complete.") if action == "complete" else _("Marked incomplete."))
    return redirect(back)


def _period_range(data_set: DataSet, start: str, end: str, today: Any) -> tuple[Any, Any, str, str]:
    """(first day, last day, start code, end code) of a range of the data set's periods; by default the
    last six that have ended."""
    last = period_lib.period_for_date(data_set.period_type, today).previous()
    first = last
    for _i in range(5):
        first = first.previous()
    try:
        p_start = period_lib.parse_period(start) if start else first
        p_end = period_lib.parse_period(end) if end else last
    except period_lib.InvalidPeriod as exc:
        raise _BadRequest("start" if start and not _parses(start) else "end", str(exc)) from exc
    if p_start.start > p_end.end:
        raise _BadRequest("end", _("The range ends before it starts."))
    return p_start.start, p_end.end, p_start.code, p_end.code


def _parses(code: str) -> bool:
    try:
        period_lib.parse_period(code)
    except period_lib.InvalidPeriod:
        return False
    return True


@login_required
@require_http_methods(["GET"])
def completeness_page(request: HttpRequest) -> HttpResponse:
    """/data/completeness/?data_set=&start=&end=: places x periods, received on time / late / missing."""
    user = request.user
    policy.require(user, Perm.DATA_VIEW)
    sets = completeness.data_sets_for_completeness(user=user)
    code = (request.GET.get("data_set") or "").strip()
    context: dict[str, Any] = {
        "data_sets": sets,
        # issue 17: say "no access" only when data sets expecting reports exist that the user may not see.
        "no_access": policy.hides_all(
            shown=sets, existing=completeness.expecting_reports(DataSet.objects.all())
        ),
        "params": {k: (request.GET.get(k) or "").strip() for k in ("data_set", "start", "end")},
    }
    data_set = next((ds for ds in sets if ds.code == code), None) if code else (sets[0] if sets else None)
    if code and data_set is None:
        context["error"] = _BadRequest("data_set", _("Unknown data set: %(code)s") % {"code": code})
        return render(request, "data/completeness.html", context, status=400)
    if data_set is None:
        return render(request, "data/completeness.html", context)
    today = completeness.today_local()
    try:
        start, end, start_code, end_code = _period_range(
            data_set, context["params"]["start"], context["params"]["end"], today
        )
        table = completeness.completeness_table(
            user=user, data_set=data_set, start=start, end=end, today=today
        )
    except _BadRequest as exc:
        context["error"] = exc
        return render(request, "data/completeness.html", context, status=400)
    except completeness.TooLarge:
        context["error"] = _BadRequest("end", _("Too many places and periods: choose a shorter range."))
        return render(request, "data/completeness.html", context, status=400)
    context["params"].update(data_set=data_set.code, start=start_code, end=end_code)
    context.update(data_set=data_set, table=table, due_for=completeness.due_for(user=user, today=today))
    return render(request, "data/completeness.html", context)


@login_required
@require_POST
def entry_save(request: HttpRequest) -> HttpResponse:
    """Save one cell. Idempotent: the same value sent again (a retried save from the browser's queue) changes
    nothing and writes no history. htmx gets the cell again with "saved" or the reason it was refused, and
    the validation results of the org unit and period (out of band); the entry form's script (Accept:
    application/json) gets {"ok", "message", "value", "violations_html"} with 200 / 4xx."""
    user = request.user
    policy.require(user, Perm.DATA_ENTER)
    data = request.POST
    wants_json = "application/json" in request.headers.get("Accept", "")
    status = 200
    message, ok = "", False
    value = data.get("value", "")
    try:
        unit = _org_unit(user, data.get("org_unit", ""))
        period = _period(data.get("period", ""))
        found = selectors.data_elements_by_ident(user=user, idents=[data.get("data_element", "")])
        de = found.get(data.get("data_element", ""))
        if de is None:
            raise _BadRequest("data_element", _("Unknown data element"))
        coc = CategoryOptionCombo.objects.filter(
            combo_id=de.category_combo_id, code=data.get("category_option_combo", "")
        ).first()
        if coc is None:
            raise _BadRequest("category_option_combo", _("Unknown category option combo"))
        problem = entry_words.value_problem(de.value_type, value)
        if problem:
            raise _BadRequest("value", problem)
        aoc = _aoc(data.get("attribute_option_combo", ""))
        services.datavalue_set(
            actor=user,
            data_element=de,
            org_unit=unit,
            period=period.code,
            value=value,
            category_option_combo=coc,
            attribute_option_combo=aoc,
        )
        ok, message = True, _("Saved") if value.strip() else _("Deleted")
    except _BadRequest as exc:
        status, message = 400, exc.message
    except AmahoroError as exc:
        status, message = exc.status, entry_words.refusal_words(exc.code, exc.message)
    violations_html = ""
    if ok:
        violations = selectors.validation_violations(user=user, org_unit=unit, period_codes=[period.code])
        violations_html = render(
            request,
            "data/_violations.html",
            {"violations": _violations_in_words(violations), "oob": not wants_json},
        ).content.decode()
    if wants_json:
        return JsonResponse(
            {"ok": ok, "message": message, "value": value, "violations_html": violations_html},
            status=status,
        )
    context: dict[str, Any] = {
        "cell": {
            "de": data.get("data_element", ""),
            "coc": data.get("category_option_combo", ""),
            "value": value,
            "editable": True,
            "follow_up": False,
        },
        "ok": ok,
        "message": message,
    }
    response = render(
        request, "data/_cell.html", context, status=200 if getattr(request, "htmx", False) else status
    )
    response.write(violations_html.encode())
    return response


@login_required
@require_POST
def entry_approval(request: HttpRequest, action: str) -> HttpResponse:
    """Submit / approve / accept / unaccept / unapprove the org unit and period of the grid."""
    user = request.user
    service = APPROVAL_ACTIONS.get(action)
    if service is None:
        raise Http404("unknown action")
    policy.require(user, Perm.DATA_ENTER if action == "submit" else Perm.DATA_APPROVE)
    unit = _org_unit(user, request.POST.get("org_unit", ""))
    if request.POST.get("return_to") == "approvals":  # the approvals page's buttons come back to it
        back = reverse("data:approvals")
    else:
        back = (
            reverse("data:entry")
            + "?"
            + (request.POST.get("return_query") or urlencode({"org_unit": unit.code}))
        )
    try:
        period = services.period_ensure(code=request.POST.get("period", ""))
        aoc = _aoc(request.POST.get("attribute_option_combo", ""))
        service(actor=user, org_unit=unit, period=period, attribute_option_combo=aoc)
    except _BadRequest as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    except AmahoroError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        from django.contrib import messages

        messages.error(request, exc.message)
    return redirect(back)


@login_required
@require_http_methods(["GET"])
def approvals_page(request: HttpRequest) -> HttpResponse:
    """/data/approvals/: the submitted data waiting for the user's approval (the worklist's and the
    `data.approval_waiting` notification's link), each with the data to review and an Approve button."""
    user = request.user
    policy.require(user, Perm.DATA_APPROVE)
    return render(request, "data/approvals.html", {"rows": approvals.waiting_rows(user=user)})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Download a template and upload it filled in: row-level errors, all-or-nothing unless asked."""
    user = request.user
    policy.require(user, Perm.DATA_ENTER)
    context: dict[str, Any] = {
        "data_elements": selectors.data_elements_visible_to(user=user).order_by("code")[:500],
        "data_sets": DataSet.objects.none(),
    }
    status = 200
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            context["error"] = _("Choose the filled-in template to upload.")
            status = 400
        else:
            try:
                result = services.datavalues_file_import(
                    actor=user,
                    content=upload_file.read(),
                    filename=upload_file.name or "",
                    import_valid_rows=request.POST.get("import_valid_rows") == "on",
                    dry_run=request.POST.get("dry_run") == "on",
                )
            except AmahoroError as exc:
                context["error"] = exc.message
                status = 400
            else:
                context["result"] = result
                status = 400 if result["status"] == "ERROR" else 200
    return render(request, "data/upload.html", context, status=status)
