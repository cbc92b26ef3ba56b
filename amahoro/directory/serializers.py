"""The contracts of the service-directory API (/api/v1/service-providers): one input serializer per
endpoint (unknown fields refused, errors naming the field) and one output serializer, which are also the
OpenAPI document."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core.rest import StrictInput, flag_param, text_param

from .models import ServiceKind, ServiceProvider
from .services import LANGUAGES


def _kinds(required: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceKind.choices),
        required=required,
        allow_empty=False,
        help_text="Service kinds offered: " + ", ".join(ServiceKind.values),
    )


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length)


class ServiceProviderQuery(serializers.Serializer):  # type: ignore[type-arg]
    """The query parameters of the directory."""

    service = serializers.ChoiceField(
        choices=ServiceKind.choices, required=False, help_text="Only providers offering this service"
    )
    org_unit = text_param(
        "Only providers serving this place: an org unit code; a number that is no unit's code is taken as a "
        "numeric id (a code always wins: Rwanda's codes are numbers too)"
    )
    org_unit_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Only providers serving this place, by its numeric id only (not with org_unit)",
        error_messages={
            "invalid": "must be a whole number (an org unit id)",
            "min_value": "must be 1 or more",
        },
    )
    q = text_param("Part of the provider's or its organisation's name")
    organisation = text_param("Only this organisation's providers (its code)")
    include_inactive = flag_param("Also deactivated providers", default=False)


class ServiceProviderInput(StrictInput):
    """A new provider."""

    organisation = serializers.CharField(max_length=50, help_text="Code of the provider's organisation")
    name = serializers.CharField(max_length=200)
    services = _kinds(required=True)
    org_unit = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="Code of the place where it is"
    )
    areas = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, help_text="Codes of the places it serves"
    )
    phone = _text(40)
    email = serializers.EmailField(required=False, allow_blank=True)
    address = _text(300)
    hours = _text(200)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), required=False, help_text="rw, en, fr, sw"
    )
    accessibility = _text(2000)


class ServiceProviderUpdate(ServiceProviderInput):
    """Only the fields sent change; `is_active: false` deactivates the provider."""

    organisation = None  # type: ignore[assignment]  # a provider does not change organisation
    name = serializers.CharField(max_length=200, required=False)
    services = _kinds(required=False)
    is_active = serializers.BooleanField(required=False)


class ServiceProviderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    organisation = serializers.CharField(source="organisation.code")
    organisation_name = serializers.CharField(source="organisation.name")
    services = serializers.ListField(child=serializers.ChoiceField(choices=ServiceKind.choices))
    org_unit = serializers.CharField(source="org_unit.code", allow_null=True, default=None)
    areas = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ServiceProvider
        fields = (
            "id",
            "organisation",
            "organisation_name",
            "name",
            "services",
            "org_unit",
            "areas",
            "phone",
            "email",
            "address",
            "hours",
            "languages",
            "accessibility",
            "is_active",
        )

    def get_areas(self, obj: ServiceProvider) -> list[str]:
        return sorted(a.code for a in obj.areas.all())
