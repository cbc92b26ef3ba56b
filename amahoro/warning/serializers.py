"""The contracts of the early-warning API (/api/v1/ewer/): one input serializer per endpoint (unknown fields
refused, errors naming the field) and one output serializer, which are also the OpenAPI document. A
signal's description and reporter are in the output only for those who may act on it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import PageQuery, StrictInput, flag_param, text_param

from .models import RoutingRule, Signal, SignalStatus, SignalType, Source, Transition, Urgency
from .selectors import is_overdue
from .services import MAX_DESCRIPTION, MAX_NOTE, MAX_REPORTER_NAME, MAX_REPORTER_PHONE


class SignalTypeOut(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SignalType
        fields = [
            "code",
            "name",
            "name_fr",
            "name_rw",
            "description",
            "description_fr",
            "description_rw",
            "is_gbv",
            "default_urgency",
            "keywords",
        ]


class ReporterInput(StrictInput):
    name = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REPORTER_NAME)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REPORTER_PHONE)


class SignalInput(StrictInput):
    type = serializers.CharField(
        max_length=50, help_text="A signal type code (GET /api/v1/ewer/signal-types)"
    )
    org_unit = serializers.CharField(max_length=50, help_text="Code of the sector, cell or village")
    occurred_on = serializers.DateField(
        input_formats=["iso-8601"], help_text="When it happened (YYYY-MM-DD; not in the future)"
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, required=False, allow_blank=True, help_text="Empty: the type's default"
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_DESCRIPTION, help_text="Stored encrypted"
    )
    reporter = ReporterInput(
        required=False, allow_null=True, help_text="Optional contact, seen only by the focal point"
    )


class SignalListQuery(PageQuery):
    status = serializers.ChoiceField(choices=SignalStatus.choices, required=False)
    type = text_param("A signal type code")
    org_unit = text_param("Only signals at this place or below it (a code)")
    overdue = flag_param("true: only open signals past their deadline; false: the others")


class ReporterOut(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)


class SignalOut(serializers.Serializer):  # type: ignore[type-arg]
    """A signal without its description or reporter (lists, and what the creator gets back)."""

    id = serializers.UUIDField(source="uuid")
    type = serializers.CharField(source="type.code")
    type_name = serializers.CharField(source="type.display_name")
    org_unit = serializers.CharField(source="org_unit.code")
    org_unit_name = serializers.CharField(source="org_unit.display_name")
    occurred_on = serializers.DateField()
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    status = serializers.ChoiceField(choices=SignalStatus.choices)
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]  # the output key; not Field.source
    assigned_to = serializers.SerializerMethodField(help_text="Code of the responder organisation, or null")
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Open and past its deadline")
    verified_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField(help_text="0 none; 1 district, 2 province, 3 national")
    escalated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    case_opened = serializers.SerializerMethodField(
        help_text="A GBV case was opened from it by a case worker (the case itself is in the case module)"
    )

    def get_assigned_to(self, obj: Signal) -> str | None:
        return obj.assigned_to.code if obj.assigned_to is not None else None

    def get_overdue(self, obj: Signal) -> bool:
        return is_overdue(obj)

    def get_case_opened(self, obj: Signal) -> bool:
        return obj.case_uuid is not None


class SignalPageOut(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SignalOut(many=True)


class TransitionOut(serializers.Serializer):  # type: ignore[type-arg]
    from_status = serializers.ChoiceField(choices=SignalStatus.choices)
    to_status = serializers.ChoiceField(choices=SignalStatus.choices)
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    note = serializers.SerializerMethodField(help_text="Null when you may not read the signal's content")

    def get_by(self, obj: Transition) -> str | None:
        return obj.by.username if obj.by is not None else None

    def get_note(self, obj: Transition) -> str | None:
        return obj.note if self.context.get("content") else None


class SignalDetailOut(SignalOut):
    """One signal; description and transition notes for those who may act on it, the reporter for the
    focal point only (null otherwise)."""

    description = serializers.SerializerMethodField(help_text="Null when you may not read it")
    reporter = serializers.SerializerMethodField(help_text="Null unless you triage signals at this place")
    transitions = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField(help_text="The statuses you may move it to now")

    def get_description(self, obj: Signal) -> str | None:
        return obj.description if self.context.get("content") else None

    @extend_schema_field(ReporterOut(allow_null=True))
    def get_reporter(self, obj: Signal) -> dict[str, str] | None:
        return dict(obj.reporter or {}) if self.context.get("reporter") else None

    @extend_schema_field(TransitionOut(many=True))
    def get_transitions(self, obj: Signal) -> list[dict[str, Any]]:
        rows = obj.transitions.select_related("by")
        return list(TransitionOut(rows, many=True, context=self.context).data)

    def get_allowed_transitions(self, obj: Signal) -> list[str]:
        return list(self.context.get("allowed", []))


class TransitionInput(StrictInput):
    to = serializers.ChoiceField(choices=SignalStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE)
    assign_to = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="With to=assigned: the responder organisation's code (empty: the routing rule's)",
    )


# --- Routing rules (signal.configure) ------------------------------------------------------------------------


class RoutingRuleInput(StrictInput):
    signal_type = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=50,
        help_text="A type code; empty: any type",
    )
    org_unit = serializers.CharField(max_length=50, help_text="The place code: the rule covers its subtree")
    responder = serializers.CharField(max_length=50, help_text="The responder organisation's code")
    hours_immediate = serializers.IntegerField(required=False, help_text="Deadline for immediate signals (h)")
    hours_high = serializers.IntegerField(required=False, help_text="Deadline for high-urgency signals (h)")
    hours_routine = serializers.IntegerField(required=False, help_text="Deadline for routine signals (h)")
    is_active = serializers.BooleanField(required=False)


class RoutingRuleOut(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    signal_type = serializers.SerializerMethodField(help_text="The type code; null: any type")
    org_unit = serializers.CharField(source="org_unit.code")
    org_unit_name = serializers.CharField(source="org_unit.display_name")
    responder = serializers.CharField(source="responder.code")
    responder_name = serializers.CharField(source="responder.name")

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "signal_type",
            "org_unit",
            "org_unit_name",
            "responder",
            "responder_name",
            "hours_immediate",
            "hours_high",
            "hours_routine",
            "is_active",
            "created_at",
            "updated_at",
        ]

    def get_signal_type(self, rule: RoutingRule) -> str | None:
        return rule.signal_type.code if rule.signal_type else None


class RoutingRuleListQuery(StrictInput):
    active = flag_param("true: only active rules; false: only deactivated ones")
