"""Input and output contracts of the dashboards API (they also feed the OpenAPI document)."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import QUERY_MAX, ItemKind, Sharing
from .services import NAME_MAX, TEXT_MAX

SHARING_HELP = "private (only you), organisation (your organisation's members), public (also the portal)"


class FavouriteIn(StrictInput):
    name = serializers.CharField(max_length=NAME_MAX)
    query = serializers.CharField(
        max_length=QUERY_MAX,
        help_text="The /analytics/ query string, e.g. dimension=dx:CODE&dimension=pe:LAST_12_MONTHS&type=line",
    )
    sharing = serializers.ChoiceField(
        choices=Sharing.choices, default=Sharing.PRIVATE, help_text=SHARING_HELP
    )
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class FavouriteUpdateIn(StrictInput):
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    query = serializers.CharField(max_length=QUERY_MAX, required=False)
    sharing = serializers.ChoiceField(choices=Sharing.choices, required=False, help_text=SHARING_HELP)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class FavouriteOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    description = serializers.CharField()
    query = serializers.CharField()
    sharing = serializers.CharField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    organisation = serializers.CharField(source="organisation.code", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FavouriteListOut(serializers.Serializer):  # type: ignore[type-arg]
    favourites = FavouriteOut(many=True)


class DashboardIn(StrictInput):
    name = serializers.CharField(max_length=NAME_MAX)
    sharing = serializers.ChoiceField(
        choices=Sharing.choices, default=Sharing.PRIVATE, help_text=SHARING_HELP
    )
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ItemOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    favourite = serializers.UUIDField(source="favourite.uuid", allow_null=True, default=None)
    text = serializers.CharField()


class DashboardOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    description = serializers.CharField()
    sharing = serializers.CharField()
    landing_role = serializers.CharField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    organisation = serializers.CharField(source="organisation.code", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class DashboardDetailOut(DashboardOut):
    items = ItemOut(many=True, source="items.all")


class DashboardListOut(serializers.Serializer):  # type: ignore[type-arg]
    dashboards = DashboardOut(many=True)


class ItemIn(StrictInput):
    kind = serializers.ChoiceField(choices=ItemKind.choices, default=ItemKind.FAVOURITE)
    favourite = serializers.UUIDField(required=False, help_text="The favourite's id (kind favourite)")
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
