"""REST endpoints of field data collection (under /api/v1/): forms (XLSForm upload), their submissions as
JSON and as CSV/XLSX/GeoJSON exports, reviews, private keys, media and collector tokens."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.api.parsing import query_datetime
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import exports, importing, mapping, selectors, services
from .models import CollectorToken, MappingRule, ReviewState, Submission, XForm

MAX_XLSFORM_BYTES = 10 * 1024 * 1024


def _require(user: Any, perm: Perm) -> None:
    if not policy.has_perm(user, perm):
        raise PermissionDenied(f"You need the {perm.value} permission")


def form_json(form: XForm, *, media: bool = False) -> dict[str, Any]:
    """A form as the API shows it; with media=True also `missing_media` (files its current version refers
    to that are not attached) and `media` (the attached file names)."""
    body = {
        "form_id": form.form_id,
        "title": form.title,
        "version": form.version,
        "md5": form.md5,
        "organisation": form.organisation.code,
        "encrypted": form.encrypted,
        "is_active": form.is_active,
        "org_unit_field": form.org_unit_field,
        "versions": [v.version for v in form.versions.all()],
        "created_at": form.created_at.isoformat(),
    }
    if media:
        body["media"] = list(form.media.values_list("filename", flat=True))
        body["missing_media"] = services.form_missing_media(form)
    return body


def get_form(user: Any, form_id: str, perm: Perm = Perm.FORM_VIEW) -> XForm:
    return policy.get_visible_or_404(
        user, perm, XForm.objects.select_related("organisation"), form_id=form_id
    )


def filtered_submissions(request: Any, form: XForm) -> Any:
    """The user's visible current submissions of the form, narrowed by ?review_state, org_unit, since."""
    params = request.GET
    qs = selectors.submissions_for_form(form_id=form.form_id, user=request.user).select_related(
        "submitted_by", "form_version", "collector_token", "form__organisation"
    )
    state = params.get("review_state", "")
    if state:
        if state not in ReviewState.values:
            raise ValidationFailed(
                f"review_state must be one of {', '.join(ReviewState.values)}", field="review_state"
            )
        qs = qs.filter(review_state=state)
    code = params.get("org_unit", "")
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise ValidationFailed(f"unknown org_unit: {code}", field="org_unit")
        qs = qs.filter(org_unit__path__startswith=unit.path)
    moment = query_datetime(params, "since")
    if moment is not None:
        qs = qs.filter(created_at__gte=moment)
    return qs.order_by("-created_at", "-pk")


class FormListView(APIView):
    """GET /api/v1/forms; POST /api/v1/forms (multipart `xlsform`, optional `organisation` code, optional
    `form_id`: the upload is a new version of that existing form)."""

    @extend_schema(
        operation_id="forms_list", summary="Forms visible to you", responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request) -> Response:
        forms = selectors.forms_visible_to(user=request.user).prefetch_related("versions")
        return Response({"results": [form_json(f) for f in forms]})

    @extend_schema(
        operation_id="forms_upload",
        summary="Upload an XLSForm (multipart 'xlsform'); 201 with form_id, version and missing_media",
        description=(
            "Without `form_id` the upload is a new form: its form_id comes from settings/form_id, else from "
            "the file name; an existing form_id is refused with 409. With `form_id` the upload is a new "
            "version of that form."
        ),
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            201: OpenApiTypes.OBJECT,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing stored"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such form (form_id) visible to you"),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The form_id exists: name it to add a version"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        upload = request.FILES.get("xlsform")
        if upload is None:
            raise ValidationFailed("attach the XLSForm as 'xlsform'", field="xlsform")
        if upload.size and upload.size > MAX_XLSFORM_BYTES:
            raise ValidationFailed("the XLSForm is larger than 10 MB", field="xlsform")
        organisation = None
        code = request.data.get("organisation") if hasattr(request.data, "get") else None
        if code:
            organisation = Organisation.objects.filter(code=str(code)).first()
            if organisation is None:
                raise ValidationFailed(f"unknown organisation: {code}", field="organisation")
        target = None
        named = request.data.get("form_id") if hasattr(request.data, "get") else None
        if named:
            target = get_form(request.user, str(named), Perm.FORM_MANAGE)
        form = services.form_upload(
            actor=request.user,
            content=upload.read(),
            filename=upload.name or "",
            organisation=organisation,
            form=target,
        )
        return Response(form_json(form, media=True), status=201)


class FormDetailView(APIView):
    @extend_schema(operation_id="forms_detail", summary="One form", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, form_id: str) -> Response:
        return Response(form_json(get_form(request.user, form_id), media=True))


class SubmissionListView(APIView):
    """GET /api/v1/forms/<form_id>/submissions: the current submissions as JSON (paginated)."""

    @extend_schema(
        operation_id="forms_submissions",
        summary="Submissions of a form",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, form_id: str) -> Response:
        _require(request.user, Perm.SUBMISSION_VIEW)
        form = get_form(request.user, form_id)
        qs = filtered_submissions(request, form).prefetch_related("attachments")
        from amahoro.api.pagination import Pagination

        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([exports.submission_json(s) for s in page or []])


class SubmissionReviewView(APIView):
    """POST /api/v1/forms/<form_id>/submissions/<instance_id>/review {review_state, comment}."""

    @extend_schema(
        operation_id="forms_submission_review",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, form_id: str, instance_id: str) -> Response:
        _require(request.user, Perm.SUBMISSION_REVIEW)
        sub = policy.get_visible_or_404(
            request.user,
            Perm.SUBMISSION_VIEW,
            Submission.objects.select_related("form", "org_unit"),
            form__form_id=form_id,
            instance_id=instance_id,
        )
        services.submission_review(
            actor=request.user,
            submission=sub,
            state=str(request.data.get("review_state", "")),
            comment=str(request.data.get("comment", "")),
        )
        return Response(exports.submission_json(sub))


class AttachmentView(APIView):
    """GET /api/v1/forms/<form_id>/submissions/<instance_id>/attachments/<filename>: the decrypted file."""

    @extend_schema(
        operation_id="forms_submission_attachment",
        summary="A submission's attachment (photo, audio, file), decrypted",
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            404: OpenApiResponse(description="No such submission or attachment, or not visible to you"),
        },
    )
    def get(self, request: Request, form_id: str, instance_id: str, filename: str) -> HttpResponse:
        found = services.attachment_read(
            user=request.user, form_id=form_id, instance_id=instance_id, filename=filename
        )
        resp = HttpResponse(found.content, content_type=found.content_type)
        # Always a download, never rendered in place; no caching of identifying files on shared machines.
        safe_name = "".join(ch for ch in found.filename if ch.isalnum() or ch in "._-")[:100] or "attachment"
        resp["Content-Disposition"] = f'attachment; filename="{safe_name}"'
        resp["X-Content-Type-Options"] = "nosniff"
        resp["Cache-Control"] = "private, no-store"
        resp["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return resp


class ExportView(APIView):
    """GET /api/v1/forms/<form_id>/export.(csv|xlsx|geojson)[?hxl=1&repeat=<name>]"""

    @extend_schema(
        operation_id="forms_export", summary="Export submissions", responses={200: OpenApiTypes.BINARY}
    )
    def get(self, request: Request, form_id: str, fmt: str) -> HttpResponse:
        _require(request.user, Perm.SUBMISSION_VIEW)
        form = get_form(request.user, form_id)
        subs = list(filtered_submissions(request, form))
        hxl = request.query_params.get("hxl", "") in ("1", "true", "yes")
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            obj=form,
            organisation_id=form.organisation_id,
            message=f"{len(subs)} submissions exported as {fmt}",
        )
        if fmt == "geojson":
            body = json.dumps(exports.to_geojson(form, subs))
            return HttpResponse(body, content_type="application/geo+json")
        tables = exports.build_tables(form, subs, hxl=hxl)
        if fmt == "xlsx":
            resp = HttpResponse(
                exports.to_xlsx(tables),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            resp["Content-Disposition"] = f'attachment; filename="{form.form_id}.xlsx"'
            return resp
        repeat = request.query_params.get("repeat", "")
        chosen = next((t for t in tables if t.name == repeat), None) if repeat else tables[0]
        if chosen is None:
            raise ValidationFailed(f"the form has no repeat named '{repeat}'", field="repeat")
        resp = HttpResponse(exports.to_csv(chosen), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{chosen.name}.csv"'
        return resp


class PrivateKeyView(APIView):
    """POST /api/v1/forms/<form_id>/private-key (multipart `private_key`, PEM)."""

    @extend_schema(
        operation_id="forms_private_key",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={204: None},
    )
    def post(self, request: Request, form_id: str) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        upload = request.FILES.get("private_key")
        if upload is None:
            raise ValidationFailed("attach the PEM private key as 'private_key'", field="private_key")
        services.form_private_key_set(actor=request.user, form=form, pem=upload.read())
        return Response(status=204)


class MediaView(APIView):
    """POST /api/v1/forms/<form_id>/media (multipart `file`): a media file offered in the manifest."""

    @extend_schema(
        operation_id="forms_media",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, form_id: str) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("attach the media file as 'file'", field="file")
        media = services.form_media_add(
            actor=request.user,
            form=form,
            filename=upload.name or "",
            content=upload.read(),
            content_type=upload.content_type or "",
        )
        return Response(
            {
                "filename": media.filename,
                "md5": media.md5,
                "missing_media": services.form_missing_media(form),
            },
            status=201,
        )


def token_json(token: CollectorToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "organisation": token.organisation.code,
        "forms": [f.form_id for f in token.forms.all()],
        "org_unit": token.org_unit.code if token.org_unit else None,
        "revoked": token.revoked_at is not None,
    }


class TokenListView(APIView):
    """GET/POST /api/v1/collector-tokens {organisation, name, forms: [form_id], org_unit}."""

    @extend_schema(operation_id="collector_tokens_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        tokens = selectors.tokens_visible_to(user=request.user).prefetch_related("forms")
        return Response({"results": [token_json(t) for t in tokens]})

    @extend_schema(
        operation_id="collector_tokens_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        code = str(request.data.get("organisation", ""))
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            raise ValidationFailed(f"unknown organisation: {code}", field="organisation")
        form_ids = request.data.get("forms") or []
        if isinstance(form_ids, str):
            form_ids = [f for f in form_ids.split(",") if f]
        forms = list(XForm.objects.filter(form_id__in=form_ids))
        missing = set(form_ids) - {f.form_id for f in forms}
        if missing:
            raise ValidationFailed(f"unknown forms: {', '.join(sorted(missing))}", field="forms")
        unit = None
        if request.data.get("org_unit"):
            unit = OrgUnit.objects.filter(code=str(request.data["org_unit"])).first()
            if unit is None:
                raise ValidationFailed(f"unknown org_unit: {request.data['org_unit']}", field="org_unit")
        token, raw = services.token_create(
            actor=request.user,
            organisation=org,
            name=str(request.data.get("name", "")),
            forms=forms,
            org_unit=unit,
        )
        body = token_json(token)
        body["token"] = raw
        body["url"] = request.build_absolute_uri(f"/openrosa/c/{raw}/")
        return Response(body, status=201)


class TokenDetailView(APIView):
    @extend_schema(operation_id="collector_tokens_revoke", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        token = policy.get_visible_or_404(request.user, Perm.FORM_MANAGE, CollectorToken.objects.all(), pk=pk)
        services.token_revoke(actor=request.user, token=token)
        return Response(status=204)


def rule_json(rule: MappingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "form_id": rule.form.form_id,
        "data_element": rule.data_element.code,
        "aggregation": rule.aggregation,
        "value_field": rule.value_field,
        "repeat": rule.repeat,
        "condition": rule.condition,
        "disaggregate_by": rule.disaggregate_by,
        "option_map": rule.option_map,
        "org_unit_field": rule.org_unit_field,
        "period_field": rule.period_field,
        "period_type": rule.period_type,
        "approved_only": rule.approved_only,
        "is_active": rule.is_active,
        "last_run_at": rule.last_run_at.isoformat() if rule.last_run_at else None,
        "values": rule.values.count(),
    }


def _rule_values(request: Request) -> tuple[DataElement | None, dict[str, Any]]:
    data = request.data if isinstance(request.data, dict) else {}
    de = None
    if "data_element" in data:
        de = DataElement.objects.filter(code=str(data["data_element"])).first()
        if de is None:
            raise ValidationFailed(f"unknown data_element: {data['data_element']}", field="data_element")
    return de, {k: data[k] for k in mapping.RULE_FIELDS if k in data}


class MappingRuleListView(APIView):
    """GET/POST /api/v1/forms/<form_id>/mapping-rules: a POST saves the rule and computes its values."""

    @extend_schema(operation_id="forms_mapping_rules", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id)
        rules = selectors.rules_visible_to(user=request.user).filter(form=form)
        return Response({"results": [rule_json(r) for r in rules]})

    @extend_schema(
        operation_id="forms_mapping_rules_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, form_id: str) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        de, values = _rule_values(request)
        if de is None:
            raise ValidationFailed("data_element is required", field="data_element")
        rule, run = mapping.mapping_rule_save(actor=request.user, form=form, data_element=de, **values)
        return Response({**rule_json(rule), "run": run.as_dict()}, status=201)


class MappingRuleDetailView(APIView):
    """PATCH /api/v1/forms/<form_id>/mapping-rules/<id> (recomputes); POST .../<id>/run recomputes (the
    subclass below: each URL answers its own method only)."""

    http_method_names = ["patch", "options"]

    def _rule(self, request: Request, form_id: str, pk: int) -> MappingRule:
        return policy.get_visible_or_404(
            request.user,
            Perm.FORM_MANAGE,
            MappingRule.objects.select_related("form", "data_element"),
            form__form_id=form_id,
            pk=pk,
        )

    @extend_schema(
        operation_id="forms_mapping_rule_update",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def patch(self, request: Request, form_id: str, pk: int) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        rule = self._rule(request, form_id, pk)
        de, values = _rule_values(request)
        rule, run = mapping.mapping_rule_save(
            actor=request.user, form=rule.form, data_element=de or rule.data_element, rule=rule, **values
        )
        return Response({**rule_json(rule), "run": run.as_dict()})

    @extend_schema(operation_id="forms_mapping_rule_run", request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, form_id: str, pk: int) -> Response:
        _require(request.user, Perm.FORM_MANAGE)
        rule = self._rule(request, form_id, pk)
        return Response(mapping.mapping_run(actor=request.user, rule=rule).as_dict())


class MappingRuleRunView(MappingRuleDetailView):
    http_method_names = ["post", "options"]


class SubmissionImportView(APIView):
    """POST /api/v1/forms/<form_id>/submissions/import (multipart `file`, .csv or .xlsx shaped like the
    export): 200 with counts, or 400 with every row error and nothing stored."""

    @extend_schema(
        operation_id="forms_submissions_import",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing stored"),
        },
    )
    def post(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("attach the records as 'file' (.csv or .xlsx)", field="file")
        report = importing.submissions_import(
            actor=request.user, form=form, content=upload.read(), filename=upload.name or ""
        )
        return Response(report.as_dict(), status=400 if report.errors else 200)
