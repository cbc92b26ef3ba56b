"""Shapes of the platform core API: output serializers for reads, input serializers that only validate and
hand plain values to the services (which do the writing and the auditing)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit.models import AuditEvent
from amahoro.core.rest import StrictInput
from amahoro.geo.models import OrgUnit, OrgUnitLevel
from amahoro.organisations.models import Contact, Organisation, OrganisationType
from amahoro.roles import ROLE_CHOICES

# ---------------------------------------------------------------------------------------------------------
# Org units


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    level: serializers.SlugRelatedField[OrgUnitLevel] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Level code, e.g. `district`"
    )
    # `parent` shadows Field.parent for the type checker only; DRF moves declared fields into _declared_fields.
    parent: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True, help_text="Parent's code"
    )
    has_geometry = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "name_en",
            "name_fr",
            "name_rw",
            "level",
            "parent",
            "path",
            "iso_code",
            "opened_on",
            "closed_on",
            "latitude",
            "longitude",
            "has_geometry",
        ]

    def get_has_geometry(self, obj: OrgUnit) -> bool:
        flag = getattr(obj, "has_geometry", None)  # annotated on lists, so the geometry itself is not loaded
        return bool(flag) if flag is not None else obj.geometry is not None


class OrgUnitChildSerializer(OrgUnitSerializer):
    child_count = serializers.IntegerField(read_only=True, help_text="How many units sit directly below")

    class Meta(OrgUnitSerializer.Meta):
        fields = [*OrgUnitSerializer.Meta.fields, "child_count"]


class OrgUnitDetailSerializer(OrgUnitSerializer):
    geometry = serializers.JSONField(
        read_only=True, help_text="GeoJSON geometry (WGS 84); only with ?geometry=true"
    )

    class Meta(OrgUnitSerializer.Meta):
        fields = [*OrgUnitSerializer.Meta.fields, "geometry"]


class FeatureCollectionSerializer(serializers.Serializer):
    """GeoJSON FeatureCollection (documentation only)."""

    type = serializers.CharField(default="FeatureCollection")
    features = serializers.ListField(child=serializers.DictField())


# ---------------------------------------------------------------------------------------------------------
# Organisations


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


class _AreasMixin(serializers.Serializer):
    """`areas`: org-unit codes, looked up among the units the requester may act on (set by the view)."""

    areas = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=OrgUnit.objects.none()
    )

    def __init__(self, *args: Any, area_queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if area_queryset is not None:
            self.fields["areas"].child_relation.queryset = area_queryset  # type: ignore[attr-defined]


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
# Users and role assignments


class RoleAssignmentSerializer(serializers.ModelSerializer[RoleAssignment]):
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    organisation: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="null = everywhere"
    )

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "organisation", "role", "org_unit", "created_at"]


class UserRoleSerializer(RoleAssignmentSerializer):
    class Meta(RoleAssignmentSerializer.Meta):
        fields = ["id", "organisation", "role", "org_unit"]


class UserSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField(help_text="The role assignments the requester may see")

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_active",
            "last_login",
            "roles",
        ]

    @extend_schema_field(UserRoleSerializer(many=True))
    def get_roles(self, obj: User) -> list[dict[str, Any]]:
        assignments = getattr(obj, "visible_assignments", None)
        if assignments is None:
            assignments = self.context.get("assignments", [])
        return UserRoleSerializer(assignments, many=True).data  # type: ignore[return-value]


class MeSerializer(UserSerializer):
    roles = serializers.SerializerMethodField(help_text="All your role assignments")
    permissions = serializers.SerializerMethodField(help_text="Every permission any of your roles gives")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "permissions"]

    def get_permissions(self, obj: User) -> list[str]:
        return list(self.context.get("permissions", []))

    @extend_schema_field(UserRoleSerializer(many=True))
    def get_roles(self, obj: User) -> list[dict[str, Any]]:
        return UserRoleSerializer(self.context.get("assignments", []), many=True).data  # type: ignore[return-value]


class AssignmentInputSerializer(StrictInput):
    """A role to give: in `organisation` (code), over `org_unit`'s subtree (code; null = everywhere)."""

    organisation = serializers.SlugRelatedField(slug_field="code", queryset=Organisation.objects.all())
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    org_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )


class RoleAssignmentCreateSerializer(AssignmentInputSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())


class UserCreateSerializer(StrictInput):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    email = serializers.EmailField(
        required=False, allow_blank=True
    )  # no default: "" is not an email (OpenAPI)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    roles = AssignmentInputSerializer(many=True, required=False, help_text="Roles to give at once (optional)")


# ---------------------------------------------------------------------------------------------------------
# Audit log


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_username", read_only=True)
    organisation: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "organisation",
            "org_unit_path",
            "sensitive",
            "changes",
            "message",
            "ip_address",
            "user_agent",
            "request_id",
        ]
