"""REST endpoints of field data collection (under /api/v1/): forms (XLSForm upload), their submissions as
JSON and as CSV/XLSX/GeoJSON exports, reviews, private keys, media and collector tokens."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core import rest
from amahoro.core.errors import ValidationFailed
from amahoro.geo.selectors import org_unit_by_code
from amahoro.metadata.models import DataElement
from amahoro.organisations.selectors import organisation_by_code
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import exports, importing, mapping, selectors, services
from .models import CollectorToken, MappingRule, Submission, XForm
from .serializers import (
    CollectorTokenCreatedOut,
    CollectorTokenInput,
    CollectorTokenListOut,
    FormDetailOut,
    FormListOut,
    FormMappingRuleInput,
    FormMappingRuleListOut,
    FormMappingRuleSavedOut,
    FormMediaInput,
    FormMediaOut,
    FormPrivateKeyInput,
    FormUploadInput,
    MappingRunOut,
    SubmissionExportQuery,
    SubmissionFilters,
    SubmissionImportInput,
    SubmissionImportReportOut,
    SubmissionListQuery,
    SubmissionOut,
    SubmissionPageOut,
    SubmissionReviewInput,
)


def get_form(user: Actor, form_id: str, perm: Perm = Perm.FORM_VIEW) -> XForm:
    return policy.get_visible_or_404(
        user, perm, XForm.objects.select_related("organisation"), form_id=form_id
    )


def submission_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The submission filters of a query string (review_state, org_unit, since), validated; other
    parameters are left to the caller (the page's `page`, the API's parse_query)."""
    names = ("review_state", "org_unit", "since")
    serializer = SubmissionFilters(data={n: params.get(n) for n in names if params.get(n) is not None})
    if not serializer.is_valid():
        field, messages = next(iter(serializer.errors.items()))
        raise ValidationFailed(str(messages[0]), field=str(field))
    return dict(serializer.validated_data)


def filtered_submissions(user: Actor, form: XForm, filters: Mapping[str, Any]) -> QuerySet[Submission]:
    """The user's visible current submissions of the form, narrowed by review_state, org_unit, since."""
    qs = selectors.submissions_for_form(form_id=form.form_id, user=user).select_related(
        "submitted_by", "form_version", "collector_token", "form__organisation"
    )
    if filters.get("review_state"):
        qs = qs.filter(review_state=filters["review_state"])
    unit = org_unit_by_code(filters.get("org_unit"), required=False)
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if filters.get("since") is not None:
        qs = qs.filter(created_at__gte=filters["since"])
    return qs.order_by("-created_at", "-pk")


class FormListView(APIView):
    """GET /api/v1/forms; POST /api/v1/forms (multipart `xlsform`, optional `organisation` code, optional
    `form_id`: the upload is a new version of that existing form)."""

    @extend_schema(operation_id="forms_list", summary="Forms visible to you", responses={200: FormListOut})
    def get(self, request: Request) -> Response:
        forms = selectors.forms_visible_to(user=request.user).prefetch_related("versions")
        return Response(FormListOut({"results": forms}).data)

    @extend_schema(
        operation_id="forms_upload",
        summary="Upload an XLSForm (multipart 'xlsform'); 201 with form_id, version and missing_media",
        description=(
            "Without `form_id` the upload is a new form: its form_id comes from settings/form_id, else from "
            "the file name; an existing form_id is refused with 409. With `form_id` the upload is a new "
            "version of that form."
        ),
        request={"multipart/form-data": FormUploadInput},
        responses={201: FormDetailOut, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(FormUploadInput, request.data)
        upload = data["xlsform"]
        organisation = organisation_by_code(data.get("organisation"), active=False, required=False)
        target = get_form(request.user, data["form_id"], Perm.FORM_MANAGE) if data.get("form_id") else None
        form = services.form_upload(
            actor=request.user,
            content=upload.read(),
            filename=upload.name or "",
            organisation=organisation,
            form=target,
        )
        return Response(FormDetailOut(form).data, status=201)


class FormDetailView(APIView):
    @extend_schema(
        operation_id="forms_detail", summary="One form", responses={200: FormDetailOut, **rest.errors(404)}
    )
    def get(self, request: Request, form_id: str) -> Response:
        return Response(FormDetailOut(get_form(request.user, form_id)).data)


class SubmissionListView(APIView):
    """GET /api/v1/forms/<form_id>/submissions: the current submissions as JSON (paginated)."""

    @extend_schema(
        operation_id="forms_submissions",
        summary="Submissions of a form",
        parameters=[SubmissionListQuery],
        responses={200: SubmissionPageOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.SUBMISSION_VIEW)
    def get(self, request: Request, form_id: str) -> Response:
        filters = rest.parse_query(SubmissionListQuery, request)
        form = get_form(request.user, form_id)
        qs = filtered_submissions(request.user, form, filters).prefetch_related("attachments")
        paginator = cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)()
        page = paginator.paginate_queryset(qs, request, view=self)
        rows = [exports.submission_json(s) for s in page or []]
        return paginator.get_paginated_response(SubmissionOut(rows, many=True).data)


class SubmissionReviewView(APIView):
    """POST /api/v1/forms/<form_id>/submissions/<instance_id>/review {review_state, comment}."""

    @extend_schema(
        operation_id="forms_submission_review",
        request=SubmissionReviewInput,
        responses={200: SubmissionOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.SUBMISSION_REVIEW)
    def post(self, request: Request, form_id: str, instance_id: str) -> Response:
        sub = policy.get_visible_or_404(
            request.user,
            Perm.SUBMISSION_VIEW,
            Submission.objects.select_related("form", "org_unit"),
            form__form_id=form_id,
            instance_id=instance_id,
        )
        data = rest.parse(SubmissionReviewInput, request.data)
        services.submission_review(
            actor=request.user, submission=sub, state=data["review_state"], comment=data["comment"]
        )
        return Response(SubmissionOut(exports.submission_json(sub)).data)


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
        operation_id="forms_export",
        summary="Export submissions",
        parameters=[SubmissionExportQuery],
        responses={200: OpenApiTypes.BINARY, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.SUBMISSION_VIEW)
    def get(self, request: Request, form_id: str, fmt: str) -> HttpResponse:
        query = rest.parse_query(SubmissionExportQuery, request)
        form = get_form(request.user, form_id)
        subs = list(filtered_submissions(request.user, form, query))
        hxl = query.get("hxl", "") in ("1", "true", "yes")
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
        repeat = query.get("repeat", "")
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
        request={"multipart/form-data": FormPrivateKeyInput},
        responses={204: None, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        data = rest.parse(FormPrivateKeyInput, request.data)
        services.form_private_key_set(actor=request.user, form=form, pem=data["private_key"].read())
        return Response(status=204)


class MediaView(APIView):
    """POST /api/v1/forms/<form_id>/media (multipart `file`): a media file offered in the manifest."""

    @extend_schema(
        operation_id="forms_media",
        request={"multipart/form-data": FormMediaInput},
        responses={201: FormMediaOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        upload = rest.parse(FormMediaInput, request.data)["file"]
        media = services.form_media_add(
            actor=request.user,
            form=form,
            filename=upload.name or "",
            content=upload.read(),
            content_type=upload.content_type or "",
        )
        body = {
            "filename": media.filename,
            "md5": media.md5,
            "missing_media": services.form_missing_media(form),
        }
        return Response(FormMediaOut(body).data, status=201)


class TokenListView(APIView):
    """GET/POST /api/v1/collector-tokens {organisation, name, forms: [form_id], org_unit}."""

    @extend_schema(operation_id="collector_tokens_list", responses={200: CollectorTokenListOut})
    @policy.requires(Perm.FORM_MANAGE)
    def get(self, request: Request) -> Response:
        tokens = selectors.tokens_visible_to(user=request.user).prefetch_related("forms")
        return Response(CollectorTokenListOut({"results": tokens}).data)

    @extend_schema(
        operation_id="collector_tokens_create",
        request=CollectorTokenInput,
        responses={201: CollectorTokenCreatedOut, **rest.errors(400)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request) -> Response:
        data = rest.parse(CollectorTokenInput, request.data)
        org = organisation_by_code(data["organisation"], active=False)
        form_ids = data["forms"]
        forms = list(XForm.objects.filter(form_id__in=form_ids))
        missing = set(form_ids) - {f.form_id for f in forms}
        if missing:
            raise ValidationFailed(f"unknown forms: {', '.join(sorted(missing))}", field="forms")
        unit = org_unit_by_code(data.get("org_unit"), required=False)
        token, raw = services.token_create(
            actor=request.user, organisation=org, name=data["name"], forms=forms, org_unit=unit
        )
        url = request.build_absolute_uri(f"/openrosa/c/{raw}/")
        return Response(CollectorTokenCreatedOut(token, context={"raw": raw, "url": url}).data, status=201)


class TokenDetailView(APIView):
    @extend_schema(operation_id="collector_tokens_revoke", responses={204: None, **rest.errors(404)})
    @policy.requires(Perm.FORM_MANAGE)
    def delete(self, request: Request, pk: int) -> Response:
        token = policy.get_visible_or_404(request.user, Perm.FORM_MANAGE, CollectorToken.objects.all(), pk=pk)
        services.token_revoke(actor=request.user, token=token)
        return Response(status=204)


def _rule_values(data: Mapping[str, Any]) -> tuple[DataElement | None, dict[str, Any]]:
    de = None
    if "data_element" in data:
        de = DataElement.objects.filter(code=data["data_element"]).first()
        if de is None:
            raise ValidationFailed(f"unknown data_element: {data['data_element']}", field="data_element")
    return de, {k: data[k] for k in mapping.RULE_FIELDS if k in data}


def _saved(rule: MappingRule, run: mapping.RunResult) -> dict[str, Any]:
    return dict(FormMappingRuleSavedOut(rule, context={"run": MappingRunOut(run.as_dict()).data}).data)


class MappingRuleListView(APIView):
    """GET/POST /api/v1/forms/<form_id>/mapping-rules: a POST saves the rule and computes its values."""

    @extend_schema(
        operation_id="forms_mapping_rules", responses={200: FormMappingRuleListOut, **rest.errors(404)}
    )
    def get(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id)
        rules = selectors.rules_visible_to(user=request.user).filter(form=form)
        return Response(FormMappingRuleListOut({"results": rules}).data)

    @extend_schema(
        operation_id="forms_mapping_rules_create",
        request=FormMappingRuleInput,
        responses={201: FormMappingRuleSavedOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id, Perm.FORM_MANAGE)
        de, values = _rule_values(rest.parse(FormMappingRuleInput, request.data))
        if de is None:
            raise ValidationFailed("data_element is required", field="data_element")
        rule, run = mapping.mapping_rule_save(actor=request.user, form=form, data_element=de, **values)
        return Response(_saved(rule, run), status=201)


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
        request=FormMappingRuleInput,
        responses={200: FormMappingRuleSavedOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def patch(self, request: Request, form_id: str, pk: int) -> Response:
        rule = self._rule(request, form_id, pk)
        de, values = _rule_values(rest.parse(FormMappingRuleInput, request.data, partial=True))
        rule, run = mapping.mapping_rule_save(
            actor=request.user, form=rule.form, data_element=de or rule.data_element, rule=rule, **values
        )
        return Response(_saved(rule, run))

    @extend_schema(
        operation_id="forms_mapping_rule_run",
        request=None,
        responses={200: MappingRunOut, **rest.errors(404)},
    )
    @policy.requires(Perm.FORM_MANAGE)
    def post(self, request: Request, form_id: str, pk: int) -> Response:
        rule = self._rule(request, form_id, pk)
        return Response(MappingRunOut(mapping.mapping_run(actor=request.user, rule=rule).as_dict()).data)


class MappingRuleRunView(MappingRuleDetailView):
    http_method_names = ["post", "options"]


class SubmissionImportView(APIView):
    """POST /api/v1/forms/<form_id>/submissions/import (multipart `file`, .csv or .xlsx shaped like the
    export): 200 with counts, or 400 with every row error and nothing stored."""

    @extend_schema(
        operation_id="forms_submissions_import",
        request={"multipart/form-data": SubmissionImportInput},
        responses={
            200: SubmissionImportReportOut,
            400: OpenApiResponse(SubmissionImportReportOut, description="Row errors; nothing stored"),
            **rest.errors(404),
        },
    )
    def post(self, request: Request, form_id: str) -> Response:
        form = get_form(request.user, form_id)
        upload = rest.parse(SubmissionImportInput, request.data)["file"]
        report = importing.submissions_import(
            actor=request.user, form=form, content=upload.read(), filename=upload.name or ""
        )
        return Response(
            SubmissionImportReportOut(report.as_dict()).data, status=400 if report.errors else 200
        )
