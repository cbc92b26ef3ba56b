"""API shapes of frameworks, nodes, indicators and links (the metadata endpoint speaks DHIS2's JSON)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

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
