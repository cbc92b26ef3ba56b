"""Early-warning configuration in the admin, for signal.configure holders (system administrators): the signal
types and the routing rules (changes audited by PolicyAdmin). Signals themselves are never in the admin:
their description and reporter are read only through the pages and the API, which apply the disclosure
rules."""

from __future__ import annotations

from django.contrib import admin

from amahoro.audit.policy_admin import PolicyAdmin
from amahoro.roles import Perm

from .models import RoutingRule, SignalType


@admin.register(SignalType)
class SignalTypeAdmin(PolicyAdmin):
    view_perm = Perm.SIGNAL_CONFIGURE
    change_perm = add_perm = Perm.SIGNAL_CONFIGURE
    list_display = ("code", "name", "name_fr", "name_rw", "default_urgency", "is_gbv", "is_active")
    list_filter = ("is_active", "is_gbv", "default_urgency")
    search_fields = ("code", "name", "name_fr", "name_rw")


@admin.register(RoutingRule)
class RoutingRuleAdmin(PolicyAdmin):
    view_perm = Perm.SIGNAL_CONFIGURE
    change_perm = add_perm = delete_perm = Perm.SIGNAL_CONFIGURE
    list_display = (
        "signal_type",
        "org_unit",
        "responder",
        "hours_immediate",
        "hours_high",
        "hours_routine",
        "is_active",
    )
    list_filter = ("is_active", "signal_type")
    list_select_related = ("signal_type", "org_unit", "responder")
    raw_id_fields = ("org_unit",)
