"""REST endpoints of the place hierarchy (mounted under /api/v1/): org units, their children, GeoJSON.

Thin: each view parses its query with the endpoint's query serializer, reads through a selector (narrowed by
`amahoro.policy`) and renders with the output serializer. Missing and invisible units are both 404."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro.core import rest

from . import selectors
from . import serializers as s
from .models import OrgUnit
from .services import level_get


def _is_schema(view: object) -> bool:
    """drf-spectacular builds the views without a request user to read their querysets."""
    return bool(getattr(view, "swagger_fake_view", False))


def _flag_geometry(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Lists say whether a unit has a geometry without loading it."""
    return qs.defer("geometry").annotate(
        has_geometry=ExpressionWrapper(Q(geometry__isnull=False), output_field=BooleanField())
    )


@extend_schema(
    summary="List org units",
    parameters=[s.OrgUnitListQuery],
    responses={200: s.OrgUnitSerializer(many=True), **rest.errors(400, 404)},
)
class OrgUnitList(generics.ListAPIView[OrgUnit]):
    """Org units you may see (your part of the hierarchy), filtered by level, parent and name."""

    serializer_class = s.OrgUnitSerializer

    def get_queryset(self) -> QuerySet[OrgUnit]:
        if _is_schema(self):
            return OrgUnit.objects.none()
        query = rest.parse_query(s.OrgUnitListQuery, self.request)
        qs = selectors.orgunit_search(
            user=self.request.user,
            level=query.get("level"),
            parent=query.get("parent"),
            q=query.get("q"),
            include_closed=query["include_closed"],
        )
        return _flag_geometry(qs)


@extend_schema(
    summary="One org unit",
    parameters=[s.OrgUnitDetailQuery],
    responses={200: s.OrgUnitDetailSerializer, **rest.errors(400, 404)},
)
class OrgUnitDetail(APIView):
    """One org unit; 404 when it does not exist or lies outside your part of the hierarchy."""

    def get(self, request: Request, code: str) -> Response:
        query = rest.parse_query(s.OrgUnitDetailQuery, request)
        unit = selectors.orgunit_get(user=request.user, code=code)
        if query["geometry"]:
            return Response(s.OrgUnitDetailSerializer(unit).data)
        return Response(s.OrgUnitSerializer(unit).data)


@extend_schema(
    summary="Children of an org unit",
    parameters=[rest.PageQuery],
    responses={200: s.OrgUnitChildSerializer(many=True), **rest.errors(400, 404)},
)
class OrgUnitChildren(generics.ListAPIView[OrgUnit]):
    """The units directly below one you may see, with how many units each has below it."""

    serializer_class = s.OrgUnitChildSerializer

    def get_queryset(self) -> QuerySet[OrgUnit]:
        if _is_schema(self):
            return OrgUnit.objects.none()
        rest.parse_query(rest.PageQuery, self.request)
        unit = selectors.orgunit_get(user=self.request.user, code=self.kwargs["code"])
        return _flag_geometry(selectors.orgunit_children(user=self.request.user, unit=unit))


@method_decorator(gzip_page, name="dispatch")  # district shapes: ~110 KB, ~27 KB compressed (3G)
@extend_schema(
    summary="Org units of a level as GeoJSON",
    parameters=[s.OrgUnitGeoJSONQuery],
    responses={(200, "application/json"): s.FeatureCollectionSerializer, **rest.errors(400)},
)
class OrgUnitGeoJSON(APIView):
    """A GeoJSON FeatureCollection of the units of a level you may see that have a boundary, with the
    credit (`attribution`) a map drawing them must show."""

    def get(self, request: Request) -> Response:
        level = rest.parse_query(s.OrgUnitGeoJSONQuery, request).get("level") or "district"
        level_get(level)  # an unknown level is a 400 naming `level`
        features = selectors.district_features(user=request.user, level=level)
        response = Response(s.FeatureCollectionSerializer(features).data)
        # Shapes change rarely: a map page fetches them once per 5 minutes (as /places/districts.geojson).
        response["Cache-Control"] = "private, max-age=300"
        return response
