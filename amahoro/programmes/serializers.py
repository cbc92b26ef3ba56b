"""The REST contracts of the programmes app: one input and one output serializer per endpoint, used to
parse the body, to render the answer and to describe both in the OpenAPI document.

Input serializers check the shape (types, required fields, lengths); what only the domain knows (item codes,
options, band overlaps, dates inside a cohort, places inside a programme's districts) is checked by
`scoring` and the services, which name the field at fault in the same way."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import Sex

MAX_ROWS = 20_000


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):  # type: ignore[type-arg]
    """A JSON number rendered as given (24 stays 24, 2.5 stays 2.5)."""

    def to_representation(self, value: Any) -> Any:
        return value

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("must be a number")
        return data


class _BlankAsNone:
    """An empty string means "not given" (forms and older clients send "" for an empty optional value)."""

    def validate_empty_values(self, data: Any) -> Any:
        return super().validate_empty_values(None if data == "" else data)  # type: ignore[misc]


class OptionalInteger(_BlankAsNone, serializers.IntegerField):
    pass


class OptionalDate(_BlankAsNone, serializers.DateField):
    pass


def _whole(field: str) -> dict[str, Any]:
    return {"invalid": f"{field} must be a whole number", "max_string_length": f"{field} is too long"}


# ---------------------------------------------------------------------------------------------------------
# Scales


class ScaleItemIn(StrictInput):
    code = serializers.CharField(max_length=50)
    text = serializers.CharField(max_length=10_000)
    scores = serializers.DictField(
        child=serializers.JSONField(), help_text="response option -> score (number)"
    )
    subscale = serializers.CharField(max_length=100, required=False, allow_blank=True)
    text_fr = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    text_rw = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class ScaleBandIn(StrictInput):
    name = serializers.CharField(max_length=100)
    min = serializers.JSONField(help_text="number")
    max = serializers.JSONField(help_text="number")


class ScaleIn(StrictInput):
    """A scale definition; `organisation` (code) when you manage programmes in several."""

    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=300)
    name_fr = serializers.CharField(max_length=300, required=False, allow_blank=True)
    name_rw = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    source = serializers.CharField(max_length=5000, required=False, allow_blank=True)  # type: ignore[assignment]  # a field named like a Field attribute
    max_missing = serializers.JSONField(required=False, help_text="whole number from 0 to items - 1")
    items = ScaleItemIn(many=True, allow_empty=False)
    bands = ScaleBandIn(many=True, required=False)
    organisation = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)


class ScaleItemOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    text = serializers.CharField()
    text_fr = serializers.CharField()
    text_rw = serializers.CharField()
    subscale = serializers.CharField()
    scores = serializers.DictField(child=NumberField())


class ScaleBandOut(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    min = NumberField()
    max = NumberField()


class ScaleOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    organisation = serializers.CharField(allow_null=True)
    builtin = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]
    max_missing = serializers.IntegerField()
    min_total = NumberField()
    max_total = NumberField()
    subscales = serializers.ListField(child=serializers.CharField())
    items = ScaleItemOut(many=True)
    bands = ScaleBandOut(many=True)


class ScaleSummaryOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    builtin = serializers.BooleanField()


class ScaleListOut(serializers.Serializer):  # type: ignore[type-arg]
    scales = ScaleSummaryOut(many=True)


class ScoreIn(StrictInput):
    responses = serializers.JSONField(help_text="item code -> chosen option")


class ScoreOut(serializers.Serializer):  # type: ignore[type-arg]
    total = NumberField()
    subscales = serializers.DictField(child=NumberField(allow_null=True))
    band = serializers.CharField()


class PairIn(StrictInput):
    baseline = serializers.JSONField(help_text="item code -> chosen option")
    endline = serializers.JSONField(help_text="item code -> chosen option")


class AnalysisIn(StrictInput):
    pairs = PairIn(many=True, allow_empty=False)


class AnalysisOut(serializers.Serializer):  # type: ignore[type-arg]
    """The paired change of the totals (baseline to endline) and Cronbach's alpha at baseline."""

    n = serializers.IntegerField()
    baseline_mean = NumberField(allow_null=True)
    endline_mean = NumberField(allow_null=True)
    mean_difference = NumberField(allow_null=True)
    ci95_low = NumberField(allow_null=True)
    ci95_high = NumberField(allow_null=True)
    t = NumberField(allow_null=True)
    p_value = NumberField(allow_null=True)
    cohens_dz = NumberField(allow_null=True)
    cronbach_alpha_baseline = NumberField(allow_null=True)


# ---------------------------------------------------------------------------------------------------------
# Programmes, cohorts, participants


class ProgrammeSummaryOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    organisation = serializers.CharField()


class ProgrammeListOut(serializers.Serializer):  # type: ignore[type-arg]
    programmes = ProgrammeSummaryOut(many=True)
    reach = serializers.IntegerField(help_text="unique people reached by the programmes you see")


class ProgrammeDetailOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    organisation = serializers.CharField()
    districts = serializers.ListField(child=serializers.CharField())
    reach = serializers.JSONField(help_text="unique reach, by sex, age band and district")
    cohorts = serializers.ListField(child=serializers.JSONField(), help_text="code, name, place, completion")
    timeline = serializers.ListField(child=serializers.JSONField(), help_text="attendance over time")
    scales = serializers.ListField(child=serializers.JSONField(), help_text="results per scale and round")


class ProgrammeIn(StrictInput):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    organisation = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    districts = serializers.ListField(
        child=serializers.CharField(max_length=50),
        allow_empty=False,
        error_messages={
            "not_a_list": "districts must be a non-empty list of district codes",
            "empty": "districts must be a non-empty list of district codes",
        },
    )
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    start = OptionalDate(
        required=False, allow_null=True, error_messages={"invalid": "start must be a date (YYYY-MM-DD)"}
    )
    end = OptionalDate(
        required=False, allow_null=True, error_messages={"invalid": "end must be a date (YYYY-MM-DD)"}
    )


class ProgrammeCreatedOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()


class CohortIn(StrictInput):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    place = serializers.CharField(max_length=50, help_text="org unit code (inside the programme's districts)")
    start = serializers.DateField(error_messages={"invalid": "start must be a date (YYYY-MM-DD)"})
    end = serializers.DateField(error_messages={"invalid": "end must be a date (YYYY-MM-DD)"})
    sessions = serializers.IntegerField(required=False, default=1, error_messages=_whole("sessions"))
    completion_min = serializers.IntegerField(required=False, error_messages=_whole("completion_min"))
    activity_type = serializers.CharField(max_length=50, required=False, default="curriculum")
    arm = serializers.CharField(max_length=50, required=False, default="intervention")
    weekly = serializers.BooleanField(required=False, default=False, help_text="plan sessions a week apart")


class CohortCreatedOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    sessions = serializers.IntegerField()


class CohortRefIn(StrictInput):
    programme = serializers.CharField(max_length=50)
    code = serializers.CharField(max_length=50)


class ParticipantIn(StrictInput):
    """Name and phone are stored encrypted and never echoed back."""

    sex = serializers.CharField(max_length=1, help_text=f"one of {', '.join(Sex.values)}")
    village = serializers.CharField(max_length=50, help_text="org unit code")
    birth_year = serializers.IntegerField(
        required=False, allow_null=True, error_messages=_whole("birth_year")
    )
    age = serializers.IntegerField(required=False, allow_null=True, error_messages=_whole("age"))
    disability = serializers.BooleanField(required=False, default=False)
    # Longer values are cut to 100, 300 and 50 characters.
    role = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    cohort = CohortRefIn(required=False, allow_null=True)


class ParticipantCreatedOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()


class AttendanceRowIn(StrictInput):
    session = serializers.JSONField(help_text="session number")
    participant = serializers.CharField(max_length=50, allow_blank=True, help_text="participant code")
    present = serializers.JSONField(help_text="yes/no, true/false or 1/0")


class AttendanceRowsIn(StrictInput):
    rows = AttendanceRowIn(
        many=True,
        allow_empty=False,
        max_length=MAX_ROWS,  # type: ignore[call-arg]  # ListSerializer takes it; the stubs do not say so
        error_messages={
            "not_a_list": "rows must be a non-empty list of objects",
            "empty": "rows must be a non-empty list of objects",
            "max_length": f"at most {MAX_ROWS} rows per request: split the upload",
        },
    )


class ImportErrorOut(serializers.Serializer):  # type: ignore[type-arg]
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()
    submission = serializers.CharField(required=False)


class ImportResultOut(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=["SUCCESS", "ERROR"])
    rows = serializers.IntegerField()
    written = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        # "errors" is the answer's key, but also the name of a serializer's own attribute.
        return {**super().get_fields(), "errors": ImportErrorOut(many=True)}


class IndicatorPushIn(StrictInput):
    period = serializers.CharField(max_length=20, help_text="DHIS2 period, e.g. 2025 or 2025Q1")


class IndicatorPushOut(serializers.Serializer):  # type: ignore[type-arg]
    """One import summary per target (reach, completion, band, respondents) that has a data element."""

    reach = serializers.JSONField(required=False)
    completion = serializers.JSONField(required=False)
    band = serializers.JSONField(required=False)
    respondents = serializers.JSONField(required=False)

    def to_representation(self, instance: Any) -> Any:
        return dict(instance)
