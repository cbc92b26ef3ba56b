"""DHIS2-compatible paths beside /api/v1/ (`/api/dataValueSets`, `/api/metadata`, `/api/system/info`,
`/api/me`, also under a version such as `/api/38/`), so DHIS2 clients and scripts connect with a base URL.
Same views, authentication (Basic, `Token`/`ApiToken`, session) and policy as /api/v1/."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.data import api as data_api
from amahoro.geo.models import OrgUnit
from amahoro.metadata import api as metadata_api

# The DHIS2 version whose API behaviour is followed (importSummary: HTTP 200/409 with a WebMessage).
DHIS2_VERSION = "2.38.0"


@extend_schema(exclude=True)
class SystemInfo(APIView):
    """DHIS2's /api/system/info: what clients read to learn the server's version and calendar."""

    def get(self, request: Request) -> Response:
        now = timezone.now()
        return Response(
            {
                "version": DHIS2_VERSION,
                "revision": "amahoro",
                "systemName": "Amahoro",
                "instanceBaseUrl": request.build_absolute_uri("/").rstrip("/"),
                "contextPath": request.build_absolute_uri("/").rstrip("/"),
                "serverDate": now.isoformat(timespec="milliseconds"),
                "serverTimeZoneId": settings.TIME_ZONE,
                "calendar": "iso8601",
                "dateFormat": "yyyy-mm-dd",
                "amahoro": {"api": "/api/v1/", "dhis2Compatibility": DHIS2_VERSION},
            }
        )


@extend_schema(exclude=True)
class Me(APIView):
    """DHIS2's /api/me: who you are, your authorities and the places your roles cover."""

    def get(self, request: Request) -> Response:
        me = cast(User, request.user)
        grants = policy.grants(me)
        permissions = sorted({p.value for g in grants for p in g.perms})
        roots = sorted({g.path for g in grants if g.path})
        places: list[dict[str, Any]] = []
        if any(g.path is None for g in grants):
            places = [_place(ou) for ou in OrgUnit.objects.filter(parent__isnull=True)]
        elif roots:
            places = [_place(ou) for ou in OrgUnit.objects.filter(path__in=roots)]
        name = me.get_full_name() or me.username
        return Response(
            {
                "id": str(me.pk),
                "username": me.username,
                "name": name,
                "displayName": name,
                "email": me.email,
                "authorities": permissions,
                "organisationUnits": places,
                "dataViewOrganisationUnits": places,
                "settings": {"keyUiLocale": getattr(me, "language", "") or "en"},
            }
        )


def _place(ou: OrgUnit) -> dict[str, Any]:
    return {"id": ou.uid or ou.code, "code": ou.code, "name": ou.name, "displayName": ou.name}


# The same views as /api/v1/ answering DHIS2's WebMessages; left out of the OpenAPI document (which
# describes /api/v1/), so operation ids stay unique.
_HIDDEN = extend_schema_view(get=extend_schema(exclude=True), post=extend_schema(exclude=True))


@_HIDDEN
class DataValueSets(data_api.DataValueSetsView):
    dhis2_web_message = True


@_HIDDEN
class DataValueSetsFormat(data_api.DataValueSetsFormatView):
    dhis2_web_message = True


@extend_schema_view(
    get=extend_schema(exclude=True), post=extend_schema(exclude=True), delete=extend_schema(exclude=True)
)
class CompleteDataSetRegistrations(data_api.CompleteDataSetRegistrationsView):
    dhis2_web_message = True


@_HIDDEN
class Metadata(metadata_api.MetadataView):
    dhis2_web_message = True
