"""The REST contract of the analytics API: its query parameters and its answer (DHIS2's analytics shape),
also feeding the OpenAPI document."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core import rest

from .query import AGGREGATION_TYPES, DISPLAY_PROPERTIES, ID_SCHEMES


class AnalyticsQuery(serializers.Serializer):  # type: ignore[type-arg]
    dimension = serializers.ListField(
        child=serializers.CharField(max_length=5000),
        required=False,
        help_text="Repeatable. `dx:<data element or indicator codes>`, `pe:<period codes or relative periods>`, "
        "`ou:<org unit codes, LEVEL-n, LEVEL-district, USER_ORGUNIT, USER_ORGUNIT_CHILDREN>`, "
        "`<category code>[:<option codes>]`; items separated by `;`",
    )
    filter = serializers.ListField(
        child=serializers.CharField(max_length=5000),
        required=False,
        help_text="Repeatable; the dimension syntax, aggregated over instead of split by",
    )
    relativePeriodDate = rest.date_param(
        "The day relative periods count from (default: today, Africa/Kigali)"
    )
    outputIdScheme = serializers.ChoiceField(
        choices=ID_SCHEMES,
        required=False,
        help_text="Identifiers in rows and metaData: CODE (default) or NAME",
    )
    aggregationType = serializers.ChoiceField(
        choices=AGGREGATION_TYPES,
        required=False,
        help_text="Overrides the data elements' own aggregation type",
    )
    skipMeta = rest.flag_param("Leave metaData empty")
    displayProperty = serializers.ChoiceField(
        choices=DISPLAY_PROPERTIES, required=False, help_text="Names in metaData (and rows with NAME ids)"
    )
    type = rest.text_param("The visualizer's chart type (accepted and ignored)")
    rows = rest.text_param("The visualizer's row dimensions (accepted and ignored)")
    columns = rest.text_param("The visualizer's column dimensions (accepted and ignored)")


class HeaderOut(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(help_text="dx, pe, ou, a category code, or value")
    column = serializers.CharField()
    valueType = serializers.CharField()
    type = serializers.CharField()
    hidden = serializers.BooleanField()
    meta = serializers.BooleanField()


class MetaItemOut(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    code = serializers.CharField(required=False)


class MetaDataOut(serializers.Serializer):  # type: ignore[type-arg]
    items = serializers.DictField(child=MetaItemOut(), help_text="Item (or dimension) identifier -> name")
    dimensions = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Dimension key -> its item identifiers in order",
    )


class AnalyticsOut(serializers.Serializer):  # type: ignore[type-arg]
    headers = HeaderOut(many=True)
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="One per cell with data: the identifiers in header order, then the value as text "
        "('<5' or 'x' where small GBV case counts are suppressed)",
    )
    metaData = MetaDataOut()
    height = serializers.IntegerField()
    width = serializers.IntegerField()
