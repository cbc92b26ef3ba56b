"""Organisations and contacts in the admin, narrowed and gated by the policy."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest

from amahoro import policy
from amahoro.audit.policy_admin import PolicyAdmin
from amahoro.roles import Perm

from .models import Contact, Organisation


@admin.register(Organisation)
class OrganisationAdmin(PolicyAdmin):
    view_perm = Perm.ORGANISATION_VIEW
    change_perm = Perm.ORGANISATION_MANAGE
    add_perm = Perm.ORGANISATION_CREATE
    list_display = ("code", "name", "type", "is_active", "email", "phone")
    list_filter = ("type", "is_active")
    search_fields = ("code", "name", "short_name", "email")
    autocomplete_fields = ("areas", "parent")
    readonly_fields = ("uuid", "created_at", "updated_at")


@admin.register(Contact)
class ContactAdmin(PolicyAdmin):
    view_perm = Perm.ORGANISATION_VIEW
    change_perm = Perm.ORGANISATION_MANAGE
    add_perm = Perm.ORGANISATION_MANAGE
    delete_perm = Perm.ORGANISATION_MANAGE
    list_display = ("name", "organisation", "role", "email", "phone")
    search_fields = ("name", "role", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("org_unit",)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "organisation":
            kwargs["queryset"] = policy.visible(
                request.user, Perm.ORGANISATION_MANAGE, Organisation.objects.all()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
