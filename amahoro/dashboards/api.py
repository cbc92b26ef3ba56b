"""REST endpoints of favourites and dashboards (mounted under /api/v1/). Thin: selectors and services
decide; lists show what the caller may see, single objects answer 404 for both missing and not shared."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s


class FavouriteList(rest.ParamsMixin, APIView):
    @extend_schema(operation_id="favourites_list", responses={200: s.FavouriteListOut, **rest.errors()})
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> Response:
        favourites = selectors.favourites_visible_to(user=request.user)
        return Response(s.FavouriteListOut({"favourites": favourites}).data)

    @extend_schema(
        operation_id="favourites_create",
        request=s.FavouriteIn,
        responses={201: s.FavouriteOut, **rest.errors(400)},
    )
    @policy.requires(Perm.DATA_VIEW)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.FavouriteIn, request.data)
        favourite = services.favourite_create(actor=request.user, **data)
        return Response(s.FavouriteOut(favourite).data, status=201)


class FavouriteDetail(rest.ParamsMixin, APIView):
    @extend_schema(operation_id="favourites_get", responses={200: s.FavouriteOut, **rest.errors(404)})
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request, uuid: Any) -> Response:
        return Response(s.FavouriteOut(selectors.favourite_get(user=request.user, uuid=uuid)).data)

    @extend_schema(
        operation_id="favourites_update",
        request=s.FavouriteUpdateIn,
        responses={200: s.FavouriteOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.DATA_VIEW)
    def patch(self, request: Request, uuid: Any) -> Response:
        favourite = selectors.favourite_get(user=request.user, uuid=uuid)
        data = rest.parse(s.FavouriteUpdateIn, request.data, partial=True)
        favourite = services.favourite_update(actor=request.user, favourite=favourite, **data)
        return Response(s.FavouriteOut(favourite).data)

    @extend_schema(operation_id="favourites_delete", responses={204: None, **rest.errors(404)})
    @policy.requires(Perm.DATA_VIEW)
    def delete(self, request: Request, uuid: Any) -> Response:
        favourite = selectors.favourite_get(user=request.user, uuid=uuid)
        services.favourite_delete(actor=request.user, favourite=favourite)
        return Response(status=204)


class DashboardList(rest.ParamsMixin, APIView):
    @extend_schema(operation_id="dashboards_list", responses={200: s.DashboardListOut, **rest.errors()})
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request) -> Response:
        dashboards = selectors.dashboards_visible_to(user=request.user)
        return Response(s.DashboardListOut({"dashboards": dashboards}).data)

    @extend_schema(
        operation_id="dashboards_create",
        request=s.DashboardIn,
        responses={201: s.DashboardDetailOut, **rest.errors(400)},
    )
    @policy.requires(Perm.DATA_VIEW)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.DashboardIn, request.data)
        dashboard = services.dashboard_create(actor=request.user, **data)
        return Response(s.DashboardDetailOut(dashboard).data, status=201)


class DashboardDetail(rest.ParamsMixin, APIView):
    @extend_schema(operation_id="dashboards_get", responses={200: s.DashboardDetailOut, **rest.errors(404)})
    @policy.requires(Perm.DATA_VIEW)
    def get(self, request: Request, uuid: Any) -> Response:
        return Response(s.DashboardDetailOut(selectors.dashboard_get(user=request.user, uuid=uuid)).data)


class DashboardItems(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="dashboards_item_add",
        request=s.ItemIn,
        responses={201: s.ItemOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.DATA_VIEW)
    def post(self, request: Request, uuid: Any) -> Response:
        dashboard = selectors.dashboard_get(user=request.user, uuid=uuid)
        data = rest.parse(s.ItemIn, request.data)
        favourite = None
        if data.get("favourite") is not None:
            try:
                favourite = selectors.favourite_get(user=request.user, uuid=data["favourite"])
            except NotFound:
                raise NotFound(f"favourite '{data['favourite']}' not found", field="favourite") from None
        item = services.dashboard_item_add(
            actor=request.user, dashboard=dashboard, kind=data["kind"], favourite=favourite, text=data["text"]
        )
        return Response(s.ItemOut(item).data, status=201)
