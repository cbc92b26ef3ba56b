"""REST endpoints of report subscriptions (contract R6/R8, mounted under /api/v1/reports/subscriptions).
Each user sees and changes only their own subscriptions: another's answers 404 as a missing one does."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro.core import rest
from amahoro.core.errors import NotFound
from amahoro.core.rest import StrictInput

from . import kinds
from . import subscriptions as subs
from .models import DeliveryStatus, Format, Frequency, Subscription

PARAMS_HELP = (
    "The report's parameters without the period (each send reports on the last complete month or quarter), "
    'e.g. {"framework": "RW-NAP1325-2018", "lang": "fr"} or {"org_unit": "11", "lang": "en"}'
)
DAY_HELP = (
    f"Day of the month the report is sent ({subs.DAY_MIN}-{subs.DAY_MAX}); quarterly: in Jan, Apr, Jul, Oct"
)


def _params_field(**kw: Any) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.CharField(max_length=subs.PARAM_VALUE_MAX, allow_blank=True),
        help_text=PARAMS_HELP,
        **kw,
    )


def _day_field(**kw: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=subs.DAY_MIN,
        max_value=subs.DAY_MAX,
        help_text=DAY_HELP,
        error_messages={
            "invalid": "must be a whole number",
            "min_value": f"must be from {subs.DAY_MIN} to {subs.DAY_MAX}",
            "max_value": f"must be from {subs.DAY_MIN} to {subs.DAY_MAX}",
        },
        **kw,
    )


class SubscriptionIn(StrictInput):
    kind = serializers.CharField(max_length=40, help_text="The report: nap-progress, itt or gbv-monthly")
    format = serializers.ChoiceField(choices=Format.choices, default=Format.PDF)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.MONTHLY)
    day = _day_field(default=5)
    params = _params_field(default=dict)
    active = serializers.BooleanField(default=True)


class SubscriptionUpdateIn(StrictInput):
    kind = serializers.CharField(max_length=40, required=False)
    format = serializers.ChoiceField(choices=Format.choices, required=False)
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False)
    day = _day_field(required=False)
    params = _params_field(required=False)
    active = serializers.BooleanField(required=False)


class DeliveryOut(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    due_on = serializers.DateField(help_text="The send date this attempt belongs to")
    period = serializers.CharField(help_text="The period the report covered")
    attempt = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    recipient = serializers.CharField()
    filename = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes of the attachment")
    error = serializers.CharField(help_text="Why the attempt failed (empty when sent)")


class SubscriptionOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    kind = serializers.CharField()
    title = serializers.SerializerMethodField()
    params = serializers.DictField(child=serializers.CharField())
    format = serializers.ChoiceField(choices=Format.choices)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    day = serializers.IntegerField()
    active = serializers.BooleanField()
    next_due = serializers.DateField(help_text="The next day the report is sent")
    attempts = serializers.IntegerField(help_text="Failed attempts of the current send so far")
    retry_at = serializers.DateTimeField(allow_null=True, help_text="When a failed send is tried again")
    last_sent_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_title(self, obj: Subscription) -> str:
        try:
            return str(kinds.get(obj.kind).title)
        except NotFound:
            return obj.kind


class SubscriptionDetailOut(SubscriptionOut):
    deliveries = serializers.SerializerMethodField(
        help_text="The most recent delivery attempts, newest first"
    )

    @extend_schema_field(DeliveryOut(many=True))
    def get_deliveries(self, obj: Subscription) -> list[dict[str, Any]]:
        return DeliveryOut(subs.recent_deliveries(obj), many=True).data  # type: ignore[return-value]


class SubscriptionListOut(serializers.Serializer):  # type: ignore[type-arg]
    subscriptions = SubscriptionOut(many=True)


class SubscriptionList(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="reports_subscriptions_list", responses={200: SubscriptionListOut, **rest.errors()}
    )
    def get(self, request: Request) -> Response:
        return Response(SubscriptionListOut({"subscriptions": subs.subscriptions_of(user=request.user)}).data)

    @extend_schema(
        operation_id="reports_subscriptions_create",
        request=SubscriptionIn,
        responses={201: SubscriptionDetailOut, **rest.errors(400)},
    )
    def post(self, request: Request) -> Response:
        data = rest.parse(SubscriptionIn, request.data)
        subscription = subs.subscription_create(
            actor=request.user,
            kind=data["kind"],
            params=data["params"],
            fmt=data["format"],
            frequency=data["frequency"],
            day=data["day"],
            active=data["active"],
        )
        return Response(SubscriptionDetailOut(subscription).data, status=201)


class SubscriptionDetail(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="reports_subscriptions_get", responses={200: SubscriptionDetailOut, **rest.errors(404)}
    )
    def get(self, request: Request, uuid: Any) -> Response:
        return Response(SubscriptionDetailOut(subs.subscription_get(user=request.user, uuid=uuid)).data)

    @extend_schema(
        operation_id="reports_subscriptions_update",
        request=SubscriptionUpdateIn,
        responses={200: SubscriptionDetailOut, **rest.errors(400, 404)},
    )
    def patch(self, request: Request, uuid: Any) -> Response:
        subscription = subs.subscription_get(user=request.user, uuid=uuid)
        data = dict(rest.parse(SubscriptionUpdateIn, request.data, partial=True))
        if "format" in data:
            data["fmt"] = data.pop("format")
        subscription = subs.subscription_update(actor=request.user, subscription=subscription, **data)
        return Response(SubscriptionDetailOut(subscription).data)

    @extend_schema(operation_id="reports_subscriptions_delete", responses={204: None, **rest.errors(404)})
    def delete(self, request: Request, uuid: Any) -> Response:
        subscription = subs.subscription_get(user=request.user, uuid=uuid)
        subs.subscription_delete(actor=request.user, subscription=subscription)
        return Response(status=204)
