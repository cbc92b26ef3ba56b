"""Input and output contracts of the reports API (they also feed the OpenAPI document)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import Format, ReportRun, RunStatus

PARAM_HELP = {
    "framework": "Results framework code (nap-progress, itt)",
    "period": "DHIS2 period: 2026Q3, 202609 or 2026 (nap-progress); a month as yyyyMM (gbv-monthly)",
    "start": "First DHIS2 period (itt)",
    "end": "Last DHIS2 period, of the same type as start; at most 36 periods (itt)",
    "org_unit": "Org unit code (required for gbv-monthly; default: your area or the country)",
    "lang": "Language of the report: en, fr or rw (default en)",
}


class NoQuery(serializers.Serializer):  # type: ignore[type-arg]
    """An endpoint without query parameters (any given is refused, naming it)."""


@extend_schema_field({"type": "string", "enum": ["en", "fr", "rw"]})
class _LangField(serializers.CharField):
    """The report's language, documented as its three values (the report checks it)."""


class ReportQuery(serializers.Serializer):  # type: ignore[type-arg]
    """The parameters of a report file (each kind takes some of them; see GET /api/v1/reports)."""

    framework = serializers.CharField(required=False, help_text=PARAM_HELP["framework"])
    period = serializers.CharField(required=False, help_text=PARAM_HELP["period"])
    start = serializers.CharField(required=False, help_text=PARAM_HELP["start"])
    end = serializers.CharField(required=False, help_text=PARAM_HELP["end"])
    org_unit = serializers.CharField(required=False, help_text=PARAM_HELP["org_unit"])
    # Checked by the report (kinds.lang_of), so that a bad lang gets the same error as any other parameter.
    lang = _LangField(required=False, help_text=PARAM_HELP["lang"])


class ReportParamOut(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(help_text="The query parameter (or run params key)")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named as an attribute of Field
    required = serializers.BooleanField()  # type: ignore[assignment]
    hint = serializers.CharField(help_text="What a valid value looks like")


class ReportKindOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="The report's code, the stem of its file path")
    title = serializers.CharField()
    description = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField(), help_text="File formats: pdf, xlsx")
    params = ReportParamOut(many=True)
    frequencies = serializers.ListField(
        child=serializers.CharField(), help_text="What a subscription may choose: monthly, quarterly"
    )
    urls = serializers.DictField(child=serializers.CharField(), help_text="Format → file path of this API")


class RunIn(StrictInput):
    kind = serializers.CharField(max_length=40, help_text="Report code (GET /api/v1/reports)")
    format = serializers.ChoiceField(choices=Format.choices, help_text="pdf or xlsx")
    params = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        default=dict,
        help_text="The report's parameters (names as in GET /api/v1/reports)",
    )


class RunOut(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    params = serializers.DictField(child=serializers.CharField(), help_text="The normalised parameters")
    status = serializers.ChoiceField(choices=RunStatus.choices)
    progress = serializers.IntegerField(help_text="Percent done (0-100)")
    file = serializers.SerializerMethodField(help_text="Path of the file once done, else null")

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "format",
            "params",
            "status",
            "progress",
            "stage",
            "error",
            "filename",
            "content_type",
            "size",
            "created_at",
            "started_at",
            "finished_at",
            "file",
        ]
        read_only_fields = fields

    def get_file(self, run: ReportRun) -> str | None:
        return f"/api/v1/reports/runs/{run.uuid}/file" if run.status == RunStatus.DONE else None
