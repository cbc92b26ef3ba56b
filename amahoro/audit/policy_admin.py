"""The Django admin asks amahoro.policy too: querysets are narrowed with policy.visible and every
has_*_permission answer comes from the policy, never from Django's own permission tables. Changes made in
the admin are written to the audit log like any other."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import SCRUBBED_FIELDS, audit_record
from amahoro.roles import Perm

admin.site.site_header = "Amahoro"
admin.site.site_title = "Amahoro admin"
admin.site.index_title = "Administration"


def _value(field: str, value: Any) -> str:
    # Passwords typed into admin forms (password1/password2) never reach the log.
    if "password" in field or field in SCRUBBED_FIELDS:
        return "[scrubbed]"
    return str(value)[:200]


class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose rows and rights come from the policy module.

    `view_perm` narrows the list; `change_perm`, `add_perm`, `delete_perm` (None = never) gate the rest.
    """

    view_perm: Perm = Perm.ORGUNIT_VIEW
    change_perm: Perm | None = None
    add_perm: Perm | None = None
    delete_perm: Perm | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return policy.visible(request.user, self.view_perm, super().get_queryset(request))

    def _allowed(self, request: HttpRequest, perm: Perm | None, obj: Model | None) -> bool:
        if perm is None or not getattr(request.user, "is_staff", False):
            return False
        return policy.can(request.user, perm, obj) if obj is not None else policy.has_perm(request.user, perm)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.view_perm, None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.view_perm, obj) or self.has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.change_perm, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request, self.add_perm, None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.delete_perm, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            changes={field: _value(field, form.cleaned_data.get(field)) for field in form.changed_data},
            message="via the admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=AuditAction.DELETE, obj=obj, message="via the admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyPolicyAdmin(PolicyAdmin):
    """Rows the admin may list and read, never add, change or delete."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
