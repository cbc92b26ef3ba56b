"""The audit log in the admin: read-only (append-only table), narrowed by the policy."""

from __future__ import annotations

from django.contrib import admin

from amahoro.core.admin import ReadOnlyPolicyAdmin
from amahoro.roles import Perm

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.AUDIT_VIEW
    list_display = (
        "at",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "organisation",
        "sensitive",
        "ip_address",
    )
    list_filter = ("action", "sensitive", "object_type")
    search_fields = ("actor_username", "object_repr", "object_id", "message")
    date_hierarchy = "at"
    list_select_related = ("organisation",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None
