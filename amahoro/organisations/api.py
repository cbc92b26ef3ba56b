"""REST endpoints of organisations (mounted under /api/v1/): list, create, read, change.

Thin: the endpoint's input serializer parses the body, a service writes (and audits), the output serializer
answers. Missing and invisible organisations are both 404; a change the user may not make is 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.geo import selectors as geo_selectors
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s
from .models import Contact, Organisation


def _is_schema(view: object) -> bool:
    """drf-spectacular builds the views without a request user to read their querysets."""
    return bool(getattr(view, "swagger_fake_view", False))


def _detail(request: Request, org: Organisation) -> Any:
    contacts = policy.visible(request.user, Perm.ORGANISATION_VIEW, Contact.objects.filter(organisation=org))
    return s.OrganisationDetailSerializer(org, context={"contacts": contacts.select_related("org_unit")}).data


@extend_schema_view(
    get=extend_schema(
        summary="List organisations",
        parameters=[s.OrganisationListQuery],
        responses={200: s.OrganisationSerializer(many=True), **rest.errors(400, 404)},
    ),
    post=extend_schema(
        summary="Create an organisation (system administrators)",
        description="Needs organisation.create; `areas` must lie in your part of the country. Audited.",
        request=s.OrganisationCreateSerializer,
        responses={201: s.OrganisationDetailSerializer, **rest.errors(400)},
    ),
)
class OrganisationList(rest.ParamsMixin, generics.ListAPIView[Organisation]):
    """Organisations you belong to or that operate in your part of the country."""

    serializer_class = s.OrganisationSerializer
    allowed_params = frozenset(s.OrganisationListQuery().fields)

    def get_queryset(self) -> QuerySet[Organisation]:
        if _is_schema(self):
            return Organisation.objects.none()
        query = rest.parse_query(s.OrganisationListQuery, self.request)
        qs = selectors.organisation_search(user=self.request.user, type=query.get("type"), q=query.get("q"))
        return qs.select_related("parent").prefetch_related("areas")

    @policy.requires(Perm.ORGANISATION_CREATE)
    def post(self, request: Request) -> Response:
        areas = geo_selectors.orgunits_visible_to(user=request.user, perm=Perm.ORGANISATION_CREATE)
        data = rest.parse(s.OrganisationCreateSerializer, request.data, areas=areas)
        org = services.organisation_create(actor=request.user, **data)
        return Response(_detail(request, org), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="One organisation, with its areas and contacts",
        responses={200: s.OrganisationDetailSerializer, **rest.errors(404)},
    ),
    patch=extend_schema(
        summary="Change an organisation (its administrators)",
        description="Needs organisation.manage in that organisation; areas outside your part of the country are kept.",
        request=s.OrganisationUpdateSerializer,
        responses={200: s.OrganisationDetailSerializer, **rest.errors(400, 404)},
    ),
)
class OrganisationDetail(rest.ParamsMixin, APIView):
    """One organisation with the codes of its operating areas and its contacts."""

    def get(self, request: Request, code: str) -> Response:
        org = selectors.organisation_get(user=request.user, code=code)
        return Response(_detail(request, org))

    def patch(self, request: Request, code: str) -> Response:
        org = selectors.organisation_get(user=request.user, code=code)
        policy.require(
            request.user, Perm.ORGANISATION_MANAGE, org, message="you may not change this organisation"
        )
        manageable = geo_selectors.orgunits_visible_to(user=request.user, perm=Perm.ORGANISATION_MANAGE)
        data = dict(rest.parse(s.OrganisationUpdateSerializer, request.data, areas=manageable))
        if "areas" in data:
            # Areas outside the requester's part of the country are not theirs to remove.
            kept = org.areas.exclude(pk__in=manageable.values("pk"))
            data["areas"] = [*data["areas"], *kept]
        org = services.organisation_update(actor=request.user, organisation=org, **data)
        return Response(_detail(request, org))
