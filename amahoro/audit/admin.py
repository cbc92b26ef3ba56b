"""The audit log in the admin: read-only (append-only table), narrowed by the policy."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from amahoro import policy
from amahoro.audit.policy_admin import ReadOnlyPolicyAdmin
from amahoro.roles import Perm

from . import selectors
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The admin shows rows as stored, so rows with withheld parts (audit.selectors) are left out here:
        # anonymous assessments' events, and case events for readers without case.view. The audit page and
        # API show them with those parts withheld.
        qs = super().get_queryset(request)
        if not selectors.sees_anonymous_authors(request.user):
            qs = qs.exclude(selectors.hidden_authors_q())
        if not policy.has_perm(request.user, Perm.CASE_VIEW):
            qs = qs.exclude(sensitive=True)
        return qs
