"""Users, role assignments and API tokens in the admin, narrowed and gated by the policy.

Roles are granted and revoked through accounts.services (which apply policy.may_assign), never edited as
raw rows; only Django superusers may touch the superuser/staff flags and Django permission tables."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from amahoro import policy
from amahoro.audit.policy_admin import PolicyAdmin, ReadOnlyPolicyAdmin
from amahoro.core.errors import AmahoroError
from amahoro.roles import Perm

from . import services
from .models import ApiToken, RoleAssignment, User

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


class RoleAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    fk_name = "user"
    fields = ("organisation", "role", "org_unit", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        return policy.visible(request.user, Perm.USER_VIEW, super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.has_perm(request.user, Perm.USER_VIEW)


@admin.register(User)
class UserAdmin(PolicyAdmin, DjangoUserAdmin):  # type: ignore[misc]
    view_perm = Perm.USER_VIEW
    change_perm = Perm.USER_MANAGE
    list_display = ("username", "email", "first_name", "last_name", "is_active", "last_login")
    list_filter = ("is_active", "is_staff")
    inlines = (RoleAssignmentInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not getattr(request.user, "is_superuser", False):
            fields += list(PRIVILEGE_FIELDS)
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not getattr(request.user, "is_superuser", False):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A new account without a role would be invisible to an organisation administrator: those use the
        # Users page, which creates the account with its first role.
        return bool(getattr(request.user, "is_staff", False)) and policy.is_system_admin(request.user)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.USER_VIEW
    list_display = ("user", "organisation", "role", "org_unit", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "organisation__code", "org_unit__code")
    list_select_related = ("user", "organisation", "org_unit")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected roles")
    def revoke(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        done = 0
        for assignment in queryset.select_related("user", "organisation", "org_unit"):
            try:
                services.role_revoke(actor=request.user, assignment=assignment)
                done += 1
            except AmahoroError as exc:
                self.message_user(request, f"{assignment}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} role(s) revoked.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.USER_MANAGE
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "name", "prefix")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        users = policy.visible(request.user, Perm.USER_MANAGE, User.objects.all())
        return ApiToken.objects.select_related("user").filter(user__in=users)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, Perm.USER_MANAGE, None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Perm.USER_MANAGE, obj.user if obj is not None else None)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(actor=request.user, token=token)
        self.message_user(request, "Tokens revoked.", messages.SUCCESS)
