"""OpenAPI description of the case API's JSON (issue 5's contract). Documentation only: the views parse
bodies with `inputs.py` and shape answers with selectors, these serializers are never used to validate or
render; they only tell drf-spectacular what goes in and comes out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from . import classification as cl
from .models import (
    CaseStatus,
    ConsentMethod,
    ConsentPurpose,
    Displacement,
    HarmfulPractice,
    LocationType,
    MaritalStatus,
    NoteKind,
    ServiceStatus,
    ServiceType,
    Sex,
    TimeOfDay,
)


def _optional_date() -> serializers.DateField:
    return serializers.DateField(allow_null=True, required=False)


# Every choice set of the case module is one named enum component, so that its many `status` and `type`
# fields neither collide with each other nor with other apps' enums (StatusEnum, TypeEnum).
ENUM_NAMES: dict[tuple[str, ...], str] = {
    tuple(cl.GBV_TYPES): "GbvTypeEnum",
    tuple(cl.CONTEXTS): "GbvContextEnum",
    tuple(cl.BUCKETS): "GbvElapsedReportingBucketEnum",
    tuple(cl.RELATIONSHIPS): "GbvRelationshipEnum",
    (*cl.AGE_GROUPS, "unknown"): "GbvAgeGroupEnum",
    tuple(cl.ABDUCTION): "GbvAbductionEnum",
    tuple(Sex.values): "GbvSexEnum",
    tuple(MaritalStatus.values): "GbvMaritalStatusEnum",
    tuple(Displacement.values): "GbvDisplacementStatusEnum",
    tuple(LocationType.values): "GbvLocationTypeEnum",
    tuple(TimeOfDay.values): "GbvTimeOfDayEnum",
    tuple(HarmfulPractice.values): "GbvHarmfulPracticeEnum",
    tuple(CaseStatus.values): "GbvCaseStatusEnum",
    tuple(ConsentPurpose.values): "GbvConsentPurposeEnum",
    tuple(ConsentMethod.values): "GbvConsentMethodEnum",
    tuple(ServiceType.values): "GbvServiceTypeEnum",
    tuple(ServiceStatus.values): "GbvServiceStatusEnum",
    tuple(NoteKind.values): "GbvNoteKindEnum",
}


class EnumField(serializers.ChoiceField):
    def __init__(self, choices: list[str] | tuple[str, ...], **kwargs: Any) -> None:
        self.enum_name = ENUM_NAMES[tuple(choices)]
        super().__init__(choices=list(choices), **kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    """An EnumField is a reference to its named enum component."""

    target_class = EnumField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        field = self.target
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={"type": "string", "enum": list(field.choices)},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def _choice(choices: list[str] | tuple[str, ...], help_text: str = "", **kwargs: Any) -> EnumField:
    return EnumField(choices, help_text=help_text, **kwargs)


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["<5", "*"]}]},
)
class SuppressedCountField(serializers.Field):
    """A count leaving the case module: the number, '<5' (1 to 4, or 0 beside such a count), '*' (hidden so no
    total reveals one), 'x' (a table or month about fewer than GBV_STATS_MIN_TOTAL incidents) or '<10' (the
    incident total of such a table)."""


# ---------------------------------------------------------------------------------------------------------
# Errors


class GbvErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What is wrong, naming the field")
    code = serializers.CharField()
    field = serializers.CharField(required=False, help_text="The field (e.g. survivor.age) at fault")


def errors(*extra: int) -> dict[int, OpenApiResponse]:
    """The error answers every case endpoint may give (401, 403), plus the `extra` ones (400, 404, 409)."""
    described = {
        400: "Bad input; the message names the field",
        401: "Not authenticated",
        403: "Missing permission, or an action you may not take on a case you see",
        404: "Missing, or not visible to you (the same answer)",
        409: "Stale edit or impossible state change; nothing was written",
    }
    return {
        code: OpenApiResponse(GbvErrorSerializer, description=described[code]) for code in (401, 403, *extra)
    }


# ---------------------------------------------------------------------------------------------------------
# Intake and edit


class GbvClassificationSerializer(serializers.Serializer):
    """The GBVIMS Classification Tool, asked in this order; the first "yes" decides the type."""

    penetration = serializers.BooleanField(help_text="yes -> rape")
    unwanted_sexual_contact = serializers.BooleanField(help_text="yes -> sexual_assault")
    physical_assault = serializers.BooleanField(help_text="yes -> physical_assault")
    forced_marriage = serializers.BooleanField(help_text="yes -> forced_marriage")
    denial_of_resources = serializers.BooleanField(help_text="yes -> denial_of_resources")
    psychological_abuse = serializers.BooleanField(help_text="yes -> psychological_abuse; all no -> non_gbv")


class GbvPerpetratorSerializer(serializers.Serializer):
    relationship = _choice(cl.RELATIONSHIPS, "Relationship to the survivor", required=False)
    sex = _choice(Sex.values, required=False)
    age_group = _choice((*cl.AGE_GROUPS, "unknown"), required=False)
    occupation = serializers.CharField(required=False, allow_blank=True)


class GbvSurvivorInputSerializer(serializers.Serializer):
    """Name, phone, address and national ID are stored encrypted; the phone is searchable by exact match."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=30)
    sex = _choice(Sex.values)
    age = serializers.IntegerField(required=False, min_value=0, help_text="Age in years, or date_of_birth")
    date_of_birth = serializers.DateField(required=False)
    age_estimated = serializers.BooleanField(required=False)
    marital_status = _choice(MaritalStatus.values, required=False)
    disability = serializers.BooleanField(required=False)
    displacement_status = _choice(Displacement.values, required=False)
    nationality = serializers.CharField(required=False, help_text="ISO country code, default RW")


class GbvIntakeConsentSerializer(serializers.Serializer):
    services = serializers.BooleanField(required=False, help_text="Consent to services and referral")
    reporting = serializers.BooleanField(required=False, help_text="Consent to non-identifiable reporting")
    method = _choice(ConsentMethod.values, required=False)


class GbvIncidentInputSerializer(serializers.Serializer):
    survivor = GbvSurvivorInputSerializer()
    incident_date = serializers.DateField()
    report_date = serializers.DateField(help_text="Not before incident_date")
    org_unit = serializers.CharField(help_text="Code of the org unit where the incident is handled")
    organisation = serializers.CharField(required=False, help_text="Code of the case-holding organisation")
    location_type = _choice(LocationType.values, required=False)
    time_of_day = _choice(TimeOfDay.values, required=False)
    classification = GbvClassificationSerializer()
    perpetrators = GbvPerpetratorSerializer(many=True, required=False)
    goods_exchanged = serializers.BooleanField(required=False)
    abduction = _choice(cl.ABDUCTION, required=False)
    harmful_traditional_practice = _choice(HarmfulPractice.values, required=False)
    reported_elsewhere = serializers.BooleanField(required=False)
    account = serializers.CharField(
        required=False, allow_blank=True, help_text="Free-text account (encrypted)"
    )
    consent = GbvIntakeConsentSerializer(required=False)
    case_worker = serializers.CharField(required=False, help_text="Username of the case worker")


class GbvIncidentEditSerializer(serializers.Serializer):
    """Only the fields sent change; `survivor` and `classification` merge one level deep, lists are
    replaced."""

    version = serializers.IntegerField(help_text="Required: the version the edit is based on (409 if stale)")
    incident_date = serializers.DateField(required=False)
    report_date = serializers.DateField(required=False)
    org_unit = serializers.CharField(required=False)
    location_type = _choice(LocationType.values, required=False)
    time_of_day = _choice(TimeOfDay.values, required=False)
    classification = GbvClassificationSerializer(required=False)
    perpetrators = GbvPerpetratorSerializer(many=True, required=False)
    goods_exchanged = serializers.BooleanField(required=False)
    abduction = _choice(cl.ABDUCTION, required=False)
    harmful_traditional_practice = _choice(HarmfulPractice.values, required=False)
    reported_elsewhere = serializers.BooleanField(required=False)
    account = serializers.CharField(required=False, allow_blank=True)
    survivor = GbvSurvivorInputSerializer(required=False)


class GbvIncidentCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    gbv_type = _choice(cl.GBV_TYPES)
    contexts = serializers.ListField(child=_choice(cl.CONTEXTS), help_text="Derived case-context flags")
    elapsed_reporting_bucket = _choice(cl.BUCKETS)
    version = serializers.IntegerField()


# ---------------------------------------------------------------------------------------------------------
# Reading cases


class GbvIncidentSummarySerializer(serializers.Serializer):
    """A case without identifying fields."""

    id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    status = _choice(CaseStatus.values)
    gbv_type = _choice(cl.GBV_TYPES)
    incident_date = serializers.DateField()
    report_date = serializers.DateField()
    org_unit = serializers.CharField()
    elapsed_reporting_bucket = _choice(cl.BUCKETS)
    version = serializers.IntegerField()


class GbvIncidentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="All matching cases, not only this page")
    results = GbvIncidentSummarySerializer(many=True)


class GbvSearchSerializer(serializers.Serializer):
    survivor_code = serializers.CharField(required=False, help_text="Exact survivor code")
    phone = serializers.CharField(required=False, help_text="Exact phone number (matched by keyed hash)")


class GbvSurvivorSerializer(serializers.Serializer):
    sex = _choice(Sex.values)
    age = serializers.IntegerField(allow_null=True)
    age_estimated = serializers.BooleanField()
    marital_status = _choice(MaritalStatus.values)
    disability = serializers.BooleanField()
    displacement_status = _choice(Displacement.values)
    nationality = serializers.CharField()
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    national_id = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False)


class GbvConsentRecordSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    purpose = _choice(ConsentPurpose.values)
    service = serializers.CharField(allow_blank=True, help_text="The service, for a release of information")
    recipient = serializers.CharField(
        allow_null=True, help_text="Code of the recipient organisation, for a release of information"
    )
    given = serializers.BooleanField()
    method = _choice(ConsentMethod.values)
    recorded_by = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


def _consent_state() -> serializers.Field:
    return serializers.DictField(
        child=serializers.BooleanField(),
        help_text="purpose (or release:<service>:<recipient code>) -> the latest answer still standing; "
        "release:<service> without a recipient is an old release that reaches no organisation",
    )


class GbvServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = _choice(ServiceType.values)
    status = _choice(ServiceStatus.values)
    provider = serializers.CharField(allow_null=True, help_text="Code of the provider organisation")
    referred_on = serializers.DateField(allow_null=True)
    provided_on = serializers.DateField(allow_null=True)
    pep_given_on = serializers.DateField(allow_null=True)
    ec_given_on = serializers.DateField(allow_null=True)
    consent_overridden = serializers.BooleanField()


class GbvNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = _choice(NoteKind.values)
    text = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)


class GbvIncidentSerializer(serializers.Serializer):
    """One case; `survivor` identifying details, `account` and `notes` are only given with the case opened
    by its case workers or supervisors."""

    id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    version = serializers.IntegerField()
    status = _choice(CaseStatus.values)
    organisation = serializers.CharField()
    org_unit = serializers.CharField()
    case_worker = serializers.CharField(allow_null=True)
    incident_date = serializers.DateField()
    report_date = serializers.DateField()
    location_type = _choice(LocationType.values)
    time_of_day = _choice(TimeOfDay.values)
    classification = GbvClassificationSerializer()
    gbv_type = _choice(cl.GBV_TYPES)
    contexts = serializers.ListField(child=_choice(cl.CONTEXTS))
    elapsed_days = serializers.IntegerField()
    elapsed_reporting_bucket = _choice(cl.BUCKETS)
    perpetrators = GbvPerpetratorSerializer(many=True)
    goods_exchanged = serializers.BooleanField()
    abduction = _choice(cl.ABDUCTION)
    harmful_traditional_practice = _choice(HarmfulPractice.values)
    reported_elsewhere = serializers.BooleanField()
    survivor = GbvSurvivorSerializer()
    consent = _consent_state()
    consents = GbvConsentRecordSerializer(many=True)
    services = GbvServiceSerializer(many=True)
    closure_reason = serializers.CharField(allow_blank=True)
    account = serializers.CharField(required=False)
    notes = GbvNoteSerializer(many=True, required=False)


# ---------------------------------------------------------------------------------------------------------
# Consent, services, referrals, notes, closure, access log


class GbvConsentInputSerializer(serializers.Serializer):
    purpose = _choice(ConsentPurpose.values)
    given = serializers.BooleanField()
    method = _choice(ConsentMethod.values)
    service = _choice(ServiceType.values, "Only with purpose 'release'", required=False)
    recipient = serializers.CharField(
        required=False,
        help_text="Only with purpose 'release' (required then): code of the recipient organisation",
    )


class GbvConsentCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    consent = _consent_state()


class GbvConsentStateSerializer(serializers.Serializer):
    consent = _consent_state()


class GbvServiceInputSerializer(serializers.Serializer):
    type = _choice(ServiceType.values)
    status = _choice(ServiceStatus.values, "'referred' with a provider is a referral (needs consent)")
    provider = serializers.CharField(required=False, help_text="Code of the provider organisation")
    referred_on = _optional_date()
    provided_on = _optional_date()
    pep_given_on = _optional_date()
    ec_given_on = _optional_date()
    override_reason = serializers.CharField(
        required=False, help_text="Why a referral goes ahead without consent (roles allowed to override)"
    )


class GbvReferralRowSerializer(GbvServiceSerializer):
    survivor_code = serializers.CharField()


class GbvReferralPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = GbvReferralRowSerializer(many=True)


class GbvReleasedIdentitySerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class GbvReferralSerializer(GbvServiceSerializer):
    incident_id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    incident_date = serializers.DateField()
    gbv_type = _choice(cl.GBV_TYPES)
    referred_by = serializers.CharField(help_text="Code of the referring organisation")
    identity_released = serializers.BooleanField(
        help_text="The survivor consented to release to this organisation for this service"
    )
    survivor = GbvReleasedIdentitySerializer(required=False, help_text="Only when identity_released")


class GbvReferralUpdateSerializer(serializers.Serializer):
    status = _choice(ServiceStatus.values)
    provided_on = _optional_date()
    pep_given_on = _optional_date()
    ec_given_on = _optional_date()


class GbvNoteInputSerializer(serializers.Serializer):
    kind = _choice(NoteKind.values)
    text = serializers.CharField()
    due_on = _optional_date()


class GbvCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()


class GbvClosureRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class GbvClosureDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true closes the case, false reopens it")


class GbvCaseStateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = _choice(CaseStatus.values)
    version = serializers.IntegerField()


class GbvAccessEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField()
    action = serializers.CharField()
    what = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)


class GbvAccessLogSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    results = GbvAccessEventSerializer(many=True)


# ---------------------------------------------------------------------------------------------------------
# Statistics


class GbvStatisticsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    values = serializers.ListField(
        child=SuppressedCountField(), help_text="A count per column, '<5' or '*' when suppressed"
    )


class GbvStatisticsTableSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField(), help_text="Months (YYYY-MM), then total")
    rows = GbvStatisticsRowSerializer(many=True)


class GbvSuppressionSerializer(serializers.Serializer):
    primary = serializers.CharField()
    complementary = serializers.CharField()
    suppressed = serializers.CharField(help_text="'x': a whole table or month about too few incidents")


class GbvAccountabilitySerializer(serializers.Serializer):
    organisation = serializers.CharField()
    district = serializers.CharField()
    incidents = SuppressedCountField()
    median_days_incident_to_report = serializers.FloatField(allow_null=True)
    median_days_report_to_first_service = serializers.FloatField(allow_null=True)
    rape_incidents = SuppressedCountField()
    rape_reported_within_72h_share = serializers.FloatField(allow_null=True)
    rape_pep_within_72h_share = serializers.FloatField(allow_null=True)
    referrals = SuppressedCountField()
    referral_completion_share = serializers.FloatField(allow_null=True)


class GbvStatisticsSerializer(serializers.Serializer):
    period = serializers.CharField()
    org_unit = serializers.CharField(allow_null=True)
    incidents = SuppressedCountField()
    suppression = GbvSuppressionSerializer()
    tables = serializers.DictField(
        child=GbvStatisticsTableSerializer(),
        help_text="gbv_type, context, age_group, sex, district, perpetrator_relationship, services",
    )
    accountability = GbvAccountabilitySerializer(many=True)


# ---------------------------------------------------------------------------------------------------------
# Parameters and CSV answers

IDENT = OpenApiParameter("ident", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case id")
STATISTICS_PARAMS = [
    OpenApiParameter(
        "period",
        str,
        required=True,
        description="A DHIS2 period code: 2026, 202601, 2026Q1 (at most 36 months). Shorter than "
        "GBV_STATS_MIN_PERIOD (a month) only for case roles in their own area: otherwise 400 (field period)",
    ),
    OpenApiParameter(
        "org_unit",
        str,
        description="Only cases in this org unit's subtree. Below GBV_STATS_MIN_ORG_LEVEL (a district) only "
        "for case roles in their own area: otherwise 400 (field org_unit)",
    ),
]


def csv_answer(description: str) -> dict[int | tuple[int, str], OpenApiResponse]:
    answers: dict[int | tuple[int, str], OpenApiResponse] = {
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)
    }
    for code, answer in errors(400).items():
        answers[code] = answer
    return answers
