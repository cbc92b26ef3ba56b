"""REST endpoints of the early-warning module under /api/v1/ewer/. Thin: parse with the endpoint's input
serializer, call services/selectors, render with its output serializer (serializers.py: the contracts).

A signal outside the user's subtree is 404, as a missing one; a move the user may not make on a signal
they see is 403; a move the workflow does not allow is 409 naming both statuses."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.roles import Perm

from . import routing_rules, selectors, services
from . import serializers as s
from .models import Signal

IDENT = OpenApiParameter("ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The signal id")


class EwerAPIView(rest.ParamsMixin, APIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


def _detail(user: Any, signal: Signal) -> Any:
    seen = selectors.disclosure(user=user, signal=signal)
    selectors.disclosure_audit(user=user, signal=signal, seen=seen)
    context = {
        "content": seen.content,
        "reporter": seen.reporter,
        "allowed": services.allowed_moves(user=user, signal=signal),
    }
    return s.SignalDetailOut(signal, context=context).data


class SignalTypeList(EwerAPIView):
    @extend_schema(
        summary="The signal types (taxonomy) with their names in en/fr/rw and SMS keywords",
        operation_id="ewer_signal_types_list",
        responses={200: s.SignalTypeOut(many=True), **rest.errors()},
    )
    @policy.requires(Perm.SIGNAL_VIEW)
    def get(self, request: Request) -> Response:
        return Response(s.SignalTypeOut(selectors.signal_types(), many=True).data)


class SignalList(EwerAPIView):
    allowed_params = frozenset(s.SignalListQuery().fields)

    @extend_schema(
        summary="Signals at places in your subtree, newest first (no description or reporter)",
        operation_id="ewer_signals_list",
        parameters=[s.SignalListQuery],
        responses={200: s.SignalPageOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.SIGNAL_VIEW)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(s.SignalListQuery, request)
        qs = selectors.signals_search(
            user=request.user,
            status=query.get("status") or "",
            type=query.get("type") or "",
            org_unit=query.get("org_unit") or "",
            overdue=query.get("overdue"),
        )
        paginator = cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.SignalOut(page or [], many=True).data)

    @extend_schema(
        summary="Report a signal (routed to a responder with a deadline; the place's focal points are told)",
        operation_id="ewer_signals_create",
        request=s.SignalInput,
        responses={201: s.SignalOut, **rest.errors(400)},
    )
    @policy.requires(Perm.SIGNAL_VIEW)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.SignalInput, request.data)
        signal, _created = services.signal_create(
            actor=request.user,
            type=data["type"],
            org_unit=data["org_unit"],
            occurred_on=data["occurred_on"],
            urgency=data.get("urgency") or "",
            description=data.get("description") or "",
            reporter=data.get("reporter") or None,
        )
        return Response(s.SignalOut(signal).data, status=status.HTTP_201_CREATED)


class SignalDetail(EwerAPIView):
    @extend_schema(
        summary="One signal: its description for those who act on it, its reporter for the focal point",
        operation_id="ewer_signals_get",
        parameters=[IDENT],
        responses={200: s.SignalDetailOut, **rest.errors(404)},
    )
    @policy.requires(Perm.SIGNAL_VIEW)
    def get(self, request: Request, ident: str) -> Response:
        signal = selectors.access_signal(user=request.user, ident=ident)
        return Response(_detail(request.user, signal))


class SignalTransition(EwerAPIView):
    @extend_schema(
        summary="Move a signal: new -> verified|discarded|assigned, verified -> assigned|discarded, "
        "assigned -> responding, responding -> resolved",
        operation_id="ewer_signals_transition",
        parameters=[IDENT],
        request=s.TransitionInput,
        responses={200: s.SignalDetailOut, **rest.errors(400, 404, 409)},
    )
    @policy.requires(Perm.SIGNAL_VIEW)
    def post(self, request: Request, ident: str) -> Response:
        signal = selectors.access_signal(user=request.user, ident=ident)
        data = rest.parse(s.TransitionInput, request.data)
        signal = services.signal_transition(
            actor=request.user,
            signal=signal,
            to=data["to"],
            note=data.get("note") or "",
            assign_to=data.get("assign_to") or None,
        )
        return Response(_detail(request.user, signal))


RULE_IDENT = OpenApiParameter("ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The rule id")


class RoutingRuleList(EwerAPIView):
    allowed_params = frozenset(s.RoutingRuleListQuery().fields)

    @extend_schema(
        summary="Routing rules at places in your subtree (signal type x place subtree -> responder, deadlines)",
        operation_id="ewer_routing_rules_list",
        parameters=[s.RoutingRuleListQuery],
        responses={200: s.RoutingRuleOut(many=True), **rest.errors(400)},
    )
    @policy.requires(Perm.SIGNAL_CONFIGURE)
    def get(self, request: Request) -> Response:
        query = rest.parse_query(s.RoutingRuleListQuery, request)
        rules = routing_rules.routing_rules_visible(user=request.user, active=query.get("active"))
        return Response(s.RoutingRuleOut(rules, many=True).data)

    @extend_schema(
        summary="Create a routing rule (signal_type empty: any type; hours default 4/24/72)",
        operation_id="ewer_routing_rules_create",
        request=s.RoutingRuleInput,
        responses={201: s.RoutingRuleOut, **rest.errors(400)},
    )
    @policy.requires(Perm.SIGNAL_CONFIGURE)
    def post(self, request: Request) -> Response:
        data = rest.parse(s.RoutingRuleInput, request.data)
        rule = routing_rules.routing_rule_save(actor=request.user, values=data)
        return Response(s.RoutingRuleOut(rule).data, status=status.HTTP_201_CREATED)


class RoutingRuleDetail(EwerAPIView):
    @extend_schema(
        summary="One routing rule",
        operation_id="ewer_routing_rules_get",
        parameters=[RULE_IDENT],
        responses={200: s.RoutingRuleOut, **rest.errors(404)},
    )
    @policy.requires(Perm.SIGNAL_CONFIGURE)
    def get(self, request: Request, ident: str) -> Response:
        return Response(s.RoutingRuleOut(routing_rules.routing_rule_get(user=request.user, ident=ident)).data)

    @extend_schema(
        summary="Change the given fields of a routing rule",
        operation_id="ewer_routing_rules_update",
        parameters=[RULE_IDENT],
        request=s.RoutingRuleInput(partial=True),
        responses={200: s.RoutingRuleOut, **rest.errors(400, 404)},
    )
    @policy.requires(Perm.SIGNAL_CONFIGURE)
    def patch(self, request: Request, ident: str) -> Response:
        rule = routing_rules.routing_rule_get(user=request.user, ident=ident)
        data = rest.parse(s.RoutingRuleInput, request.data, partial=True)
        rule = routing_rules.routing_rule_save(actor=request.user, values=data, rule=rule)
        return Response(s.RoutingRuleOut(rule).data)

    @extend_schema(
        summary="Deactivate a routing rule (kept for the history; new signals no longer follow it)",
        operation_id="ewer_routing_rules_delete",
        parameters=[RULE_IDENT],
        responses={200: s.RoutingRuleOut, **rest.errors(404)},
    )
    @policy.requires(Perm.SIGNAL_CONFIGURE)
    def delete(self, request: Request, ident: str) -> Response:
        rule = routing_rules.routing_rule_get(user=request.user, ident=ident)
        rule = routing_rules.routing_rule_deactivate(actor=request.user, rule=rule)
        return Response(s.RoutingRuleOut(rule).data)
