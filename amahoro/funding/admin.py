"""Funding objects in the admin: read-only, narrowed by the policy. Changes go through amahoro.funding
services (pages, API, spreadsheet and IATI imports), which check the policy and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from amahoro.audit.policy_admin import ReadOnlyPolicyAdmin
from amahoro.roles import Perm

from .models import BudgetLine, ExchangeRate, IatiActivity, MappingRule, Transaction


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.FUNDING_VIEW
    list_display = ("organisation", "node", "fiscal_year", "amount", "currency", "is_published", "source")
    list_filter = ("source", "is_published", "currency")
    list_select_related = ("organisation", "node__framework")


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.FUNDING_VIEW
    list_display = ("organisation", "node", "kind", "date", "amount", "currency", "is_published", "source")
    list_filter = ("kind", "source", "is_published", "currency")
    list_select_related = ("organisation", "node__framework")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.FUNDING_VIEW
    list_display = ("currency", "quote", "rate", "valid_from", "source")


@admin.register(IatiActivity)
class IatiActivityAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.FUNDING_VIEW
    list_display = ("iati_identifier", "title", "organisation", "node", "mapping_method", "iati_version")
    search_fields = ("iati_identifier", "title")


@admin.register(MappingRule)
class MappingRuleAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.FUNDING_VIEW
    list_display = ("kind", "value", "node", "priority", "organisation")
