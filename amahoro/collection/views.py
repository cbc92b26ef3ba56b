"""Pages: forms (list and upload), one form (versions, media, private key, submissions table with filters,
review and edit), collector tokens. Thin: every change goes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError
from amahoro.geo.selectors import org_unit_by_code
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import api, exports, importing, mapping, selectors, services
from .models import Aggregation, CollectorToken, MappingRule, ReviewState, Submission, XForm


def _file(request: HttpRequest, name: str) -> UploadedFile:
    found = request.FILES.get(name)
    if not isinstance(found, UploadedFile):
        raise AmahoroError(_("Attach the file"), field=name)
    return found


def _manageable_orgs(user: Actor) -> list[Organisation]:
    ids = policy.organisations_with(user, Perm.FORM_MANAGE)
    qs = Organisation.objects.filter(is_active=True).order_by("code")
    return list(qs if ids is None else qs.filter(pk__in=ids))


def _warn_missing(request: HttpRequest, form: Any) -> None:
    missing = services.form_missing_media(form)
    if missing:
        messages.warning(
            request,
            _("The form refers to media files that are not attached yet: %(names)s")
            % {"names": ", ".join(missing)},
        )


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.FORM_VIEW):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        if not policy.allows(request.user, Perm.FORM_MANAGE):
            raise PermissionDenied
        upload = request.FILES.get("xlsform")
        try:
            org = organisation_by_code(request.POST.get("organisation"), active=False, required=False)
            if upload is None:
                raise AmahoroError(_("Choose an XLSForm file"), field="xlsform")
            form = services.form_upload(
                actor=request.user, content=upload.read(), filename=upload.name or "", organisation=org
            )
        except AmahoroError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Form %(id)s version %(v)s saved") % {"id": form.form_id, "v": form.version}
            )
            _warn_missing(request, form)
            return redirect("collection:form", form_id=form.form_id)
    forms = selectors.forms_visible_to(user=request.user)
    counts = {
        row["form_id"]: row["n"]
        for row in selectors.submissions_visible_to(user=request.user)
        .filter(is_current=True, deleted=False)
        .values("form_id")
        .annotate(n=Count("pk"))
    }
    rows = [(f, counts.get(f.pk, 0)) for f in forms]
    return render(
        request,
        "collection/forms.html",
        {
            "rows": rows,
            # issue 17: "No forms yet." only when there is none, not when the user's roles show none.
            "no_access": policy.hides_all(shown=rows, existing=XForm.objects.all()),
            "error": error,
            "may_manage": policy.has_perm(request.user, Perm.FORM_MANAGE),
            "organisations": _manageable_orgs(request.user),
            "openrosa_url": request.build_absolute_uri("/openrosa/"),
        },
        status=400 if error else 200,
    )


@login_required
def form_detail(request: HttpRequest, form_id: str) -> HttpResponse:
    """The form and its submissions table (filters: review state, place, since)."""
    if not policy.allows(request.user, Perm.FORM_VIEW):
        raise PermissionDenied
    form = api.get_form(request.user, form_id)
    may_manage = policy.can(request.user, Perm.FORM_MANAGE, form)
    may_see = policy.has_perm(request.user, Perm.SUBMISSION_VIEW)
    error = ""
    page = None
    columns: list[str] = []
    rows: list[tuple[Submission, list[Any]]] = []
    if may_see:
        try:
            qs = api.filtered_submissions(request.user, form, api.submission_filters(request.GET))
        except AmahoroError as exc:
            error = exc.message
            qs = selectors.submissions_for_form(form_id=form.form_id, user=request.user)
        page = Paginator(qs.select_related("submitted_by", "org_unit"), 50).get_page(request.GET.get("page"))
        schema = services.form_schema(form)
        columns = [f.name for f in schema.top_fields()][:12]
        for sub in page:
            data = sub.data if not sub.encrypted else {}
            rows.append((sub, [exports._text(data.get(c)) for c in columns]))
    return render(
        request,
        "collection/form.html",
        {
            "form": form,
            "versions": form.versions.all(),
            "media": form.media.all(),
            "missing_media": services.form_missing_media(form),
            "may_manage": may_manage,
            "may_see": may_see,
            "page": page,
            "columns": columns,
            "rows": rows,
            "error": error,
            "states": ReviewState.choices,
            "filters": request.GET,
            "query": request.GET.urlencode(),
            "fields": [f.name for f in services.form_schema(form).top_fields()],
            "rules": selectors.rules_visible_to(user=request.user).filter(form=form),
            "aggregations": Aggregation.choices,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def form_settings(request: HttpRequest, form_id: str) -> HttpResponse:
    form = api.get_form(request.user, form_id, Perm.FORM_MANAGE)
    try:
        if "private_key" in request.FILES:
            services.form_private_key_set(
                actor=request.user, form=form, pem=_file(request, "private_key").read()
            )
            messages.success(request, _("Private key saved (encrypted at rest)"))
        elif "xlsform" in request.FILES:
            f = _file(request, "xlsform")
            updated = services.form_upload(
                actor=request.user, content=f.read(), filename=f.name or "", form=form
            )
            messages.success(
                request, _("Form %(id)s version %(v)s saved") % {"id": updated.form_id, "v": updated.version}
            )
            _warn_missing(request, updated)
        elif "media" in request.FILES:
            f = _file(request, "media")
            services.form_media_add(
                actor=request.user,
                form=form,
                filename=f.name or "",
                content=f.read(),
                content_type=f.content_type or "",
            )
            messages.success(request, _("Media file saved"))
        else:
            services.form_set_options(
                actor=request.user,
                form=form,
                org_unit_field=request.POST.get("org_unit_field", ""),
                is_active=request.POST.get("is_active") == "on",
            )
            messages.success(request, _("Form settings saved"))
    except AmahoroError as exc:
        messages.error(request, exc.message)
    return redirect("collection:form", form_id=form.form_id)


@login_required
def submission_detail(request: HttpRequest, form_id: str, instance_id: str) -> HttpResponse:
    if not policy.allows(request.user, Perm.SUBMISSION_VIEW):
        raise PermissionDenied
    sub = policy.get_visible_or_404(
        request.user,
        Perm.SUBMISSION_VIEW,
        Submission.objects.select_related("form", "org_unit", "submitted_by", "form_version"),
        form__form_id=form_id,
        instance_id=instance_id,
    )
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "review":
                services.submission_review(
                    actor=request.user,
                    submission=sub,
                    state=request.POST.get("review_state", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Review saved"))
            else:
                changes = {
                    k[len("field_") :]: str(v)
                    for k, v in request.POST.items()
                    if k.startswith("field_") and sub.data.get(k[len("field_") :]) != v
                }
                services.submission_edit(actor=request.user, submission=sub, changes=changes)
                messages.success(request, _("Answers saved"))
        except AmahoroError as exc:
            error = exc.message
        else:
            return redirect("collection:submission", form_id=form_id, instance_id=instance_id)
    data: dict[str, Any] = {}
    try:
        data = services.submission_data(submission=sub)
    except AmahoroError as exc:
        error = error or exc.message
    schema = services.form_schema(sub.form)
    top = [(f.name, data.get(f.name, "")) for f in schema.top_fields()]
    repeats = [(name, data.get(name) or []) for name in schema.repeats]
    return render(
        request,
        "collection/submission.html",
        {
            "sub": sub,
            "top": top,
            "repeats": repeats,
            "history": selectors.submission_history(submission=sub),
            "attachments": sub.attachments.all(),
            "may_review": policy.can(request.user, Perm.SUBMISSION_REVIEW, sub),
            "states": ReviewState.choices,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if not policy.allows(request.user, Perm.FORM_MANAGE):
        raise PermissionDenied
    created_url = ""
    error = ""
    if request.method == "POST":
        forms = list(
            selectors.forms_visible_to(user=request.user, perm=Perm.FORM_MANAGE).filter(
                form_id__in=request.POST.getlist("forms")
            )
        )
        try:
            if not request.POST.get("organisation"):
                raise AmahoroError(_("Choose the organisation"), field="organisation")
            org = organisation_by_code(request.POST.get("organisation"), active=False)
            unit = org_unit_by_code(request.POST.get("org_unit"), required=False)
            _token, raw = services.token_create(
                actor=request.user,
                organisation=org,
                name=request.POST.get("name", ""),
                forms=forms,
                org_unit=unit,
            )
            created_url = request.build_absolute_uri(f"/openrosa/c/{raw}/")
        except AmahoroError as exc:
            error = exc.message
    return render(
        request,
        "collection/tokens.html",
        {
            "tokens": selectors.tokens_visible_to(user=request.user).prefetch_related("forms"),
            "forms": selectors.forms_visible_to(user=request.user, perm=Perm.FORM_MANAGE),
            "organisations": _manageable_orgs(request.user),
            "created_url": created_url,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = policy.get_visible_or_404(request.user, Perm.FORM_MANAGE, CollectorToken.objects.all(), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked"))
    return redirect("collection:tokens")


def _conditions(text: str) -> dict[str, str]:
    """ "consent=yes, topics=gbv" -> {"consent": "yes", "topics": "gbv"}."""
    out: dict[str, str] = {}
    for part in text.split(","):
        if part.strip():
            name, sep, value = part.partition("=")
            if not sep:
                raise AmahoroError(
                    _("Write conditions as field=value, separated by commas"), field="condition"
                )
            out[name.strip()] = value.strip()
    return out


@login_required
@require_POST
def rule_save(request: HttpRequest, form_id: str) -> HttpResponse:
    """Add a mapping rule (or, with `rule`, run that rule again)."""
    form = api.get_form(request.user, form_id, Perm.FORM_MANAGE)
    try:
        if request.POST.get("rule"):
            rule = policy.get_visible_or_404(
                request.user, Perm.FORM_MANAGE, MappingRule.objects.filter(form=form), pk=request.POST["rule"]
            )
            result = mapping.mapping_run(actor=request.user, rule=rule)
        else:
            de = DataElement.objects.filter(code=request.POST.get("data_element", "")).first()
            if de is None:
                raise AmahoroError(_("Unknown data element"), field="data_element")
            _rule, result = mapping.mapping_rule_save(
                actor=request.user,
                form=form,
                data_element=de,
                name=request.POST.get("name", ""),
                aggregation=request.POST.get("aggregation", "count"),
                value_field=request.POST.get("value_field", ""),
                repeat=request.POST.get("repeat", ""),
                disaggregate_by=[
                    x.strip() for x in request.POST.get("disaggregate_by", "").split(",") if x.strip()
                ],
                condition=_conditions(request.POST.get("condition", "")),
                period_field=request.POST.get("period_field", ""),
                period_type=request.POST.get("period_type", "") or "Monthly",
            )
        conflicts = len(result.import_summary.get("conflicts", []))
        messages.success(
            request,
            _("%(n)s values written, %(d)s removed, %(c)s refused, %(s)s submissions skipped")
            % {"n": result.values, "d": result.deleted, "c": conflicts, "s": len(result.skipped)},
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    return redirect("collection:form", form_id=form.form_id)


@login_required
@require_POST
def submissions_import(request: HttpRequest, form_id: str) -> HttpResponse:
    """Historical records from a CSV/XLSX shaped like the export; any row error refuses the file."""
    form = api.get_form(request.user, form_id)
    try:
        upload = _file(request, "file")
        report = importing.submissions_import(
            actor=request.user, form=form, content=upload.read(), filename=upload.name or ""
        )
    except AmahoroError as exc:
        messages.error(request, exc.message)
    else:
        if report.errors:
            messages.error(request, _("Nothing was imported: correct these rows and upload again."))
            for e in report.errors[:20]:
                where = f"{e['sheet'] or form.form_id} row {e['row']}, {e['column']}"
                messages.error(request, f"{where}: {e['message']}")
        else:
            messages.success(
                request,
                _("%(c)s records imported, %(u)s already there")
                % {"c": report.created, "u": report.unchanged},
            )
    return redirect("collection:form", form_id=form.form_id)
