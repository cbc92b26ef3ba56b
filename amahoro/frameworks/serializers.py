"""API shapes of frameworks, nodes, indicators and links (the metadata endpoint speaks DHIS2's JSON)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import Framework, Indicator, Target


class FrameworkSerializer(serializers.ModelSerializer[Framework]):
    organisation = serializers.CharField(source="organisation.code", read_only=True, allow_null=True)
    org_unit = serializers.CharField(source="org_unit.code", read_only=True, allow_null=True)

    class Meta:
        model = Framework
        fields = [
            "code",
            "name",
            "name_fr",
            "name_rw",
            "description",
            "description_fr",
            "description_rw",
            "organisation",
            "org_unit",
            "start",
            "end",
            "is_public",
        ]


class TargetSerializer(serializers.ModelSerializer[Target]):
    org_unit = serializers.CharField(source="org_unit.code", read_only=True)

    class Meta:
        model = Target
        fields = ["org_unit", "period", "start", "end", "value", "lower", "upper", "note"]


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    framework = serializers.CharField(source="framework.code", read_only=True, allow_null=True)
    organisation = serializers.CharField(source="organisation.code", read_only=True, allow_null=True)
    nodes = serializers.SerializerMethodField()
    # A plain string in the schema: an enum named "type" would collide with the organisation's.
    type = serializers.CharField(read_only=True, help_text="count, percentage, ratio, mean or yes_no")

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_fr",
            "name_rw",
            "short_name",
            "definition",
            "definition_fr",
            "definition_rw",
            "type",
            "unit",
            "direction",
            "aggregation_time",
            "aggregation_place",
            "numerator",
            "numerator_description",
            "denominator",
            "denominator_description",
            "missing_value_strategy",
            "factor",
            "decimals",
            "baseline_value",
            "baseline_date",
            "means_of_verification",
            "data_source",
            "on_track_threshold",
            "at_risk_threshold",
            "framework",
            "organisation",
            "nodes",
        ]

    def get_nodes(self, obj: Indicator) -> list[dict[str, str]]:
        return [{"framework": n.framework.code, "code": n.code} for n in obj.nodes.all()]


class IndicatorDetailSerializer(IndicatorSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "targets"]


class NodeTreeSerializer(serializers.Serializer[Any]):
    """A node with its children (built by the view from one query)."""

    code = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    name_fr = serializers.CharField()
    name_rw = serializers.CharField()
    description = serializers.CharField()
    responsible = serializers.ListField(child=serializers.CharField())
    supporting = serializers.ListField(child=serializers.CharField())
    indicators = serializers.ListField(child=serializers.CharField())
    contributes_to = serializers.ListField(child=serializers.DictField())
    children = serializers.ListField(child=serializers.DictField())


class FrameworkDetailSerializer(FrameworkSerializer):
    nodes = serializers.ListField(child=NodeTreeSerializer(), read_only=True)

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "nodes"]


class TargetRefSerializer(serializers.Serializer[Any]):
    framework = serializers.CharField(max_length=50)
    node = serializers.CharField(max_length=50)


class LinkCreateSerializer(serializers.Serializer[Any]):
    """`source` is a node of this framework; `target` a node of another framework it contributes to."""

    source = serializers.CharField(max_length=50)  # type: ignore[assignment]  # a field named like Field.source
    target = TargetRefSerializer()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LinkSerializer(serializers.Serializer[Any]):
    source = serializers.DictField()  # type: ignore[assignment]
    target = serializers.DictField()
    note = serializers.CharField()


# ---------------------------------------------------------------------------------------------------------
# Inputs (query strings and bodies) and progress answers


class LinkInput(StrictInput, LinkCreateSerializer):
    """The body of POST frameworks/<code>/links (unknown fields refused)."""


class FrameworkListQuery(StrictInput):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)
    organisation = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Owner's code ('none' = national)"
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Search code, name")


class IndicatorListQuery(StrictInput):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)
    framework = serializers.CharField(required=False, allow_blank=True, max_length=100)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ProgressQuery(StrictInput):
    period = serializers.CharField(required=False, allow_blank=True, max_length=100)
    org_unit = serializers.CharField(required=False, allow_blank=True, max_length=100)


class IndicatorProgressQuery(ProgressQuery):
    breakdown = serializers.CharField(required=False, allow_blank=True, max_length=100)
    period_type = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_breakdown(self, value: str) -> str:
        if value and value not in ("period", "district"):
            raise serializers.ValidationError(f"unknown breakdown '{value}' (one of: period, district)")
        return value


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):  # type: ignore[type-arg]
    """A number rendered as computed (an integer stays an integer), or null."""

    def to_representation(self, value: Any) -> Any:
        return value


class CodeNameSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class SpanSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    start = serializers.CharField(help_text="YYYY-MM-DD")
    end = serializers.CharField(help_text="YYYY-MM-DD")


class IndicatorRefSerializer(CodeNameSerializer):
    unit = serializers.CharField()
    type = serializers.CharField()
    direction = serializers.CharField()


class BaselineSerializer(serializers.Serializer[Any]):
    value = NumberField(allow_null=True)
    date = serializers.CharField(allow_null=True)


class IndicatorProgressSerializer(serializers.Serializer[Any]):
    indicator = IndicatorRefSerializer()
    org_unit = CodeNameSerializer()
    period = SpanSerializer()
    actual = NumberField(allow_null=True)
    target = NumberField(allow_null=True)
    target_lower = NumberField(allow_null=True)
    target_upper = NumberField(allow_null=True)
    expected = NumberField(allow_null=True)
    baseline = BaselineSerializer()
    achievement = NumberField(allow_null=True, help_text="actual / target (direction-aware), or null")
    status = serializers.CharField()
    status_label = serializers.CharField()
    by_period = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="With breakdown=period"
    )
    by_district = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="With breakdown=district"
    )


class NodeProgressSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    score = NumberField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Indicators per status")
    indicators = IndicatorProgressSerializer(many=True)
    children = serializers.ListField(child=serializers.DictField(), help_text="Child nodes, same shape")


class FrameworkProgressSerializer(serializers.Serializer[Any]):
    framework = CodeNameSerializer()
    org_unit = CodeNameSerializer()
    period = SpanSerializer()
    status = serializers.CharField()
    status_label = serializers.CharField()
    score = NumberField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Outcomes in all, assessed, with no data, with no target (the headline counts them apart)",
    )
    rollup_rule = serializers.CharField()
    nodes = NodeProgressSerializer(many=True)
