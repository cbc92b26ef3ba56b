"""REST endpoint of the metadata app: DHIS2 metadata import and export (`/api/v1/metadata`).

`POST /api/v1/metadata` is atomic like DHIS2's atomicMode=ALL: an error anywhere writes nothing and
answers 409 Conflict with the import summary (status ERROR); otherwise 200 (status OK or WARNING)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import ValidationFailed
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

from . import selectors, webmessage
from . import serializers as s
from .access import manages_organisation
from .importer import metadata_import


@extend_schema(
    methods=["POST"],
    summary="Import metadata (DHIS2 shape)",
    description=(
        "Creates or updates by code: categoryOptions, categories, categoryCombos, categoryOptionCombos (to set "
        "the codes of generated option combos), dataElements, indicators. Atomic: any error writes nothing and "
        "answers 409 with status ERROR. Needs framework.manage; new objects belong to `organisation` (default: "
        "yours; shared when a system administrator imports without one)."
    ),
    parameters=[s.MetadataImportQuery],
    request=s.MetadataPayload,
    responses={
        200: s.MetadataImportReportSerializer,
        409: OpenApiResponse(s.MetadataImportReportSerializer, description="Errors; nothing written"),
        **rest.errors(400),
    },
)
@extend_schema(
    methods=["GET"],
    summary="Export metadata (DHIS2 shape)",
    description="Category options, categories, category combos, category option combos (with codes), data elements and indicators you may see.",
    parameters=[s.MetadataExportQuery],
    responses={200: s.MetadataExportSerializer, **rest.errors(400)},
)
class MetadataView(APIView):
    # True on the DHIS2-compatible path (/api/metadata): answer exactly as DHIS2 2.38+ does.
    dhis2_web_message = False

    def get(self, request: Request) -> Response:
        rest.parse_query(s.MetadataExportQuery, request)
        policy.require_any(request.user, [Perm.FRAMEWORK_VIEW, Perm.DATA_VIEW])
        return Response(selectors.metadata_export(user=request.user))

    def post(self, request: Request) -> Response:
        query = s.query_dict(rest.parse_query(s.MetadataImportQuery, request))
        policy.require(request.user, Perm.FRAMEWORK_MANAGE)
        rest.parse(s.MetadataPayload, request.data)  # the envelope; the importer checks every object
        organisation = None
        org_code = query.get("organisation")
        if org_code:
            try:
                organisation = organisation_by_code(org_code, active=False, field="organisation")
            except ValidationFailed:
                organisation = None  # unknown and not yours are answered alike
            if organisation is None or not manages_organisation(request.user, organisation):
                raise ValidationFailed(
                    f"unknown organisation '{org_code}' (or not one you manage)", field="organisation"
                )
        report = metadata_import(
            actor=request.user,
            payload=request.data,
            import_strategy=(query.get("importStrategy") or "CREATE_AND_UPDATE").upper(),
            organisation=organisation,
            dry_run=bool(query.get("dryRun")) or (query.get("importMode") or "").upper() == "VALIDATE",
        )
        report.notes.extend(note for name, note in s.METADATA_IGNORED_PARAMS.items() if query.get(name))
        body, code = webmessage.import_report(report.as_dict(), dhis2=self.dhis2_web_message)
        return Response(body, status=code)
