"""The contracts of the user endpoints (accounts/api.py): users, the current user, role assignments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import QUERY_TEXT_MAX, PageQuery, StrictInput, text_param
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import RESERVED_ROLES, ROLE_CHOICES, SERVER_ONLY_ROLES, Role

from .models import RoleAssignment, RoleRequest, RoleRequestStatus, User

# ---------------------------------------------------------------------------------------------------------
# Answers


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


# ---------------------------------------------------------------------------------------------------------
# Bodies


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
# Query parameters


class UserListQuery(PageQuery, StrictInput):
    q = text_param(f"Search text (at most {QUERY_TEXT_MAX} characters)")


class RoleAssignmentListQuery(PageQuery, StrictInput):
    user = text_param("Username", max_length=150)
    organisation = text_param("Organisation code", max_length=50)
    role = serializers.ChoiceField(
        choices=[r.value for r in Role],
        required=False,
        error_messages={
            "invalid_choice": f"unknown role '{{input}}' (one of: {', '.join(r.value for r in Role)})"
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Role requests


def _requestable() -> list[str]:
    return [r.value for r in Role if r not in RESERVED_ROLES | SERVER_ONLY_ROLES]


class RoleRequestSerializer(serializers.ModelSerializer[RoleRequest]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    organisation: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="null = everywhere"
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = RoleRequest
        fields = [
            "id",
            "user",
            "organisation",
            "role",
            "org_unit",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]


class RoleRequestCreateSerializer(StrictInput):
    """Ask for a role: in `organisation` (code), over `org_unit`'s subtree (code; null = everywhere)."""

    organisation = serializers.SlugRelatedField(
        slug_field="code", queryset=Organisation.objects.filter(is_active=True)
    )
    role = serializers.ChoiceField(
        choices=_requestable(), help_text="Any role but system_admin and assessment_moderator"
    )
    org_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class RoleRequestDecideSerializer(StrictInput):
    """An administrator's answer: approve gives the role, otherwise the request is declined."""

    approve = serializers.BooleanField(help_text="true gives the role; false declines the request")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and "approve" in data and not isinstance(data["approve"], bool):
            raise serializers.ValidationError({"approve": ["must be true or false"]})
        return super().to_internal_value(data)


class RoleRequestListQuery(PageQuery, StrictInput):
    status = serializers.ChoiceField(
        choices=[s.value for s in RoleRequestStatus], required=False, help_text="Only requests in this status"
    )
