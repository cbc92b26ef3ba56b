"""The REST contracts of consultations: one input and one output serializer per endpoint (parsing, rendering
and the OpenAPI document). Shapes are checked here; ratings, text lengths and who may do what are checked by
the services, which name the field at fault."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import Assessment, ConsultationRound, Moderation


class RoundIn(StrictInput):
    framework = serializers.CharField(max_length=50, error_messages={"blank": "framework is required"})
    organisation = serializers.CharField(
        max_length=50,
        help_text="code of the convening organisation",
        error_messages={
            "required": "organisation (the convener) is required",
            "blank": "organisation (the convener) is required",
            "null": "organisation (the convener) is required",
        },
    )
    title = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    period = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class RoundOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    title = serializers.CharField()
    framework = serializers.CharField(source="framework.code")
    convener = serializers.CharField(source="organisation.code")
    period = serializers.SerializerMethodField()
    status = serializers.CharField()
    published_at = serializers.SerializerMethodField(help_text="ISO 8601; null until published")

    def get_period(self, rnd: ConsultationRound) -> str | None:
        return rnd.period or None

    def get_published_at(self, rnd: ConsultationRound) -> str | None:
        return rnd.published_at.isoformat() if rnd.published_at else None


class RoundListOut(serializers.Serializer):  # type: ignore[type-arg]
    rounds = RoundOut(many=True)


class AttachmentOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    size = serializers.IntegerField()
    type = serializers.CharField(source="content_type")


class ResponseOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    agency = serializers.CharField(source="organisation.code")
    text = serializers.CharField()


class AssessmentOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    round = serializers.UUIDField(source="round.uuid")
    outcome = serializers.CharField(source="node.code")
    organisation = serializers.SerializerMethodField(help_text="null for an anonymous assessment")
    anonymous = serializers.BooleanField()
    rating = serializers.IntegerField()
    evidence = serializers.CharField()
    comment = serializers.CharField()
    moderation = serializers.ChoiceField(choices=Moderation.choices)
    moderation_note = serializers.CharField()
    attachments = AttachmentOut(many=True, source="attachments.all")
    responses = ResponseOut(many=True, source="responses.all")

    def get_organisation(self, a: Assessment) -> str | None:
        # Never the organisation of an anonymous assessment: the row does not hold it.
        return None if a.anonymous or a.organisation is None else a.organisation.code


class RoundDetailOut(RoundOut):
    assessments = AssessmentOut(many=True, help_text="those you may see")


class AssessmentIn(StrictInput):
    """JSON, or multipart with an optional `file` (evidence attachment)."""

    outcome = serializers.CharField(max_length=50, allow_blank=True)
    rating = serializers.JSONField(help_text="whole number from 1 to 5")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    organisation = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    file = serializers.FileField(
        required=False, help_text="one attachment (PDF, image, text, CSV, DOCX, XLSX)"
    )


class AssessmentUpdateIn(StrictInput):
    """Only the fields given change."""

    rating = serializers.JSONField(required=False, help_text="whole number from 1 to 5")
    evidence = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class ModerationIn(StrictInput):
    decision = serializers.CharField(help_text="approved or rejected", allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class AgencyResponseIn(StrictInput):
    text = serializers.CharField(allow_blank=True)
    organisation = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)


class SummaryRoundOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    title = serializers.CharField()
    framework = serializers.CharField()
    convener = serializers.CharField()
    period = serializers.CharField(allow_null=True)
    published_at = serializers.CharField(allow_null=True)


class SummaryResponseOut(serializers.Serializer):  # type: ignore[type-arg]
    agency = serializers.CharField()
    text = serializers.CharField()


class SummaryAssessmentOut(serializers.Serializer):  # type: ignore[type-arg]
    organisation = serializers.CharField(help_text="the author, or a label for an anonymous one")
    anonymous = serializers.BooleanField()
    rating = serializers.IntegerField()
    rating_label = serializers.CharField()
    evidence = serializers.CharField()
    comment = serializers.CharField()
    attachments = serializers.IntegerField(help_text="how many files back the assessment")
    responses = SummaryResponseOut(many=True)


class SummaryOutcomeOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    pillar = serializers.CharField(allow_null=True)
    official_status = serializers.CharField()
    official_status_label = serializers.CharField()
    official_score = serializers.IntegerField(allow_null=True)
    cso_mean_rating = serializers.FloatField(allow_null=True)
    cso_assessments = SummaryAssessmentOut(many=True)


class SummaryOut(serializers.Serializer):  # type: ignore[type-arg]
    round = SummaryRoundOut()
    outcomes = SummaryOutcomeOut(many=True)
