"""The REST contracts of participation: the peacekeeping CSV upload, the parity series and the
representation figures (input and output serializers, also feeding the OpenAPI document)."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core.rest import StrictInput, UploadField


class PeacekeepingIn(StrictInput):
    file = UploadField(
        help_text="the UN contributions-by-gender CSV",
        error_messages={"required": "attach the CSV as 'file'", "invalid": "attach the CSV as 'file'"},
    )
    country = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default="RWA", help_text="ISO 3166 alpha-3"
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="check and count, save nothing"
    )


class PeacekeepingImportOut(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=["OK", "DRY_RUN"])
    rows_read = serializers.IntegerField()
    rows_used = serializers.IntegerField()
    rows_other_countries = serializers.IntegerField()
    rows_superseded = serializers.IntegerField(help_text="earlier reports of a mission in the same month")
    periods = serializers.ListField(child=serializers.CharField())
    values = serializers.IntegerField()
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class ParityPointOut(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    name = serializers.CharField()
    women = serializers.IntegerField()
    men = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="women's share in percent")


class ParityTargetOut(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    value = serializers.FloatField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute


class PersonnelTypeOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    indicator = serializers.CharField()
    points = ParityPointOut(many=True)
    targets = ParityTargetOut(many=True)


class ParityOut(serializers.Serializer):  # type: ignore[type-arg]
    personnel_types = PersonnelTypeOut(many=True)


class RankOut(serializers.Serializer):  # type: ignore[type-arg]
    rank = serializers.CharField()
    women = serializers.IntegerField()
    men = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class RepresentationLatestOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    period = serializers.CharField()
    women = serializers.IntegerField()
    men = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    by_rank = RankOut(many=True, required=False, help_text="series disaggregated by rank only")


class RepresentationHistoryOut(serializers.Serializer):  # type: ignore[type-arg]
    series = serializers.CharField()
    series_name = serializers.CharField()
    group = serializers.CharField()
    period = serializers.CharField()
    women = serializers.IntegerField()
    men = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class RepresentationOut(serializers.Serializer):  # type: ignore[type-arg]
    latest = RepresentationLatestOut(many=True)
    history = RepresentationHistoryOut(many=True)
