"""Favourites and dashboards in the admin: read-only, narrowed by the policy. Changes go through
amahoro.dashboards services (pages and API), which check the policy and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from amahoro.audit.policy_admin import ReadOnlyPolicyAdmin
from amahoro.roles import Perm

from .models import Dashboard, Favourite


@admin.register(Favourite)
class FavouriteAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("name", "sharing", "owner", "organisation", "updated_at")
    list_filter = ("sharing",)
    list_select_related = ("owner", "organisation")
    search_fields = ("name",)


@admin.register(Dashboard)
class DashboardAdmin(ReadOnlyPolicyAdmin):
    view_perm = Perm.DATA_VIEW
    list_display = ("name", "sharing", "landing_role", "owner", "organisation")
    list_filter = ("sharing", "landing_role")
    list_select_related = ("owner", "organisation")
