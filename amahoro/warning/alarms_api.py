"""POST /api/v1/ewer/detect: run EARS C1/C2/C3 or Farrington flexible (amahoro/warning/alarms.py) over the
counts the caller sends, one per DHIS2 period, and answer the upper bound and alarm of each evaluated period.

It reads no data, so any signed-in user with signal.view or data.view may call it. Every bad input is a 400
naming the field: a negative or non-integer count by its index, too short a series, an unknown method or
parameter, periods to evaluate outside the series."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amahoro import policy
from amahoro.core import rest
from amahoro.core.errors import ValidationFailed
from amahoro.metadata.periods import InvalidPeriod, Period, parse_period
from amahoro.roles import Perm

from . import alarms
from .models import Method

MAX_COUNTS = 2000
PERIOD_TYPES = {52: "Weekly", 12: "Monthly"}
EARS_PARAMS = ("baseline", "alpha", "minSigma")


class _Counts(serializers.ListField):
    """Whole numbers >= 0, checked by alarms.py so that the error names the index (`counts.3`)."""

    child = serializers.IntegerField(min_value=0)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, list):
            raise serializers.ValidationError("must be a list of whole numbers")
        if not data:
            raise serializers.ValidationError("must not be empty")
        if len(data) > MAX_COUNTS:
            raise serializers.ValidationError(f"at most {MAX_COUNTS} counts")
        return data


class EvaluateInput(rest.StrictInput):
    from_ = serializers.CharField(max_length=20, help_text="The first period to evaluate (DHIS2 code)")
    to = serializers.CharField(max_length=20, help_text="The last period to evaluate (DHIS2 code)")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # `from` is a Python keyword
        return fields


class DetectInput(rest.StrictInput):
    method = serializers.ChoiceField(choices=Method.choices)
    frequency = serializers.ChoiceField(choices=[(52, "weekly"), (12, "monthly")])
    start = serializers.CharField(
        max_length=20, help_text="DHIS2 period code of the first count: 2019W1 (weekly) or 201901 (monthly)"
    )
    counts = _Counts(help_text=f"One whole number >= 0 per period, oldest first (at most {MAX_COUNTS})")
    evaluate = EvaluateInput(
        required=False, help_text="The periods to evaluate (default: every period the method can evaluate)"
    )
    params = serializers.DictField(
        required=False,
        help_text="EARS: baseline (7), alpha (0.001), minSigma (0). Farrington: b (5), w (3), reweight, "
        "weightsThreshold (2.58), alpha (0.05), trend, pThresholdTrend (0.05), limit54 ([5, 4]), powertrans "
        '("2/3", "1/2", "none"), pastWeeksNotIncluded (w), named as in R',
    )


class DetectResult(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField(help_text="DHIS2 period code")
    observed = serializers.IntegerField()
    upperbound = serializers.FloatField(
        allow_null=True,
        help_text="null where R gives NA: Farrington with fewer than limit54 cases in the last periods, "
        "EARS C3 over a flat baseline",
    )
    alarm = serializers.BooleanField(
        allow_null=True, help_text="observed > upperbound (null where R gives NA)"
    )


class DetectOutput(serializers.Serializer):  # type: ignore[type-arg]
    results = DetectResult(many=True)


def _period(code: str, frequency: int, field: str) -> Period:
    try:
        period = parse_period(code)
    except InvalidPeriod as exc:
        raise ValidationFailed(f"{exc.reason}: {code!r}", field=field) from exc
    if period.type != PERIOD_TYPES[frequency]:
        wanted = "a weekly code such as 2019W1" if frequency == 52 else "a monthly code such as 201901"
        raise ValidationFailed(f"frequency {frequency} needs {wanted}, not {code!r}", field=field)
    return period


def _series(start: Period, n: int) -> list[Period]:
    periods = [start]
    for _ in range(n - 1):
        periods.append(periods[-1].next())
    return periods


def detect(
    *,
    method: str,
    frequency: int,
    start: str,
    counts: list[Any],
    evaluate: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run one method over a series named by DHIS2 periods; AlarmInputError becomes ValidationFailed."""
    first = _period(start, frequency, "start")
    periods = _series(first, len(counts))
    window: tuple[int, int] | None = None
    if evaluate:
        index = {p.start: i for i, p in enumerate(periods)}
        ends = []
        for key in ("from", "to"):
            period = _period(evaluate[key], frequency, f"evaluate.{key}")
            if period.start not in index:
                raise ValidationFailed(
                    f"{evaluate[key]} is outside the series ({periods[0].code} to {periods[-1].code})",
                    field=f"evaluate.{key}",
                )
            ends.append(index[period.start])
        if ends[0] > ends[1]:
            raise ValidationFailed("evaluate.from comes after evaluate.to", field="evaluate")
        window = (ends[0], ends[1])
    params = params or {}
    try:
        if method == Method.FARRINGTON_FLEXIBLE:
            dates: list[date] = [p.start for p in periods]
            results = alarms.farrington_flexible(
                counts, dates, frequency=frequency, params=params, evaluate=window
            )
        else:
            unknown = sorted(set(params) - set(EARS_PARAMS))
            if unknown:
                raise alarms.AlarmInputError(
                    f"unknown parameter {unknown[0]!r} (expected: {', '.join(EARS_PARAMS)})",
                    field=f"params.{unknown[0]}",
                )
            results = alarms.ears(
                counts,
                method=method[-2:].upper(),
                baseline=params.get("baseline", 7),
                alpha=params.get("alpha", 0.001),
                min_sigma=params.get("minSigma", 0),
                evaluate=window,
            )
    except alarms.AlarmInputError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc
    return [
        {
            "period": periods[r.index].code,
            "observed": r.observed,
            "upperbound": r.upperbound,
            "alarm": r.alarm,
        }
        for r in results
    ]


EXAMPLE = {
    "method": "ears_c1",
    "frequency": 52,
    "start": "2024W1",
    "counts": [3, 4, 2, 5, 3, 4, 3, 4, 12],
    "evaluate": {"from": "2024W9", "to": "2024W9"},
}


class Detect(APIView):
    @extend_schema(
        summary="Statistical alarms (EARS C1/C2/C3, Farrington flexible) over the counts sent",
        description="The upper bounds and alarms agree with R's surveillance 1.20.3 (earsC, "
        "farringtonFlexible); see docs/warning-alarms.md. Nothing is read or stored.",
        operation_id="ewer_detect",
        request=DetectInput,
        responses={200: DetectOutput, **rest.errors(400)},
        examples=[OpenApiExample("EARS C1 over nine weeks", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        policy.require_any(request.user, [Perm.SIGNAL_VIEW, Perm.DATA_VIEW])
        data = rest.parse(DetectInput, request.data)
        return Response({"results": detect(**data)})
