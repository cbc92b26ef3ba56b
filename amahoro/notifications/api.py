"""REST endpoints of notifications (mounted under /api/v1/notifications): the caller's own notifications
(newest first, `unread=true`), marking them read, and the caller's channels. Another user's notification
answers 404 as a missing one does; a phone number is written, never read back (only its last digits)."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from amahoro.core import rest
from amahoro.core.rest import StrictInput

from . import selectors, services
from .models import Channel, DeliveryStatus, Preference


class NotificationDeliveryOut(serializers.Serializer):  # type: ignore[type-arg]
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="When a pending one is tried")
    sent_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(help_text="Why the last attempt failed (empty when sent)")


class NotificationOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    event = serializers.CharField(help_text="What happened, e.g. referral.received")
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField(help_text="The path in the product where you act on it")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    deliveries = NotificationDeliveryOut(
        many=True, source="deliveries.all", help_text="The e-mail and SMS log"
    )


class NotificationListQuery(rest.PageQuery):
    unread = rest.flag_param("true: only the unread ones")


class NotificationPageOut(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField(help_text="All your unread notifications (whatever the filter)")
    results = NotificationOut(many=True)


class NotificationReadAllOut(serializers.Serializer):  # type: ignore[type-arg]
    marked = serializers.IntegerField(help_text="How many were unread")
    unread_count = serializers.IntegerField()


class NotificationPreferenceOut(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.BooleanField(help_text="E-mail to the account's address")
    sms = serializers.BooleanField(help_text="SMS for urgent events")
    phone = serializers.SerializerMethodField(help_text="The number's last digits only (it is write-only)")
    has_phone = serializers.SerializerMethodField()
    muted_events = serializers.ListField(
        child=serializers.CharField(), help_text="Events kept in the app only (no e-mail, no SMS)"
    )

    def get_phone(self, obj: Preference) -> str:
        return "•••• " + obj.phone[-3:] if obj.phone else ""

    def get_has_phone(self, obj: Preference) -> bool:
        return bool(obj.phone)


class NotificationPreferenceIn(StrictInput):
    email = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        write_only=True,
        help_text="E.164 or a Rwandan mobile number (0788123456); empty removes it. Stored encrypted.",
    )
    muted_events = serializers.ListField(child=serializers.CharField(max_length=60), required=False)


class NotificationList(APIView):
    """GET /api/v1/notifications: the caller's notifications, newest first, paginated, with unread_count."""

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        parameters=[NotificationListQuery],
        responses={200: NotificationPageOut, **rest.errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        query = rest.parse_query(NotificationListQuery, request)
        qs = selectors.notifications_of(user=request.user, unread=bool(query.get("unread")))
        paginator = cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(NotificationOut(page or [], many=True).data)
        response.data["unread_count"] = selectors.unread_count(user=request.user)
        return response


class NotificationRead(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationOut, **rest.errors(404)},
    )
    def post(self, request: Request, uuid: Any) -> Response:
        notification = selectors.access_notification(user=request.user, id=uuid)
        services.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationOut(notification).data)


class NotificationReadAll(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses={200: NotificationReadAllOut, **rest.errors()},
    )
    def post(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(actor=request.user)
        return Response(NotificationReadAllOut({"marked": marked, "unread_count": 0}).data)


class PreferenceDetail(rest.ParamsMixin, APIView):
    @extend_schema(
        operation_id="notifications_preferences_get",
        summary="Your notification channels",
        responses={200: NotificationPreferenceOut, **rest.errors()},
    )
    def get(self, request: Request) -> Response:
        return Response(NotificationPreferenceOut(services.preference_of(request.user)).data)

    @extend_schema(
        operation_id="notifications_preferences_update",
        summary="Change your notification channels (fields not given stay)",
        request=NotificationPreferenceIn,
        responses={200: NotificationPreferenceOut, **rest.errors(400)},
    )
    def put(self, request: Request) -> Response:
        data = rest.parse(NotificationPreferenceIn, request.data)
        preference = services.preference_update(actor=request.user, **data)
        return Response(NotificationPreferenceOut(preference).data)
