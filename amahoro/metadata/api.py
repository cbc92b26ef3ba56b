"""REST endpoint of the metadata app: DHIS2 metadata import and export (`/api/v1/metadata`).

`POST /api/v1/metadata` is atomic like DHIS2's atomicMode=ALL: an error anywhere writes nothing and
answers 409 Conflict with the import summary (status ERROR); otherwise 200 (status OK or WARNING)."""

from __future__ import annotations

import difflib
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import selectors, webmessage
from .access import manages_organisation
from .importer import IMPORT_STRATEGIES, metadata_import

MAX_TEXT = 100
TRUE = frozenset({"1", "true", "yes"})
FALSE = frozenset({"0", "false", "no", ""})


def _require(user: Any, *perms: Perm) -> None:
    if not any(policy.has_perm(user, p) for p in perms):
        raise PermissionDenied(f"you do not have the '{perms[0].value}' permission", code="permission_denied")


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"{name} is longer than {MAX_TEXT} characters", field=name)
    return value or None


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ValidationFailed(f"{name} must be true or false, got '{raw[:20]}'", field=name)


def _only(request: Request, allowed: set[str]) -> None:
    for name in request.query_params:
        if name not in allowed | {"format"}:
            close = difflib.get_close_matches(name, sorted(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (expected: {', '.join(sorted(allowed))})"
            raise ValidationFailed(f"unknown query parameter '{name}'{hint}", field=name)


# DHIS2 metadata import parameters accepted without effect, and why (answered as notes, never refused).
METADATA_IGNORED_PARAMS = {
    "atomicMode": "atomicMode: the import is always all-or-nothing (atomicMode=ALL)",
    "async": "async: the import ran at once; this answer is its report (there is no job to poll)",
    "skipAudit": "skipAudit is ignored: every change keeps its audit row",
    "identifier": "identifier: objects are matched by code, then by uid",
    "importReportMode": "importReportMode is ignored: the report always lists every error",
    "preheatMode": "preheatMode is ignored",
    "flushMode": "flushMode is ignored",
    "mergeMode": "mergeMode is ignored: fields given replace the stored ones",
    "skipSharing": "skipSharing is ignored: ownership comes from organisation=",
    "skipTranslation": "skipTranslation is ignored",
    "skipValidation": "skipValidation is ignored: every object is validated",
    "userOverrideMode": "userOverrideMode is ignored",
    "inclusionStrategy": "inclusionStrategy is ignored",
    "atomic": "atomic: the import is always all-or-nothing",
}
# DHIS2 metadata export parameters (fields=, filter=, per-type switches): the export is always complete.
METADATA_EXPORT_PARAMS = frozenset(
    {"fields", "filter", "defaults", "download", "skipSharing", "translate", "locale", "paging", "order"}
    | {"categoryOptions", "categories", "categoryCombos", "categoryOptionCombos", "dataElements"}
    | {"indicators", "dataSets", "organisationUnits", "assumeTrue"}
)


@extend_schema(
    methods=["POST"],
    summary="Import metadata (DHIS2 shape)",
    description=(
        "Creates or updates by code: categoryOptions, categories, categoryCombos, categoryOptionCombos (to set "
        "the codes of generated option combos), dataElements, indicators. Atomic: any error writes nothing and "
        "answers 409 with status ERROR. Needs framework.manage; new objects belong to `organisation` (default: "
        "yours; shared when a system administrator imports without one)."
    ),
    parameters=[
        OpenApiParameter(
            "importStrategy", str, enum=list(IMPORT_STRATEGIES), description="Default CREATE_AND_UPDATE"
        ),
        OpenApiParameter("dryRun", bool, description="Check everything, write nothing"),
        OpenApiParameter(
            "organisation", str, description="Code of the organisation that will own new objects"
        ),
    ],
    request=OpenApiTypes.OBJECT,
    responses={
        200: OpenApiTypes.OBJECT,
        409: OpenApiResponse(OpenApiTypes.OBJECT, description="Errors; nothing written"),
    },
)
@extend_schema(
    methods=["GET"],
    summary="Export metadata (DHIS2 shape)",
    description="Category options, categories, category combos, category option combos (with codes), data elements and indicators you may see.",
    responses={200: OpenApiTypes.OBJECT},
)
class MetadataView(APIView):
    # True on the DHIS2-compatible path (/api/metadata): answer exactly as DHIS2 2.38+ does.
    dhis2_web_message = False

    def get(self, request: Request) -> Response:
        _only(request, set(METADATA_EXPORT_PARAMS))
        _require(request.user, Perm.FRAMEWORK_VIEW, Perm.DATA_VIEW)
        return Response(selectors.metadata_export(user=request.user))

    def post(self, request: Request) -> Response:
        _only(
            request, {"importStrategy", "dryRun", "organisation", "importMode"} | set(METADATA_IGNORED_PARAMS)
        )
        _require(request.user, Perm.FRAMEWORK_MANAGE)
        organisation = None
        org_code = _param(request, "organisation")
        if org_code:
            organisation = Organisation.objects.filter(code=org_code).first()
            if organisation is None or not manages_organisation(request.user, organisation):
                raise ValidationFailed(
                    f"unknown organisation '{org_code}' (or not one you manage)", field="organisation"
                )
        report = metadata_import(
            actor=request.user,
            payload=request.data,
            import_strategy=(_param(request, "importStrategy") or "CREATE_AND_UPDATE").upper(),
            organisation=organisation,
            dry_run=_flag(request, "dryRun") or (_param(request, "importMode") or "").upper() == "VALIDATE",
        )
        report.notes.extend(
            note for name, note in METADATA_IGNORED_PARAMS.items() if request.query_params.get(name)
        )
        body, code = webmessage.import_report(report.as_dict(), dhis2=self.dhis2_web_message)
        return Response(body, status=code)
