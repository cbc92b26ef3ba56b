"""REST endpoints of the service directory (mounted under /api/v1/): list and search, create, read, change.

Every signed-in user with organisation.view reads the directory; directory.manage holders change the
providers of their own organisation (system administrators every provider). A provider the user may not
change is a 403 on PATCH; a missing one is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s
from .models import ServiceProvider

PROVIDER_ID = OpenApiParameter(
    "ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The provider id"
)


def _units(codes: list[str] | None, field: str) -> list[OrgUnit] | None:
    if codes is None:
        return None
    return [selectors.org_unit_lookup(code, field=field) for code in codes]


def _answer(provider: ServiceProvider) -> Any:
    return s.ServiceProviderSerializer(provider).data


class ServiceProviderList(rest.ParamsMixin, APIView):
    allowed_params = frozenset(s.ServiceProviderQuery().fields)

    @extend_schema(
        summary="The service directory: providers by service and place served",
        description="`org_unit` takes an org unit code; a number that is no unit's code is taken as a "
        "numeric id. The code always wins (Rwanda's codes are numbers too: `org_unit=12` is the unit "
        "whose code is 12, Gasabo, even when another unit has id 12). `org_unit_id` takes the numeric id "
        "only; give one or the other. An unknown place is a 400 naming the parameter. A provider serves a "
        "place when one of its areas is that place or an ancestor of it.",
        operation_id="service_providers_list",
        parameters=[s.ServiceProviderQuery],
        responses={200: s.ServiceProviderSerializer(many=True), **rest.errors(400)},
    )
    @policy.requires(Perm.ORGANISATION_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(s.ServiceProviderQuery, request)
        if query.get("org_unit") and query.get("org_unit_id") is not None:
            raise ValidationFailed("give org_unit or org_unit_id, not both", field="org_unit_id")
        unit = selectors.org_unit_lookup(query["org_unit"]) if query.get("org_unit") else None
        if query.get("org_unit_id") is not None:
            unit = selectors.org_unit_by_id(query["org_unit_id"])
        org = organisation_by_code(query.get("organisation"), required=False)
        qs = selectors.providers_search(
            user=request.user,
            service=query.get("service") or "",
            org_unit=unit,
            q=query.get("q") or "",
            organisation_id=org.pk if org else None,
            include_inactive=query["include_inactive"],
        ).prefetch_related("areas")
        return Response(s.ServiceProviderSerializer(qs[:500], many=True).data)

    @extend_schema(
        summary="Add a provider (directory.manage in its organisation)",
        operation_id="service_providers_create",
        request=s.ServiceProviderInput,
        responses={201: s.ServiceProviderSerializer, **rest.errors(400)},
    )
    @policy.requires(Perm.DIRECTORY_MANAGE)
    def post(self, request: Request) -> Response:
        data = dict(rest.parse(s.ServiceProviderInput, request.data))
        org = organisation_by_code(data.pop("organisation"))
        unit_code = data.pop("org_unit", "")
        provider = services.provider_create(
            actor=request.user,
            organisation=org,
            org_unit=selectors.org_unit_lookup(unit_code) if unit_code else None,
            areas=_units(data.pop("areas", None), "areas") or [],
            **data,
        )
        return Response(_answer(provider), status=status.HTTP_201_CREATED)


class ServiceProviderDetail(rest.ParamsMixin, APIView):
    @extend_schema(
        summary="One provider",
        operation_id="service_providers_get",
        parameters=[PROVIDER_ID],
        responses={200: s.ServiceProviderSerializer, **rest.errors(404)},
    )
    @policy.requires(Perm.ORGANISATION_VIEW)
    def get(self, request: Request, ident: str) -> Response:
        return Response(_answer(selectors.access_provider(user=request.user, ident=ident)))

    @extend_schema(
        summary="Change a provider (directory.manage in its organisation); is_active=false deactivates it",
        operation_id="service_providers_update",
        parameters=[PROVIDER_ID],
        request=s.ServiceProviderUpdate,
        responses={200: s.ServiceProviderSerializer, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.DIRECTORY_MANAGE)
    def patch(self, request: Request, ident: str) -> Response:
        provider = selectors.access_provider(user=request.user, ident=ident)
        data = dict(rest.parse(s.ServiceProviderUpdate, request.data))
        if "org_unit" in data:
            code = data.pop("org_unit")
            data["org_unit"] = selectors.org_unit_lookup(code) if code else None
        areas = _units(data.pop("areas", None), "areas")
        provider = services.provider_update(actor=request.user, provider=provider, areas=areas, **data)
        return Response(_answer(provider))
