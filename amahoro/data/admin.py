"""Data values, approvals, locks, data sets, validation rules and bounds in the admin: read-only, narrowed by
the policy. Changes go through amahoro.data.services (the API, the entry grid, imports), which check
values, locks and approvals and keep the history."""

from __future__ import annotations

from django.contrib import admin

from amahoro.audit.policy_admin import ReadOnlyPolicyAdmin
from amahoro.roles import Perm

from .models import (
    CompleteDataSetRegistration,
    DataApproval,
    DataLock,
    DataSet,
    DataValue,
    MinMaxBound,
    ValidationRule,
)


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = (
        "data_element",
        "period",
        "org_unit",
        "category_option_combo",
        "attribute_option_combo",
        "value",
        "follow_up",
        "deleted",
        "updated_at",
    )
    list_filter = ("deleted", "follow_up")
    list_select_related = (
        "data_element",
        "period",
        "org_unit",
        "category_option_combo",
        "attribute_option_combo",
    )
    search_fields = ("data_element__code", "org_unit__code", "period__code")
    show_full_result_count = False


@admin.register(DataApproval)
class DataApprovalAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("org_unit", "period", "attribute_option_combo", "level", "state", "by", "at")
    list_filter = ("state", "level")
    list_select_related = ("org_unit", "period", "attribute_option_combo", "by")


@admin.register(DataLock)
class DataLockAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("period", "org_unit", "organisation", "reason", "by", "at")
    list_select_related = ("period", "org_unit", "organisation", "by")


@admin.register(DataSet)
class DataSetAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("code", "name", "period_type", "organisation", "timely_days")
    search_fields = ("code", "name")


@admin.register(CompleteDataSetRegistration)
class CompleteDataSetRegistrationAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("data_set", "period", "org_unit", "organisation", "completed", "date", "stored_by")
    list_filter = ("completed",)
    list_select_related = ("data_set", "period", "org_unit", "organisation", "stored_by")
    search_fields = ("data_set__code", "org_unit__code", "period__code")


@admin.register(ValidationRule)
class ValidationRuleAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = (
        "code",
        "name",
        "left",
        "operator",
        "right",
        "missing_value_strategy",
        "organisation",
        "is_active",
    )
    search_fields = ("code", "name")


@admin.register(MinMaxBound)
class MinMaxBoundAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = (
        "data_element",
        "org_unit",
        "category_option_combo",
        "min_value",
        "max_value",
        "generated",
    )
    list_select_related = ("data_element", "org_unit", "category_option_combo")
