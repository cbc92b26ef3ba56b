"""The contracts of the audit-log endpoints (audit/api.py): an event as the API answers it, and the filters."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from amahoro.core.rest import PageQuery, StrictInput, date_param, flag_param, text_param

from .models import AuditAction, AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_username", read_only=True)
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "organisation",
            "org_unit_path",
            "sensitive",
            "changes",
            "message",
            "ip_address",
            "user_agent",
            "request_id",
        ]


class AuditFilters(StrictInput):
    """The filters of the audit log and of its CSV export."""

    action = serializers.ChoiceField(
        choices=AuditAction.values,
        required=False,
        error_messages={
            "invalid_choice": f"unknown action '{{input}}' (one of: {', '.join(AuditAction.values)})"
        },
    )
    actor = text_param("Username of the actor", max_length=150)
    object_type = text_param("e.g. organisations.organisation")
    since = date_param("From this day (YYYY-MM-DD, inclusive)")
    until = date_param("To this day (YYYY-MM-DD, inclusive)")
    sensitive = flag_param("Only (or no) reads and changes of sensitive data")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": "until is before since"})
        return attrs

    @classmethod
    def selector_arguments(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Every filter, None when not given (the keyword arguments of audit.selectors.events_visible_to)."""
        return {name: data.get(name) for name in list(cls().fields)}


class AuditListQuery(PageQuery, AuditFilters):
    pass
