"""REST endpoints of the data app: DHIS2 dataValueSets (JSON and CSV), template download and upload,
validation results, approvals, locks, outlier flags and completeDataSetRegistrations. Thin: parameters in, services/selectors, JSON out."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, renderers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.core.parsing import json_loads
from amahoro.data import completeness, dhis2xml, registrations, selectors, services
from amahoro.data.importing import default_option_combo
from amahoro.data.models import CompleteDataSetRegistration, DataLock
from amahoro.data.serializers import (
    ApprovalActionInput,
    ApprovalActionOut,
    ApprovalStateOut,
    DataValueSetInput,
    DataValueSetOut,
    DHIS2ImportSummaryMessageSerializer,
    FileImportInput,
    FileImportOut,
    ImportSummaryMessageSerializer,
    LockInput,
    LockListOut,
    LockOut,
    OutlierInput,
    OutlierOut,
    RegistrationListOut,
    RegistrationsInput,
    ValidationResultsOut,
)
from amahoro.data.sheets import (
    dhis2_csv_rows,
    dhis2_csv_write,
    template_csv,
    template_rows,
    template_xlsx,
)
from amahoro.geo.models import OrgUnit
from amahoro.metadata import idschemes, webmessage
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

SCHEME_HELP = "UID, CODE (default), NAME, ID or ATTRIBUTE:<attribute uid or code>"
MAX_BODY_BYTES = 200 * 1024 * 1024
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
CSV_TYPES = ("application/csv", "text/csv")
XML_TYPES = ("application/xml", "text/xml", "application/adx+xml", "application/dxf2+xml")
JSON_TYPES = ("application/json", "")


class CSVRenderer(renderers.BaseRenderer):
    """Lets `Accept: text/csv` and `?format=csv` through content negotiation; the views write the CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return json.dumps(data).encode() if data is not None else b""


class ApplicationCSVRenderer(CSVRenderer):
    media_type = "application/csv"


class XMLRenderer(CSVRenderer):
    """Lets `Accept: application/xml` (DHIS2 XML) through; the view writes the XML (errors stay JSON)."""

    media_type = "application/xml"
    format = "xml"


class ADXRenderer(CSVRenderer):
    media_type = "application/adx+xml"
    format = "adx"


# ---------------------------------------------------------------------------------------------------------
# Parameters


def _list(request: Request, name: str) -> list[str]:
    out: list[str] = []
    for raw in request.query_params.getlist(name):
        out.extend(part.strip() for part in raw.split(",") if part.strip())
    return out


def _bool(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"{name} must be true or false, not '{raw}'", field=name)


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD), not '{raw}'", field=name) from exc


def _scheme(request: Request, name: str, default: str) -> str:
    return idschemes.parse_scheme(request.query_params.get(name), param=name, default=default)


# DHIS2 import parameters that change nothing here, and why; answered as notes, never refused.
IGNORED_IMPORT_PARAMS = {
    "async": "async: the import ran at once; this answer is its summary (there is no job to poll)",
    "skipAudit": "skipAudit is ignored: every change keeps its audit row",
    "force": "force is ignored: locks and approvals still apply",
    "preheatCache": "preheatCache is ignored: metadata is always read up front",
    "skipCache": "skipCache is ignored",
    "skipExistingCheck": "skipExistingCheck is ignored: existing values are always checked",
    "skipLastUpdated": "skipLastUpdated is ignored",
    "strictPeriods": "strictPeriods is ignored: periods are always checked",
    "strictDataElements": "strictDataElements is ignored: data elements are always checked",
    "strictCategoryOptionCombos": "strictCategoryOptionCombos is ignored: option combos are always checked",
    "strictAttributeOptionCombos": "strictAttributeOptionCombos is ignored: option combos are always checked",
    "strictOrganisationUnits": "strictOrganisationUnits is ignored: places are always checked",
    "requireCategoryOptionCombo": "requireCategoryOptionCombo is ignored: a missing one means `default`",
    "requireAttributeOptionCombo": "requireAttributeOptionCombo is ignored: a missing one means `default`",
    "mergeMode": "mergeMode is ignored",
    "firstRowIsHeader": "firstRowIsHeader is ignored: a CSV header row is recognised by its names",
    "filename": "filename is ignored",
    "dataSetIdScheme": "dataSetIdScheme: a data set is matched by uid, then by code",
    "categoryIdScheme": "categoryIdScheme is ignored",
    "dataSet": "dataSet (parameter) is ignored: name the data set in the payload",
}
# DHIS2's older names for the import strategies.
STRATEGY_ALIASES = {
    "NEW_AND_UPDATES": "CREATE_AND_UPDATE",
    "NEW": "CREATE",
    "UPDATES": "UPDATE",
    "DELETES": "DELETE",
}


def _import_options(request: Request) -> tuple[bool, str, list[str]]:
    """(atomic, importStrategy, notes) from DHIS2's import parameters: atomicMode=ALL|NONE (and our
    atomic=true), old strategy names, and the parameters accepted without effect (each gets a note)."""
    atomic = _bool(request, "atomic")
    mode = (request.query_params.get("atomicMode") or "").strip().upper()
    if mode not in ("", "ALL", "NONE", "OBJECT"):
        raise ValidationFailed(f"atomicMode must be ALL or NONE, not '{mode[:30]}'", field="atomicMode")
    if mode == "ALL":
        atomic = True
    strategy = (request.query_params.get("importStrategy") or "CREATE_AND_UPDATE").strip().upper()
    strategy = STRATEGY_ALIASES.get(strategy, strategy)
    notes = [note for name, note in IGNORED_IMPORT_PARAMS.items() if request.query_params.get(name)]
    return atomic, strategy, notes


def _need(perm: Perm) -> str:
    return f"You need the {perm.value} permission"


def _org_units(codes: list[str], field: str = "orgUnit", scheme: str = "code") -> list[OrgUnit]:
    found = idschemes.find(OrgUnit.objects.all(), scheme, codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(f"unknown {field}: {', '.join(unknown)}", field=field)
    return [found[c] for c in codes]


def _org_unit(code: str | None, field: str = "orgUnit") -> OrgUnit:
    if not code:
        raise ValidationFailed(f"{field} is required", field=field)
    return _org_units([code], field)[0]


def _period_codes(codes: list[str], field: str = "period") -> list[str]:
    out = []
    for code in codes:
        try:
            out.append(period_lib.parse_period(code).code)
        except period_lib.InvalidPeriod as exc:
            raise ValidationFailed(str(exc), field=field) from exc
    return out


def _data_elements(request: Request, scheme: str, *, user: Any) -> list[DataElement]:
    idents = _list(request, "dataElement")
    found = idschemes.find(selectors.data_elements_visible_to(user=user), scheme, idents)
    unknown = [i for i in idents if i not in found]
    if unknown:
        raise ValidationFailed(f"unknown dataElement: {', '.join(unknown)}", field="dataElement")
    elements = [found[i] for i in idents]
    ds_idents = _list(request, "dataSet")
    if ds_idents:
        sets = idschemes.find(selectors.data_sets_visible_to(user=user), "uid", ds_idents)
        unknown = [i for i in ds_idents if i not in sets]
        if unknown:
            raise ValidationFailed(
                f"Data set not found or not accessible: {', '.join(unknown)}", field="dataSet", code="E7600"
            )
        for ds in sets.values():
            elements.extend(ds.data_elements.all())
    unique: dict[int, DataElement] = {de.pk: de for de in elements}
    return list(unique.values())


def _aoc(ident: str | None, scheme: str = "code") -> CategoryOptionCombo | None:
    if not ident or ident == idschemes.DEFAULT_COC_UID:
        return None if not ident else default_option_combo()
    found = idschemes.find(CategoryOptionCombo.objects.all(), scheme, [ident])
    if ident not in found:
        raise ValidationFailed(
            f"Attribute option combo not found or ambiguous: {ident}", field="attributeOptionCombo"
        )
    return found[ident]  # type: ignore[no-any-return]


def _read_body(request: Request) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ValidationFailed(
            f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB: split the import"
        )
    # The raw stream, not request.body: dataValueSets legitimately exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
    stream = request.stream
    if stream is None:
        return b""
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise ValidationFailed(
            f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB: split the import"
        )
    return body


def _wants_xml(request: Request, fmt: str | None) -> str | None:
    """'xml' (DHIS2 XML), 'adx' or None, from the path suffix, ?format= or the Accept header."""
    renderer = getattr(request, "accepted_renderer", None)
    wanted = fmt or request.query_params.get("format") or getattr(renderer, "format", None)
    return wanted if wanted in ("xml", "adx") else None


def _wants_csv(request: Request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return isinstance(renderer, CSVRenderer) or request.query_params.get("format") == "csv"


# ---------------------------------------------------------------------------------------------------------
# dataValueSets


def _export_row(
    r: dict[str, Any], de_scheme: str, ou_scheme: str, coc_scheme: str, include_deleted: bool
) -> dict[str, Any]:
    out = {
        "dataElement": idschemes.ident_of(r, de_scheme, "data_element__"),
        "period": r["period__code"],
        "orgUnit": idschemes.ident_of(r, ou_scheme, "org_unit__"),
        "categoryOptionCombo": idschemes.ident_of(r, coc_scheme, "category_option_combo__"),
        "attributeOptionCombo": idschemes.ident_of(r, coc_scheme, "attribute_option_combo__"),
        "value": r["value"],
        "storedBy": r["stored_by__username"] or "",
        "created": r["created_at"].isoformat(timespec="seconds"),
        "lastUpdated": r["updated_at"].isoformat(timespec="seconds"),
        "followup": r["follow_up"],
    }
    if r["comment"]:
        out["comment"] = r["comment"]
    if include_deleted:
        out["deleted"] = r["deleted"]
    return out


def _export_fields(*schemes: str) -> tuple[str, ...]:
    fields: tuple[str, ...] = selectors.EXPORT_FIELDS
    if any(s != "code" for s in schemes):
        fields += selectors.SCHEME_EXPORT_FIELDS
    if any(s.startswith("attribute:") for s in schemes):
        fields += selectors.ATTRIBUTE_EXPORT_FIELDS
    return fields


class DataValueSetsView(APIView):
    """DHIS2's /api/dataValueSets: read (GET) and import (POST) data values in JSON or CSV.

    GET needs dataElement or dataSet (repeatable or comma-separated), period or startDate+endDate or
    lastUpdated (values changed since that day, for syncing), and orgUnit (children=true: the subtrees).
    POST takes DHIS2's JSON (top-level dataSet/period/orgUnit/attributeOptionCombo apply to values without
    them) or CSV (Content-Type application/csv or text/csv, DHIS2's column order); query parameters
    idScheme / dataElementIdScheme / orgUnitIdScheme / categoryOptionComboIdScheme (code|uid), dryRun,
    importStrategy (CREATE_AND_UPDATE, CREATE, UPDATE, DELETE) and atomic (ours: all or nothing). The
    answer is an ImportSummary; 409 when nothing could be imported.
    """

    renderer_classes = [renderers.JSONRenderer, CSVRenderer, ApplicationCSVRenderer, XMLRenderer, ADXRenderer]
    # True on the DHIS2-compatible paths (/api/dataValueSets): answer exactly as DHIS2 2.38+ does.
    dhis2_web_message = False

    @extend_schema(
        operation_id="dataValueSets_read",
        summary="Read data values (DHIS2 dataValueSets, JSON or CSV)",
        parameters=[
            OpenApiParameter("dataElement", str, many=True, description="Data element codes (or uids)"),
            OpenApiParameter("dataSet", str, many=True, description="Data set codes: their data elements"),
            OpenApiParameter("period", str, many=True, description="DHIS2 period codes"),
            OpenApiParameter("startDate", OpenApiTypes.DATE),
            OpenApiParameter("endDate", OpenApiTypes.DATE),
            OpenApiParameter("lastUpdated", OpenApiTypes.DATE, description="Values changed since that day"),
            OpenApiParameter("orgUnit", str, many=True, description="Org unit codes"),
            OpenApiParameter("children", bool, description="Include the org units' subtrees"),
            OpenApiParameter("attributeOptionCombo", str, many=True),
            OpenApiParameter("includeDeleted", bool),
            OpenApiParameter("idScheme", str, description=SCHEME_HELP),
            OpenApiParameter("format", str, enum=["json", "csv", "xml", "adx"]),
        ],
        responses={
            (200, "application/json"): DataValueSetOut,
            (200, "application/csv"): OpenApiTypes.STR,
            (200, "application/xml"): OpenApiTypes.STR,
            **rest.errors(400),
        },
    )
    def get(self, request: Request, fmt: str | None = None) -> Any:
        user = request.user
        policy.require(user, Perm.DATA_VIEW, message=_need(Perm.DATA_VIEW))
        id_scheme = _scheme(request, "idScheme", "code")
        de_scheme = _scheme(request, "dataElementIdScheme", id_scheme)
        coc_scheme = _scheme(request, "categoryOptionComboIdScheme", id_scheme)
        ou_scheme = _scheme(request, "orgUnitIdScheme", id_scheme)
        missing = []
        if not _list(request, "dataElement") and not _list(request, "dataSet"):
            missing.append(("dataElement", "dataElement or dataSet"))
        start, end = _date(request, "startDate"), _date(request, "endDate")
        period_params = _list(request, "period")
        last_updated = _date(request, "lastUpdated")
        if not period_params and not (start and end) and not last_updated:
            missing.append(("period", "period, startDate and endDate, or lastUpdated"))
        if not _list(request, "orgUnit"):
            missing.append(("orgUnit", "orgUnit"))
        if missing:
            names = "; ".join(m[1] for m in missing)
            raise ValidationFailed(f"missing required parameters: {names}", field=missing[0][0])
        if start and end and start > end:
            raise ValidationFailed("startDate must be before endDate", field="startDate")
        elements = _data_elements(request, de_scheme, user=user)
        org_units = _org_units(_list(request, "orgUnit"), scheme=ou_scheme)
        aoc_ids = [a.pk for a in (_aoc(i, coc_scheme) for i in _list(request, "attributeOptionCombo")) if a]
        include_deleted = _bool(request, "includeDeleted")
        qs = selectors.datavalue_export(
            user=user,
            data_element_ids=[de.pk for de in elements],
            org_units=org_units,
            children=_bool(request, "children"),
            period_codes=_period_codes(period_params),
            start=start,
            end=end,
            include_deleted=include_deleted,
            attribute_option_combo_ids=aoc_ids,
            last_updated=(
                datetime.combine(last_updated, time.min, tzinfo=timezone.get_current_timezone())
                if last_updated
                else None
            ),
        )
        rows = (
            _export_row(r, de_scheme, ou_scheme, coc_scheme, include_deleted)
            for r in qs.values(*_export_fields(de_scheme, ou_scheme, coc_scheme)).iterator(chunk_size=5000)
        )
        xml_format = _wants_xml(request, fmt)
        if xml_format == "adx":
            try:
                adx = dhis2xml.write_adx(
                    (
                        _export_row(r, "code", "code", "code", False)
                        for r in qs.values(*selectors.EXPORT_FIELDS)
                    ),
                    data_set=(_list(request, "dataSet") or [""])[0],
                )
            except dhis2xml.XMLPayloadError as exc:
                raise ValidationFailed(str(exc)) from exc
            return HttpResponse(adx, content_type="application/adx+xml; charset=utf-8")
        if xml_format == "xml":
            return StreamingHttpResponse(
                dhis2xml.write_dxf2(rows), content_type="application/xml; charset=utf-8"
            )
        if fmt == "csv" or _wants_csv(request):
            response = StreamingHttpResponse(
                dhis2_csv_write(rows, include_deleted=include_deleted),
                content_type="application/csv; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="dataValueSets.csv"'
            return response
        return Response({"dataValues": list(rows)})

    @extend_schema(
        operation_id="dataValueSets_import",
        summary="Import data values (DHIS2 dataValueSets JSON, or CSV with Content-Type application/csv)",
        parameters=[
            OpenApiParameter("idScheme", str, description=SCHEME_HELP),
            OpenApiParameter("dataElementIdScheme", str, description=SCHEME_HELP),
            OpenApiParameter("orgUnitIdScheme", str, description=SCHEME_HELP),
            OpenApiParameter("categoryOptionComboIdScheme", str, description=SCHEME_HELP),
            OpenApiParameter("dryRun", bool, description="Check everything, save nothing"),
            OpenApiParameter("importStrategy", str, enum=["CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE"]),
            OpenApiParameter("atomic", bool, description="Save nothing if any value conflicts"),
        ],
        request={
            "application/json": DataValueSetInput,
            "application/csv": OpenApiTypes.STR,
            "application/xml": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(ImportSummaryMessageSerializer, description="ImportSummary"),
            409: OpenApiResponse(
                ImportSummaryMessageSerializer, description="ImportSummary: nothing could be imported"
            ),
            **rest.errors(400, 413),
        },
    )
    def post(self, request: Request, fmt: str | None = None) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_ENTER, message=_need(Perm.DATA_ENTER))
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if fmt == "csv" and content_type in JSON_TYPES:
            content_type = "application/csv"
        if fmt in ("xml", "adx") and content_type in JSON_TYPES:
            content_type = "application/xml"
        if content_type not in CSV_TYPES + JSON_TYPES + XML_TYPES:
            raise exceptions.UnsupportedMediaType(
                content_type,
                detail=f"Content-Type {content_type} is not supported: send application/json, application/csv,"
                " application/xml (DHIS2 XML) or application/adx+xml (ADX)",
            )
        body = _read_body(request)
        if content_type in CSV_TYPES:
            try:
                text = body.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValidationFailed("the CSV body is not UTF-8 text") from exc
            payload: Any = {"dataValues": dhis2_csv_rows(text)}
        elif content_type in XML_TYPES:
            try:
                shape, payload = dhis2xml.parse(body)
            except dhis2xml.XMLPayloadError as exc:
                raise ValidationFailed(str(exc)) from exc
            if shape == "adx":
                de_scheme = _scheme(request, "dataElementIdScheme", _scheme(request, "idScheme", "code"))
                payload = dhis2xml.adx_resolve_combos(payload, de_scheme=de_scheme)
        else:
            # The API's one JSON parsing layer: bounded depth, UTF-8, finite numbers (400 otherwise); then the
            # envelope through its serializer (the rows go to the import engine: see DataValueSetInput).
            payload = rest.parse(DataValueSetInput, json_loads(body or b"null"))
        id_scheme = _scheme(request, "idScheme", "code")
        atomic, import_strategy, notes = _import_options(request)
        summary = services.datavalues_import(
            actor=user,
            payload=payload,
            id_scheme=id_scheme,
            data_element_id_scheme=_scheme(request, "dataElementIdScheme", id_scheme),
            org_unit_id_scheme=_scheme(request, "orgUnitIdScheme", id_scheme),
            category_option_combo_id_scheme=_scheme(request, "categoryOptionComboIdScheme", id_scheme),
            dry_run=_bool(request, "dryRun"),
            import_strategy=import_strategy,
            atomic=atomic,
        )
        summary.notes.extend(notes)
        answer, http = webmessage.import_summary(summary.as_dict(), dhis2=self.dhis2_web_message)
        out = (
            DHIS2ImportSummaryMessageSerializer if self.dhis2_web_message else ImportSummaryMessageSerializer
        )
        return Response(out(answer).data, status=http)


@extend_schema_view(get=extend_schema(exclude=True), post=extend_schema(exclude=True))
class DataValueSetsFormatView(DataValueSetsView):
    """dataValueSets.json / dataValueSets.csv, DHIS2's suffix form (documented with dataValueSets)."""


# ---------------------------------------------------------------------------------------------------------
# Template download and upload


class TemplateView(APIView):
    """GET dataValues/template.xlsx|csv?dataElement=..&dataSet=..[&orgUnit=..][&period=..][&layout=options]"""

    renderer_classes = [renderers.JSONRenderer, CSVRenderer, ApplicationCSVRenderer]

    @extend_schema(
        operation_id="dataValues_template",
        summary="Download a CSV/XLSX template to fill in",
        parameters=[
            OpenApiParameter("dataElement", str, many=True),
            OpenApiParameter("dataSet", str, many=True),
            OpenApiParameter("orgUnit", str, many=True),
            OpenApiParameter("period", str, many=True),
            OpenApiParameter("layout", str, enum=["combos", "options"]),
        ],
        responses={200: OpenApiTypes.BINARY},
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        user = request.user
        policy.require(user, Perm.DATA_ENTER, message=_need(Perm.DATA_ENTER))
        if not _list(request, "dataElement") and not _list(request, "dataSet"):
            raise ValidationFailed("missing required parameter: dataElement or dataSet", field="dataElement")
        elements = _data_elements(request, "code", user=user)
        org_units = [ou.code for ou in _org_units(_list(request, "orgUnit"))]
        periods = _period_codes(_list(request, "period"))
        layout = request.query_params.get("layout") or "combos"
        if layout not in ("combos", "options"):
            raise ValidationFailed("layout must be combos or options", field="layout")
        header, rows = template_rows(
            data_elements=elements, org_units=org_units, periods=periods, by_options=layout == "options"
        )
        if fmt == "csv":
            response = HttpResponse(template_csv(header, rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="data-values-template.csv"'
            return response
        content = template_xlsx(header, rows, data_elements=elements)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = 'attachment; filename="data-values-template.xlsx"'
        return response


class FileImportView(APIView):
    """POST dataValues/import (multipart `file`, .csv or .xlsx; import_valid_rows, dry_run)."""

    @extend_schema(
        operation_id="dataValues_upload",
        summary="Upload a filled-in template (multipart 'file'); row-level errors",
        request={"multipart/form-data": FileImportInput},
        responses={
            200: FileImportOut,
            400: OpenApiResponse(
                FileImportOut, description="Nothing saved (or a bad request: {error, code})"
            ),
            **rest.errors(),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_ENTER, message=_need(Perm.DATA_ENTER))
        form = rest.parse(FileImportInput, _form_and_flags(request))
        upload = form["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationFailed(
                f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="file"
            )
        result = services.datavalues_file_import(
            actor=user,
            content=upload.read(),
            filename=upload.name or "",
            import_valid_rows=form["import_valid_rows"],
            dry_run=form["dry_run"],
        )
        return Response(FileImportOut(result).data, status=400 if result["status"] == "ERROR" else 200)


# ---------------------------------------------------------------------------------------------------------
# Validation, approvals, locks, outliers


class ValidationResultsView(APIView):
    """GET validationResults?orgUnit=..&period=..[&children=true]: rule violations in the user's data."""

    @extend_schema(
        operation_id="validationResults",
        summary="Validation rule violations",
        parameters=[
            OpenApiParameter("orgUnit", str, required=True),
            OpenApiParameter("period", str, many=True, required=True),
            OpenApiParameter("children", bool),
        ],
        responses={200: ValidationResultsOut, **rest.errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_VIEW, message=_need(Perm.DATA_VIEW))
        org_unit = _org_unit(request.query_params.get("orgUnit"))
        if not policy.can_in(user, Perm.DATA_VIEW, org_unit=org_unit.path):
            raise NotFound("org unit not found")
        periods = _period_codes(_list(request, "period"))
        if not periods:
            raise ValidationFailed("period is required", field="period")
        violations = selectors.validation_violations(
            user=user, org_unit=org_unit, period_codes=periods, children=_bool(request, "children")
        )
        return Response(
            ValidationResultsOut({"validationRuleViolations": [v.as_dict() for v in violations]}).data
        )


APPROVAL_ACTIONS = {
    "submit": services.approval_submit,
    "approve": services.approval_approve,
    "accept": services.approval_accept,
    "unaccept": services.approval_unaccept,
    "unapprove": services.approval_unapprove,
}


def _form_and_flags(request: Request) -> dict[str, Any]:
    """The multipart form; its flags may also come as query parameters."""
    data = {name: request.data.get(name) for name in request.data} if hasattr(request.data, "get") else {}
    for name in ("import_valid_rows", "dry_run"):
        if name not in data and name in request.query_params:
            data[name] = request.query_params[name]
    return data


class ApprovalStateView(APIView):
    """GET dataApprovals?orgUnit&period[&attributeOptionCombo]: the state; POST dataApprovals/<action>
    with {orgUnit, period, attributeOptionCombo?}; action = submit, approve, accept, unaccept, unapprove."""

    @extend_schema(
        operation_id="dataApprovals_state",
        summary="Approval and lock state of an org unit and period",
        parameters=[
            OpenApiParameter("orgUnit", str, required=True),
            OpenApiParameter("period", str, required=True),
            OpenApiParameter("attributeOptionCombo", str),
        ],
        responses={200: ApprovalStateOut, **rest.errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_VIEW, message=_need(Perm.DATA_VIEW))
        org_unit = _org_unit(request.query_params.get("orgUnit"))
        if not policy.can_in(user, Perm.DATA_VIEW, org_unit=org_unit.path):
            raise NotFound("org unit not found")
        code = (
            _period_codes([request.query_params.get("period") or ""])[0]
            if request.query_params.get("period")
            else None
        )
        if code is None:
            raise ValidationFailed("period is required", field="period")
        aoc = _aoc(request.query_params.get("attributeOptionCombo")) or default_option_combo()
        assert aoc is not None
        parsed = period_lib.parse_period(code)
        closed, state, can_enter = selectors.entry_state(user=user, org_unit=org_unit, period=parsed, aoc=aoc)
        return Response(
            ApprovalStateOut(
                {
                    "orgUnit": org_unit.code,
                    "period": code,
                    "attributeOptionCombo": aoc.code,
                    "state": state or "open",
                    "locked": closed,
                    "mayEnter": can_enter and not closed,
                    "mayApprove": policy.can_in(user, Perm.DATA_APPROVE, org_unit=org_unit.path),
                }
            ).data
        )


class ApprovalActionView(APIView):
    @extend_schema(
        operation_id="dataApprovals_action",
        summary="Submit, approve, accept, unaccept or unapprove data of an org unit and period",
        request=ApprovalActionInput,
        responses={200: ApprovalActionOut, **rest.errors(400, 404, 409)},
    )
    def post(self, request: Request, action: str) -> Response:
        user = request.user
        service = APPROVAL_ACTIONS.get(action)
        if service is None:
            raise NotFound(f"unknown approval action '{action}'")
        perm = Perm.DATA_ENTER if action == "submit" else Perm.DATA_APPROVE
        policy.require(user, perm, message=_need(perm))
        body = rest.parse(ApprovalActionInput, request.data)
        org_unit = _org_unit(body["orgUnit"])
        period = services.period_ensure(code=body["period"])
        aoc = _aoc(body.get("attributeOptionCombo"))
        approval = service(actor=user, org_unit=org_unit, period=period, attribute_option_combo=aoc)
        state = approval.state if approval is not None else "open"
        return Response(
            ApprovalActionOut({"orgUnit": org_unit.code, "period": period.code, "state": state}).data
        )


class LockListView(APIView):
    """GET dataLocks (those the user may see); POST {period, orgUnit?, organisation?, reason?}."""

    @extend_schema(
        operation_id="dataLocks_list", summary="Period locks", responses={200: LockListOut, **rest.errors()}
    )
    def get(self, request: Request) -> Response:
        policy.require(request.user, Perm.DATA_VIEW, message=_need(Perm.DATA_VIEW))
        locks = policy.visible(
            request.user,
            Perm.DATA_VIEW,
            DataLock.objects.select_related("period", "org_unit", "organisation"),
        )
        return Response(LockListOut({"dataLocks": [_lock_json(lock) for lock in locks]}).data)

    @extend_schema(
        operation_id="dataLocks_create",
        summary="Lock a period (in an org unit subtree, for an organisation)",
        request=LockInput,
        responses={201: LockOut, **rest.errors(400)},
    )
    def post(self, request: Request) -> Response:
        policy.require(request.user, Perm.DATA_APPROVE, message=_need(Perm.DATA_APPROVE))
        body = rest.parse(LockInput, request.data)
        period = services.period_ensure(code=body["period"])
        org_unit = _org_unit(body["orgUnit"]) if body.get("orgUnit") else None
        organisation = organisation_by_code(body.get("organisation"), required=False, active=False)
        lock = services.data_lock_create(
            actor=request.user,
            period=period,
            org_unit=org_unit,
            organisation=organisation,
            reason=body.get("reason") or "",
        )
        return Response(LockOut(_lock_json(lock)).data, status=201)


class LockDetailView(APIView):
    @extend_schema(
        operation_id="dataLocks_delete", summary="Unlock", responses={204: None, **rest.errors(404)}
    )
    def delete(self, request: Request, pk: int) -> Response:
        policy.require(request.user, Perm.DATA_APPROVE, message=_need(Perm.DATA_APPROVE))
        lock = policy.get_visible_or_404(
            request.user, Perm.DATA_APPROVE, DataLock.objects.select_related("period", "org_unit"), pk=pk
        )
        services.data_lock_delete(actor=request.user, lock=lock)
        return Response(status=204)


def _lock_json(lock: DataLock) -> dict[str, Any]:
    return {
        "id": lock.pk,
        "period": lock.period.code,
        "orgUnit": lock.org_unit.code if lock.org_unit else None,
        "organisation": lock.organisation.code if lock.organisation else None,
        "reason": lock.reason,
        "at": lock.at.isoformat(timespec="seconds"),
    }


class OutlierView(APIView):
    """POST dataValues/outliers {dataElement: [...], orgUnit, startDate?, endDate?, sdFactor?}: mark values
    outside their min/max bounds (or mean ± sdFactor SD of their history) for follow-up."""

    @extend_schema(
        operation_id="dataValues_outliers",
        summary="Mark outliers for follow-up",
        request=OutlierInput,
        responses={200: OutlierOut, **rest.errors(400)},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_APPROVE, message=_need(Perm.DATA_APPROVE))
        body = rest.parse(OutlierInput, request.data)
        idents = body["dataElement"]
        found = selectors.data_elements_by_ident(user=user, idents=idents)
        unknown = [i for i in idents if i not in found]
        if unknown:
            raise ValidationFailed(
                f"unknown or missing dataElement: {', '.join(unknown)}", field="dataElement"
            )
        org_unit = _org_unit(body["orgUnit"])
        start, end, sd_factor = body.get("startDate"), body.get("endDate"), body["sdFactor"]
        ids = services.outliers_flag(
            actor=user,
            data_element_ids=[de.pk for de in found.values()],
            org_unit=org_unit,
            start=start,
            end=end,
            sd_factor=sd_factor,
        )
        return Response(OutlierOut({"flagged": len(ids)}).data)


# ---------------------------------------------------------------------------------------------------------
# Reporting completeness: DHIS2's completeDataSetRegistrations


def _first(request: Request, *names: str) -> str:
    for name in names:
        value = (request.query_params.get(name) or "").strip()
        if value:
            return value
    return ""


def _registration_json(reg: CompleteDataSetRegistration) -> dict[str, Any]:
    period = period_lib.parse_period(reg.period.code)
    return {
        "dataSet": reg.data_set.code,
        "period": reg.period.code,
        "organisationUnit": reg.org_unit.code,
        "attributeOptionCombo": reg.attribute_option_combo.code,
        "organisation": reg.organisation.code if reg.organisation else None,
        "completed": reg.completed,
        "date": timezone.localtime(reg.date).isoformat(timespec="milliseconds"),
        "storedBy": reg.stored_by.username if reg.stored_by else "",
        "onTime": reg.completed and completeness.is_on_time(reg.data_set, period, reg.date),
    }


class CompleteDataSetRegistrationsView(APIView):
    """DHIS2's /api/completeDataSetRegistrations: a place's report of a data set for a period marked complete.

    GET dataSet (repeatable) & orgUnit (repeatable; children=true: their subtrees) & period or
    startDate+endDate: the registrations the user may see. POST {"completeDataSetRegistrations": [...]}: an
    ImportSummary (a refused row is a conflict naming its index and field). DELETE ?ds=&pe=&ou= (or dataSet,
    period, orgUnit; attributeOptionCombo / organisation optional): 204."""

    dhis2_web_message = False

    @extend_schema(
        operation_id="completeDataSetRegistrations_list",
        summary="Reports marked complete (DHIS2 completeDataSetRegistrations)",
        parameters=[
            OpenApiParameter("dataSet", str, many=True, required=True, description="Data set uid or code"),
            OpenApiParameter("orgUnit", str, many=True, required=True, description="Org unit codes"),
            OpenApiParameter("children", bool, description="Include the org units' subtrees"),
            OpenApiParameter("period", str, many=True, description="DHIS2 period codes"),
            OpenApiParameter("startDate", OpenApiTypes.DATE),
            OpenApiParameter("endDate", OpenApiTypes.DATE),
        ],
        responses={200: RegistrationListOut, **rest.errors(400)},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_VIEW, message=_need(Perm.DATA_VIEW))
        ds_idents = _list(request, "dataSet")
        if not ds_idents:
            raise ValidationFailed("dataSet is required", field="dataSet")
        sets = idschemes.find(selectors.data_sets_visible_to(user=user), "uid", ds_idents)
        unknown = [i for i in ds_idents if i not in sets]
        if unknown:
            raise ValidationFailed(
                f"Data set not found or not accessible: {', '.join(unknown)}", field="dataSet", code="E7600"
            )
        ou_codes = _list(request, "orgUnit")
        if not ou_codes:
            raise ValidationFailed("orgUnit is required", field="orgUnit")
        units = _org_units(ou_codes)
        qs = policy.visible(
            user,
            Perm.DATA_VIEW,
            CompleteDataSetRegistration.objects.select_related(
                "data_set", "period", "org_unit", "attribute_option_combo", "organisation", "stored_by"
            ),
        ).filter(data_set__in=list(sets.values()))
        if _bool(request, "children"):
            place = Q()
            for unit in units:
                place |= Q(org_unit__path__startswith=unit.path)
            qs = qs.filter(place)
        else:
            qs = qs.filter(org_unit__in=units)
        periods = _period_codes(_list(request, "period"))
        start, end = _date(request, "startDate"), _date(request, "endDate")
        if periods:
            qs = qs.filter(period__code__in=periods)
        elif start and end:
            qs = qs.filter(period__start__gte=start, period__end__lte=end)
        else:
            raise ValidationFailed("period, or startDate and endDate, is required", field="period")
        rows = [
            _registration_json(r) for r in qs.order_by("period__start", "org_unit__path", "data_set__code")
        ]
        return Response(RegistrationListOut({"completeDataSetRegistrations": rows}).data)

    @extend_schema(
        operation_id="completeDataSetRegistrations_import",
        summary="Mark reports complete (or incomplete: completed=false)",
        request=RegistrationsInput,
        responses={
            200: OpenApiResponse(ImportSummaryMessageSerializer, description="ImportSummary"),
            409: OpenApiResponse(ImportSummaryMessageSerializer, description="Nothing could be registered"),
            **rest.errors(400),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_ENTER, message=_need(Perm.DATA_ENTER))
        body = rest.parse(RegistrationsInput, json_loads(_read_body(request) or b"null"))
        summary = registrations.registrations_import(
            actor=user, payload=body, dry_run=_bool(request, "dryRun")
        )
        answer, http = webmessage.import_summary(summary.as_dict(), dhis2=self.dhis2_web_message)
        out = (
            DHIS2ImportSummaryMessageSerializer if self.dhis2_web_message else ImportSummaryMessageSerializer
        )
        return Response(out(answer).data, status=http)

    @extend_schema(
        operation_id="completeDataSetRegistrations_delete",
        summary="Remove a registration (the report counts as not received)",
        parameters=[
            OpenApiParameter("ds", str, required=True, description="Data set uid or code (or dataSet=)"),
            OpenApiParameter("pe", str, required=True, description="Period (or period=)"),
            OpenApiParameter("ou", str, required=True, description="Org unit (or orgUnit=)"),
            OpenApiParameter("attributeOptionCombo", str),
            OpenApiParameter("organisation", str),
        ],
        responses={204: None, **rest.errors(400, 404)},
    )
    def delete(self, request: Request) -> Response:
        user = request.user
        policy.require(user, Perm.DATA_ENTER, message=_need(Perm.DATA_ENTER))
        row = {
            "dataSet": _first(request, "ds", "dataSet"),
            "period": _first(request, "pe", "period"),
            "organisationUnit": _first(request, "ou", "orgUnit", "organisationUnit"),
            "attributeOptionCombo": _first(request, "attributeOptionCombo"),
            "organisation": _first(request, "organisation"),
        }
        registrations.registrations_delete(actor=user, row=row)
        return Response(status=204)
