"""The contracts of the organisation endpoints (organisations/api.py): what they answer, what they take."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import QUERY_TEXT_MAX, PageQuery, StrictInput, text_param
from amahoro.geo.models import OrgUnit

from .models import Contact, Organisation, OrganisationType

# ---------------------------------------------------------------------------------------------------------
# Answers


class ContactSerializer(serializers.ModelSerializer[Contact]):
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "org_unit"]


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    parent: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )
    areas: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the org units where it operates"
    )

    class Meta:
        model = Organisation
        fields = [
            "code",
            "name",
            "short_name",
            "type",
            "description",
            "parent",
            "areas",
            "email",
            "phone",
            "website",
            "address",
            "iati_identifier",
            "is_active",
        ]


class OrganisationDetailSerializer(OrganisationSerializer):
    contacts = serializers.SerializerMethodField()

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "contacts"]

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, obj: Organisation) -> list[dict[str, Any]]:
        # The view passes the contacts the policy lets the requester see.
        contacts = self.context.get("contacts", [])
        return ContactSerializer(contacts, many=True).data  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------------
# Bodies


class _AreasMixin(serializers.Serializer):  # type: ignore[type-arg]
    """`areas`: org-unit codes, looked up among the units the requester may act on (the view passes them as
    the `areas` context)."""

    areas = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=OrgUnit.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = self.context.get("areas")
        if areas is not None:
            self.fields["areas"].child_relation.queryset = areas  # type: ignore[attr-defined]


class OrganisationCreateSerializer(_AreasMixin, StrictInput):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=OrganisationType.choices)
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    iati_identifier = serializers.CharField(max_length=100, required=False, allow_blank=True)


class OrganisationUpdateSerializer(_AreasMixin, StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    type = serializers.ChoiceField(choices=OrganisationType.choices, required=False)
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    iati_identifier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


# ---------------------------------------------------------------------------------------------------------
# Query parameters


class OrganisationListQuery(PageQuery, StrictInput):
    type = serializers.ChoiceField(
        choices=OrganisationType.values,
        required=False,
        help_text="Organisation type",
        error_messages={
            "invalid_choice": f"unknown type '{{input}}' (one of: {', '.join(OrganisationType.values)})"
        },
    )
    q = text_param(f"Search text (at most {QUERY_TEXT_MAX} characters)")
