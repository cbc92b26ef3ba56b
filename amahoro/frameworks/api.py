"""REST endpoints of the frameworks app: frameworks (list, tree, progress, links) and indicators (list,
detail, progress). Thin: parameters in, services/selectors, JSON out. The DHIS2 metadata import/export
(`/api/v1/metadata`) is in amahoro.metadata.api."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.core.rest import ParamsMixin
from amahoro.roles import Perm

from . import selectors, services
from . import serializers as s
from .models import Framework, Indicator, NodeLink


def _is_schema(view: Any) -> bool:
    return bool(getattr(view, "swagger_fake_view", False))


PERIOD_PARAM = OpenApiParameter(
    "period",
    str,
    description="DHIS2 period code (2024, 2024Q1, 2024July...); default: the framework's dates, else this year",
)
ORG_UNIT_PARAM = OpenApiParameter(
    "org_unit", str, description="Org unit code (its subtree); default: the root of your part of the country"
)


# ---------------------------------------------------------------------------------------------------------
# Frameworks


@extend_schema(
    summary="List results frameworks",
    parameters=[s.FrameworkListQuery],
    responses={200: s.FrameworkSerializer(many=True), **rest.errors(400)},
)
class FrameworkList(ParamsMixin, generics.ListAPIView[Framework]):
    """Frameworks you may see: national and public ones, and your organisation's in your area."""

    serializer_class = s.FrameworkSerializer
    allowed_params = frozenset({"page", "page_size", "organisation", "q"})

    def get_queryset(self) -> QuerySet[Framework]:
        if _is_schema(self):
            return Framework.objects.none()
        policy.require(self.request.user, Perm.FRAMEWORK_VIEW)
        params = rest.parse_query(s.FrameworkListQuery, self.request)
        qs = selectors.frameworks_visible_to(user=self.request.user)
        org = params.get("organisation")
        if org == "none":
            qs = qs.filter(organisation__isnull=True)
        elif org:
            qs = qs.filter(organisation__code=org)
        q = params.get("q")
        if q:
            qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
        return qs.order_by("code")


def node_tree(user: Any, framework: Framework) -> list[dict[str, Any]]:
    """The framework's nodes as nested dicts (links to nodes the user cannot see are left out)."""
    nodes = selectors.framework_nodes(framework=framework)
    links = selectors.links_visible(
        user=user, links=[lk for n in nodes for lk in n.links_out.all()], side="target"
    )
    visible_ind = set(
        selectors.indicators_visible_to(user=user)
        .filter(nodes__framework=framework)
        .values_list("pk", flat=True)
    )
    by_source: dict[int, list[NodeLink]] = {}
    for link in links:
        by_source.setdefault(link.source_id, []).append(link)
    items: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for n in nodes:
        item = {
            "code": n.code,
            "kind": n.kind,
            "name": n.name,
            "name_fr": n.name_fr,
            "name_rw": n.name_rw,
            "description": n.description,
            "responsible": [o.code for o in n.responsible.all()],
            "supporting": [o.code for o in n.supporting.all()],
            "indicators": [i.code for i in n.indicators.all() if i.pk in visible_ind],
            "contributes_to": [
                {"framework": lk.target.framework.code, "node": lk.target.code}
                for lk in by_source.get(n.pk, [])
            ],
            "children": [],
        }
        items[n.pk] = item
        (items[n.parent_id]["children"] if n.parent_id else roots).append(item)
    return roots


@extend_schema(
    summary="One framework with its tree of nodes",
    responses={200: s.FrameworkDetailSerializer, **rest.errors(404)},
)
class FrameworkDetail(ParamsMixin, APIView):
    def get(self, request: Request, code: str) -> Response:
        fw = selectors.framework_get(user=request.user, code=code)
        data = dict(s.FrameworkSerializer(fw).data)
        data["nodes"] = node_tree(request.user, fw)
        return Response(data)


@extend_schema(
    summary="Progress of a framework: every node's status rolled up from its indicators",
    description="A node's status is the worst status of its indicators and child nodes; its score the mean achievement (capped at 100%).",
    parameters=[PERIOD_PARAM, ORG_UNIT_PARAM],
    responses={200: s.FrameworkProgressSerializer, **rest.errors(400, 404)},
)
class FrameworkProgressView(APIView):
    def get(self, request: Request, code: str) -> Response:
        params = rest.parse_query(s.ProgressQuery, request)
        fw = selectors.framework_get(user=request.user, code=code)
        span = selectors.span_of(period=params.get("period") or None, framework=fw)
        unit = selectors.progress_org_unit(user=request.user, code=params.get("org_unit") or None)
        progress = selectors.framework_progress(user=request.user, framework=fw, org_unit=unit, span=span)
        return Response(s.FrameworkProgressSerializer(progress.as_dict()).data)


def _link_dict(link: NodeLink) -> dict[str, Any]:
    return {
        "source": {"framework": link.source.framework.code, "node": link.source.code},
        "target": {"framework": link.target.framework.code, "node": link.target.code},
        "note": link.note,
    }


@extend_schema(
    methods=["GET"],
    summary="Links of a framework's nodes to other frameworks",
    responses={200: s.LinkSerializer(many=True), **rest.errors(404)},
)
@extend_schema(
    methods=["POST"],
    summary="Link a node to a node of another framework it contributes to",
    description="Needs framework.manage on this framework; the target must be visible to you. Linking twice is harmless.",
    request=s.LinkInput,
    responses={201: s.LinkSerializer, 200: s.LinkSerializer, **rest.errors(400, 404)},
)
class FrameworkLinks(ParamsMixin, APIView):
    def get(self, request: Request, code: str) -> Response:
        fw = selectors.framework_get(user=request.user, code=code)
        links = NodeLink.objects.filter(source__framework=fw).select_related(
            "source__framework", "target__framework"
        )
        visible = selectors.links_visible(user=request.user, links=list(links), side="target")
        return Response(s.LinkSerializer([_link_dict(lk) for lk in visible], many=True).data)

    def post(self, request: Request, code: str) -> Response:
        fw = selectors.framework_get(user=request.user, code=code)
        policy.require(request.user, Perm.FRAMEWORK_MANAGE, fw, message="you may not change this framework")
        data = rest.parse(s.LinkInput, request.data)
        source = selectors.node_get(user=request.user, framework=fw, code=data["source"])
        try:
            target_fw = selectors.framework_get(user=request.user, code=data["target"]["framework"])
            target = selectors.node_get(user=request.user, framework=target_fw, code=data["target"]["node"])
        except NotFound as exc:  # the body names it: a bad request, not a missing URL
            raise ValidationFailed(f"target: {exc.message}", field="target") from None
        existed = NodeLink.objects.filter(source=source, target=target).exists()
        link = services.node_link(actor=request.user, source=source, target=target, note=data.get("note", ""))
        return Response(
            s.LinkSerializer(_link_dict(link)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


# ---------------------------------------------------------------------------------------------------------
# Indicators


@extend_schema(
    summary="List indicators",
    parameters=[s.IndicatorListQuery],
    responses={200: s.IndicatorSerializer(many=True), **rest.errors(400, 404)},
)
class IndicatorList(ParamsMixin, generics.ListAPIView[Indicator]):
    serializer_class = s.IndicatorSerializer
    allowed_params = frozenset({"page", "page_size", "framework", "q"})

    def get_queryset(self) -> QuerySet[Indicator]:
        if _is_schema(self):
            return Indicator.objects.none()
        policy.require(self.request.user, Perm.FRAMEWORK_VIEW)
        params = rest.parse_query(s.IndicatorListQuery, self.request)
        qs = selectors.indicators_visible_to(user=self.request.user)
        fw = params.get("framework")
        if fw:
            framework = selectors.framework_get(user=self.request.user, code=fw)
            qs = qs.filter(Q(framework=framework) | Q(nodes__framework=framework)).distinct()
        q = params.get("q")
        if q:
            qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
        return qs.prefetch_related("nodes__framework").order_by("code")


@extend_schema(
    summary="One indicator with its targets",
    responses={200: s.IndicatorDetailSerializer, **rest.errors(404)},
)
class IndicatorDetail(ParamsMixin, APIView):
    def get(self, request: Request, code: str) -> Response:
        ind = selectors.indicator_get(user=request.user, code=code)
        data = dict(s.IndicatorSerializer(ind).data)
        data["targets"] = s.TargetSerializer(selectors.targets_of(indicator=ind), many=True).data
        return Response(data)


@extend_schema(
    summary="Progress of an indicator: achieved vs target and status",
    parameters=[
        PERIOD_PARAM,
        ORG_UNIT_PARAM,
        OpenApiParameter(
            "breakdown",
            str,
            enum=["period", "district"],
            description="Add the values per period (of period_type) or per district",
        ),
        OpenApiParameter(
            "period_type",
            str,
            description="With breakdown=period: Yearly, Quarterly, Monthly, FinancialJuly...",
        ),
    ],
    responses={200: s.IndicatorProgressSerializer, **rest.errors(400, 404)},
)
class IndicatorProgressView(APIView):
    def get(self, request: Request, code: str) -> Response:
        params = rest.parse_query(s.IndicatorProgressQuery, request)
        ind = selectors.indicator_get(user=request.user, code=code)
        span = selectors.span_of(period=params.get("period") or None, framework=ind.framework)
        unit = selectors.progress_org_unit(user=request.user, code=params.get("org_unit") or None)
        breakdown = params.get("breakdown") or None
        period_type = params.get("period_type") or None
        if period_type and breakdown != "period":
            raise ValidationFailed("period_type goes with breakdown=period", field="period_type")
        data = selectors.indicator_progress(
            user=request.user, indicator=ind, org_unit=unit, span=span
        ).as_dict()
        if breakdown == "period":
            data["by_period"] = selectors.indicator_series(
                user=request.user, indicator=ind, org_unit=unit, span=span, period_type=period_type
            )
        elif breakdown == "district":
            data["by_district"] = selectors.indicator_by_place(
                user=request.user, indicator=ind, org_unit=unit, span=span
            )
        return Response(s.IndicatorProgressSerializer(data).data)
