"""Org units in the admin: names and dates may be corrected; codes, paths and the tree change only
through the services (reference load, boundary import), which keep paths consistent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from amahoro import policy
from amahoro.audit.policy_admin import PolicyAdmin
from amahoro.roles import Perm

from .models import OrgUnit, OrgUnitLevel


@admin.register(OrgUnit)
class OrgUnitAdmin(PolicyAdmin):
    view_perm = Perm.ORGUNIT_VIEW
    change_perm = Perm.ORGUNIT_MANAGE
    list_display = ("code", "name", "level", "parent", "iso_code", "opened_on", "closed_on", "has_geometry")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_fr", "name_rw", "iso_code")
    list_select_related = ("level", "parent")
    readonly_fields = (
        "code",
        "level",
        "parent",
        "path",
        "depth",
        "has_geometry",
        "latitude",
        "longitude",
        "source",
        "updated_at",
    )
    exclude = ("geometry",)
    autocomplete_fields = ("replaced_by",)
    show_full_result_count = False

    @admin.display(boolean=True, description="geometry")
    def has_geometry(self, obj: OrgUnit) -> bool:
        return obj.geometry is not None


@admin.register(OrgUnitLevel)
class OrgUnitLevelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Levels are not scoped to a place: readable by whoever may view places, editable by whoever manages them."""

    list_display = ("level", "code", "name", "name_fr", "name_rw")
    readonly_fields = ("level", "code")

    def _allowed(self, request: HttpRequest, perm: Perm) -> bool:
        return bool(getattr(request.user, "is_staff", False)) and policy.has_perm(request.user, perm)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, Perm.ORGUNIT_VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Perm.ORGUNIT_VIEW)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Perm.ORGUNIT_MANAGE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
