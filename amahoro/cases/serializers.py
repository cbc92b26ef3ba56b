"""The contracts of the case API (/api/v1/gbv/): one input serializer per endpoint that parses its body or
query string (unknown fields refused, every error a 400 naming the field, e.g. `survivor.age`), and one output
serializer that renders its answer; the same classes are the OpenAPI document.

No error message repeats a submitted value: a survivor's name or phone number must never come back in an
error answer or a log."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import StrictInput

from . import classification as cl
from .models import (
    CaseStatus,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Displacement,
    HarmfulPractice,
    LocationType,
    MaritalStatus,
    NoteKind,
    ReferralStatus,
    ServiceStatus,
    ServiceType,
    Sex,
    TimeOfDay,
    Urgency,
)

MAX_AGE = 120
MAX_PERPETRATORS = 20
MAX_LIST = 200  # the longest page of cases, referrals or search hits (selectors use it too)
PHONE_CHARACTERS = frozenset("0123456789+ -()")

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
    tuple(Urgency.values): "GbvUrgencyEnum",
    tuple(ContactMethod.values): "GbvContactMethodEnum",
    tuple(ReferralStatus.values): "GbvReferralStatusEnum",
    ("accept", "decline", "complete"): "GbvReferralActionEnum",
    ("incoming", "outgoing"): "GbvReferralDirectionEnum",
}


class EnumField(serializers.ChoiceField):
    """A choice of one of the named enums above. Optional ones (`optional=True`) also take null and "" for
    "not given" (the page forms send ""); the default is applied by inputs.py."""

    def __init__(
        self,
        choices: list[str] | tuple[str, ...],
        help_text: str = "",
        *,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        self.enum_name = ENUM_NAMES[tuple(choices)]
        allowed = ", ".join(c or "(none)" for c in choices)
        messages: dict[str, Any] = {
            "invalid_choice": f"must be one of {allowed}",
            "blank": "is required",
            "null": "is required",
        }
        if optional:
            kwargs.update(required=False, allow_blank=True, allow_null=True)
        super().__init__(choices=list(choices), help_text=help_text, error_messages=messages, **kwargs)


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


class StrictBooleanField(serializers.BooleanField):
    """true or false as JSON booleans, nothing else ("y", 1 and "true" are refused)."""

    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class PastDateField(serializers.DateField):
    """A date (YYYY-MM-DD) that is not in the future."""

    default_error_messages = {
        "invalid": "must be a date (YYYY-MM-DD)",
        "datetime": "must be a date (YYYY-MM-DD)",
        "future": "cannot be in the future",
    }

    def to_internal_value(self, value: Any) -> date:
        parsed: date = super().to_internal_value(value)
        if parsed > timezone.localdate():
            self.fail("future")
        return parsed


def _flag(help_text: str = "") -> serializers.BooleanField:
    return serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=help_text,
        error_messages={"invalid": "must be true or false"},
    )


def _text(max_length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=max_length,
        help_text=help_text,
        error_messages={"invalid": "must be text", "max_length": f"is longer than {max_length} characters"},
    )


def _optional_date(help_text: str = "") -> serializers.DateField:
    return serializers.DateField(
        required=False,
        allow_null=True,
        help_text=help_text,
        error_messages={"invalid": "must be a date (YYYY-MM-DD)", "datetime": "must be a date (YYYY-MM-DD)"},
    )


def _incident_time() -> serializers.TimeField:
    """HH:MM, Kigali time, optional: the PEP/EC countdowns start there (00:00 of the day when unknown)."""
    return serializers.TimeField(
        required=False,
        allow_null=True,
        format="%H:%M",
        input_formats=["%H:%M"],
        help_text="Time of the incident if known (HH:MM, Africa/Kigali); the PEP and EC countdowns start "
        "there, or at 00:00 of incident_date when it is unknown",
        error_messages={"invalid": "must be a time (HH:MM)"},
    )


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["<5", "*"]}]},
)
class SuppressedCountField(serializers.Field):  # type: ignore[type-arg]
    """A count leaving the case module: the number, '<5' (1 to 4, or 0 beside such a count), '*' (hidden so no
    total reveals one), 'x' (a table or month about fewer than GBV_STATS_MIN_TOTAL incidents) or '<10' (the
    incident total of such a table)."""

    def to_representation(self, value: int | str) -> int | str:
        return value


# ---------------------------------------------------------------------------------------------------------
# Intake and edit


class GbvClassificationSerializer(StrictInput):
    """The GBVIMS Classification Tool, asked in this order; the first "yes" decides the type (an answer not
    given is "no")."""

    penetration = _flag("yes -> rape")
    unwanted_sexual_contact = _flag("yes -> sexual_assault")
    physical_assault = _flag("yes -> physical_assault")
    forced_marriage = _flag("yes -> forced_marriage")
    denial_of_resources = _flag("yes -> denial_of_resources")
    psychological_abuse = _flag("yes -> psychological_abuse; all no -> non_gbv")


class GbvPerpetratorSerializer(StrictInput):
    """One perpetrator (at most 20); a choice not given is "unknown"."""

    relationship = EnumField(
        cl.RELATIONSHIPS, "Relationship to the survivor (default unknown)", optional=True
    )
    sex = EnumField(Sex.values, optional=True)
    age_group = EnumField((*cl.AGE_GROUPS, "unknown"), optional=True)
    occupation = _text(200)


def _perpetrators() -> serializers.ListSerializer:  # type: ignore[type-arg]
    """At most MAX_PERPETRATORS of them (the stubs do not know ListSerializer's max_length)."""
    # Built by hand: with many=True, DRF would hand allow_null to each item too, and [null] would pass.
    kwargs: dict[str, Any] = {"required": False, "allow_null": True, "max_length": MAX_PERPETRATORS}
    return serializers.ListSerializer(child=GbvPerpetratorSerializer(), **kwargs)


class GbvSurvivorInputSerializer(StrictInput):
    """Name, phone, address and national ID are stored encrypted; the phone is searchable by exact match."""

    name = _text(200)
    phone = _text(30, "Digits, spaces, +, - and brackets")
    address = _text(500)
    national_id = _text(30)
    sex = EnumField(Sex.values)
    age = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_AGE,
        help_text="Age in years at the incident, or date_of_birth",
        error_messages={
            "invalid": "must be a whole number",
            "max_string_length": "must be a whole number",
            "min_value": f"must be between 0 and {MAX_AGE}",
            "max_value": f"must be between 0 and {MAX_AGE}",
        },
    )
    date_of_birth = PastDateField(required=False, allow_null=True)
    age_estimated = _flag()
    marital_status = EnumField(MaritalStatus.values, "Default unknown", optional=True)
    disability = _flag()
    displacement_status = EnumField(Displacement.values, "Default resident", optional=True)
    nationality = _text(200, "Two-letter country code, default RW")

    def validate_phone(self, value: str | None) -> str | None:
        if value and not set(value) <= PHONE_CHARACTERS:
            raise serializers.ValidationError("may hold digits, spaces, +, - and brackets only")
        return value

    def validate_nationality(self, value: str | None) -> str:
        code = (value or "").upper()
        if code and (len(code) != 2 or not code.isalpha()):
            raise serializers.ValidationError("must be a two-letter country code")
        return code


class GbvSurvivorEditSerializer(GbvSurvivorInputSerializer):
    """The survivor fields an edit changes (merged into the case's)."""

    sex = EnumField(Sex.values, optional=True)


class GbvIntakeConsentSerializer(StrictInput):
    """The survivor's answers at intake; an answer not given is not recorded."""

    services = _flag("Consent to services and referral")
    reporting = _flag("Consent to non-identifiable reporting")
    method = EnumField(ConsentMethod.values, "Default verbal", optional=True)


class GbvIncidentInputSerializer(StrictInput):
    """An intake: the survivor, the incident and its classification, perpetrators and consent."""

    survivor = GbvSurvivorInputSerializer()
    incident_date = PastDateField()
    incident_time = _incident_time()
    report_date = PastDateField(help_text="Not before incident_date")
    org_unit = serializers.CharField(
        max_length=200, help_text="Code of the org unit where the incident is handled"
    )
    organisation = _text(200, "Code of the case-holding organisation")
    location_type = EnumField(LocationType.values, optional=True)
    time_of_day = EnumField(TimeOfDay.values, optional=True)
    classification = GbvClassificationSerializer()
    perpetrators = _perpetrators()
    goods_exchanged = _flag()
    abduction = EnumField(cl.ABDUCTION, optional=True)
    harmful_traditional_practice = EnumField(HarmfulPractice.values, optional=True)
    reported_elsewhere = _flag()
    account = _text(20_000, "Free-text account (encrypted)")
    consent = GbvIntakeConsentSerializer(required=False, allow_null=True)
    case_worker = _text(150, "Username of the case worker (default: you)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        incident_date, report_date = attrs["incident_date"], attrs["report_date"]
        if report_date < incident_date:
            raise serializers.ValidationError({"report_date": "is before incident_date"})
        when = attrs.get("incident_time")
        if when is not None and incident_date == timezone.localdate() and when > timezone.localtime().time():
            raise serializers.ValidationError({"incident_time": "cannot be in the future"})
        survivor = attrs["survivor"]
        born = survivor.get("date_of_birth")
        if born is not None:
            if born > incident_date:
                raise serializers.ValidationError(
                    {"survivor": {"date_of_birth": "is after the incident date"}}
                )
            age = cl.age_at(born, incident_date)
            if age > MAX_AGE:
                raise serializers.ValidationError(
                    {"survivor": {"date_of_birth": f"gives an age over {MAX_AGE}"}}
                )
            if survivor.get("age") not in (None, age):
                raise serializers.ValidationError(
                    {"survivor": {"age": "contradicts survivor.date_of_birth (age at the incident date)"}}
                )
        return attrs


class GbvIncidentEditSerializer(StrictInput):
    """Only the fields sent change; `survivor` and `classification` merge one level deep, lists are
    replaced. The merged case is then checked as an intake is."""

    version = serializers.IntegerField(
        min_value=0,
        max_value=10**9,
        help_text="Required: the version the edit is based on (409 if stale)",
        error_messages={"required": "is required (the version your edit is based on)"},
    )
    incident_date = PastDateField(required=False)
    incident_time = _incident_time()
    report_date = PastDateField(required=False)
    org_unit = serializers.CharField(required=False, max_length=200, help_text="Cannot change")
    location_type = EnumField(LocationType.values, optional=True)
    time_of_day = EnumField(TimeOfDay.values, optional=True)
    classification = GbvClassificationSerializer(required=False)
    perpetrators = _perpetrators()
    goods_exchanged = _flag()
    abduction = EnumField(cl.ABDUCTION, optional=True)
    harmful_traditional_practice = EnumField(HarmfulPractice.values, optional=True)
    reported_elsewhere = _flag()
    account = _text(20_000)
    survivor = GbvSurvivorEditSerializer(required=False)


class GbvIncidentCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    survivor_code = serializers.CharField(source="survivor.code")
    gbv_type = EnumField(cl.GBV_TYPES)
    contexts = serializers.ListField(child=EnumField(cl.CONTEXTS), help_text="Derived case-context flags")
    elapsed_reporting_bucket = EnumField(cl.BUCKETS)
    version = serializers.IntegerField()


# ---------------------------------------------------------------------------------------------------------
# Reading cases


class GbvIncidentListQuerySerializer(StrictInput):
    """The query parameters of the case list."""

    status = EnumField(CaseStatus.values, "Only cases in this status", optional=True)
    limit = serializers.IntegerField(
        required=False,
        default=50,
        min_value=0,
        max_value=MAX_LIST,
        help_text=f"Page size (at most {MAX_LIST})",
    )
    offset = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=10**9, help_text="Cases to skip"
    )


class GbvIncidentSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A case without identifying fields."""

    id = serializers.UUIDField(source="uuid")
    survivor_code = serializers.CharField(source="survivor.code")
    status = EnumField(CaseStatus.values)
    gbv_type = EnumField(cl.GBV_TYPES)
    incident_date = serializers.DateField()
    report_date = serializers.DateField()
    org_unit = serializers.CharField(source="org_unit.code")
    elapsed_reporting_bucket = EnumField(cl.BUCKETS)
    version = serializers.IntegerField()


class GbvIncidentPageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField(help_text="All matching cases, not only this page")
    results = GbvIncidentSummarySerializer(many=True)


class GbvSearchSerializer(StrictInput):
    """An exact search: give survivor_code or phone (or both)."""

    survivor_code = _text(200, "Exact survivor code")
    phone = _text(200, "Exact phone number (matched by keyed hash)")


class GbvSurvivorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sex = EnumField(Sex.values)
    age = serializers.IntegerField(allow_null=True)
    age_estimated = serializers.BooleanField()
    marital_status = EnumField(MaritalStatus.values)
    disability = serializers.BooleanField()
    displacement_status = EnumField(Displacement.values)
    nationality = serializers.CharField()
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    national_id = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False)


class GbvConsentRecordSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    purpose = EnumField(ConsentPurpose.values)
    service = serializers.CharField(allow_blank=True, help_text="The service, for a release of information")
    recipient = serializers.CharField(
        allow_null=True, help_text="Code of the recipient organisation, for a release of information"
    )
    given = serializers.BooleanField()
    method = EnumField(ConsentMethod.values)
    contact_methods = serializers.ListField(
        child=EnumField(ContactMethod.values),
        help_text="For a referral consent: the contact methods the survivor agreed to (empty: not asked)",
    )
    recorded_by = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


def _consent_state() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.BooleanField(),
        help_text="purpose (or referral:<service>, release:<service>:<recipient code>) -> the latest answer "
        "still standing; "
        "release:<service> without a recipient is an old release that reaches no organisation",
    )


class GbvProviderUnitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    name = serializers.CharField()


class GbvReferralStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Where a referral stands on the pathway (empty referral_status: not a referral to another
    organisation, or one recorded before the pathway)."""

    provider_unit = GbvProviderUnitSerializer(allow_null=True, help_text="The provider from the directory")
    urgency = EnumField(Urgency.values)
    contact_method = EnumField(ContactMethod.values, "How the survivor agreed to be contacted")
    referral_status = EnumField(ReferralStatus.values)
    reply_due_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)


class GbvServiceSerializer(GbvReferralStateSerializer):
    id = serializers.UUIDField()
    type = EnumField(ServiceType.values)
    status = EnumField(ServiceStatus.values)
    provider = serializers.CharField(allow_null=True, help_text="Code of the provider organisation")
    referred_on = serializers.DateField(allow_null=True)
    provided_on = serializers.DateField(allow_null=True)
    pep_given_on = serializers.DateField(allow_null=True)
    ec_given_on = serializers.DateField(allow_null=True)
    consent_overridden = serializers.BooleanField()
    response_note = serializers.CharField(
        allow_blank=True, help_text="The receiver's reason for declining, or the outcome"
    )


class GbvNoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    kind = EnumField(NoteKind.values)
    text = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)


class GbvCountdownSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One PEP or EC window: it closes at `deadline` (elapsed < window is in time)."""

    kind = serializers.CharField(help_text="pep or ec")
    hours = serializers.IntegerField(help_text="The window (72 for PEP, 120 for EC by default)")
    deadline = serializers.DateTimeField(help_text="The first instant outside the window")
    seconds_left = serializers.IntegerField(help_text="Until the deadline; 0 or less once passed")
    state = serializers.CharField(help_text="open, closing (less than 12 h left), passed or done (given)")
    given_on = serializers.DateField(allow_null=True)


class GbvIncidentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One case; `survivor` identifying details, `account` and `notes` are only given with the case opened
    by its case workers or supervisors."""

    id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    version = serializers.IntegerField()
    status = EnumField(CaseStatus.values)
    organisation = serializers.CharField()
    org_unit = serializers.CharField()
    case_worker = serializers.CharField(allow_null=True)
    incident_date = serializers.DateField()
    incident_time = serializers.CharField(allow_null=True, help_text="HH:MM (Kigali time), null if unknown")
    report_date = serializers.DateField()
    location_type = EnumField(LocationType.values)
    time_of_day = EnumField(TimeOfDay.values)
    classification = GbvClassificationSerializer()
    gbv_type = EnumField(cl.GBV_TYPES)
    contexts = serializers.ListField(child=EnumField(cl.CONTEXTS))
    elapsed_days = serializers.IntegerField()
    elapsed_reporting_bucket = EnumField(cl.BUCKETS)
    perpetrators = GbvPerpetratorSerializer(many=True)
    goods_exchanged = serializers.BooleanField()
    abduction = EnumField(cl.ABDUCTION)
    harmful_traditional_practice = EnumField(HarmfulPractice.values)
    reported_elsewhere = serializers.BooleanField()
    survivor = GbvSurvivorSerializer()
    consent = _consent_state()
    consents = GbvConsentRecordSerializer(many=True)
    services = GbvServiceSerializer(many=True)
    closure_reason = serializers.CharField(allow_blank=True)
    countdowns = GbvCountdownSerializer(
        many=True, help_text="PEP and emergency-contraception windows (rape cases; see docs/worklist.md)"
    )
    account = serializers.CharField(required=False)
    notes = GbvNoteSerializer(many=True, required=False)


# ---------------------------------------------------------------------------------------------------------
# Consent, services, referrals, notes, closure, access log


class GbvConsentInputSerializer(StrictInput):
    """One answer to a consent question."""

    purpose = EnumField(ConsentPurpose.values)
    given = StrictBooleanField()
    method = EnumField(ConsentMethod.values)
    service = EnumField(
        ServiceType.values, "With purpose 'release' or 'referral' (required then)", optional=True
    )
    recipient = _text(200, "Only with purpose 'release' (required then): code of the recipient organisation")
    contact_methods = serializers.ListField(
        child=EnumField(ContactMethod.values),
        required=False,
        help_text="Only with purpose 'referral': the ways the survivor agrees to be contacted by that kind of "
        "service; a referral must then use one of them (409 on contact_method otherwise). Omitted or empty: "
        "not asked, any contact method",
    )


class GbvConsentCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    consent = _consent_state()


class GbvConsentStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    consent = _consent_state()


class GbvServiceInputSerializer(StrictInput):
    """A service provided, or a referral: to a provider from the directory (provider_unit), or to an
    organisation (provider, the older form)."""

    type = EnumField(ServiceType.values)
    status = EnumField(ServiceStatus.values, "'referred' with a provider is a referral (needs consent)")
    provider = _text(200, "Code of the provider organisation (or give provider_unit)")
    provider_unit = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Id of a service provider from the directory offering this type; its organisation is the "
        "provider",
        error_messages={"invalid": "must be a service provider id"},
    )
    urgency = EnumField(
        Urgency.values, "Reply due in 24 h (urgent), 72 h (high), 7 days (normal, default)", optional=True
    )
    contact_method = EnumField(
        ContactMethod.values,
        "How the survivor agreed to be contacted (default case_worker). When the survivor's consent to "
        "referral lists contact methods, one of them (409 otherwise); phone also needs a release of "
        "information to the provider (409 otherwise)",
        optional=True,
    )
    referred_on = _optional_date()
    provided_on = _optional_date()
    pep_given_on = _optional_date()
    ec_given_on = _optional_date()
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Why a referral goes ahead without consent (roles allowed to override)",
    )


class GbvReferralListQuerySerializer(StrictInput):
    """The query parameters of the referral list."""

    direction = EnumField(
        ("incoming", "outgoing"),
        "incoming (default): sent to your organisation; outgoing: sent by it",
        optional=True,
    )
    status = EnumField(ReferralStatus.values, "Only referrals in this pathway status", optional=True)


class GbvReferrerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    referred_by = serializers.CharField(help_text="Code of the referring organisation")
    referred_by_name = serializers.CharField(help_text="Name of the referring organisation")
    referring_worker = serializers.CharField(
        allow_null=True, help_text="Name of who made the referral (older referrals: the case worker)"
    )


class GbvReferralRowSerializer(GbvReferralStateSerializer, GbvReferrerSerializer):
    """A line of a referral inbox: nothing of the survivor but the code."""

    id = serializers.UUIDField()
    survivor_code = serializers.CharField()
    type = EnumField(ServiceType.values)
    status = EnumField(ServiceStatus.values)
    provider = serializers.CharField(allow_null=True, help_text="Code of the provider organisation")
    referred_on = serializers.DateField(allow_null=True)


class GbvReferralPageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    results = GbvReferralRowSerializer(many=True)


class GbvReleasedIdentitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class GbvReferralSerializer(GbvServiceSerializer, GbvReferrerSerializer):
    incident_id = serializers.UUIDField(required=False, help_text="For the receiving case roles only")
    survivor_code = serializers.CharField()
    incident_date = serializers.DateField(
        required=False,
        help_text="For the receiving case roles only, with the survivor's release of information to this "
        "organisation for this service",
    )
    gbv_type = EnumField(
        cl.GBV_TYPES,
        "For the receiving case roles only, with the survivor's release of information to this organisation "
        "for this service",
        required=False,
    )
    identity_released = serializers.BooleanField(
        help_text="The survivor consented to release to this organisation for this service"
    )
    survivor = GbvReleasedIdentitySerializer(required=False, help_text="Only when identity_released")


class GbvReferralUpdateSerializer(StrictInput):
    """The fields the receiving organisation may change (any other is a 400)."""

    status = EnumField(ServiceStatus.values)
    provided_on = _optional_date()
    pep_given_on = _optional_date()
    ec_given_on = _optional_date()


class GbvReferralRespondSerializer(StrictInput):
    """The receiver's answer: accept; decline with a reason; complete with the outcome."""

    action = EnumField(("accept", "decline", "complete"))
    reason = _text(2000, "Required to decline")
    outcome = _text(2000, "Required to complete (encrypted; seen by the referring case workers)")


class GbvNoteInputSerializer(StrictInput):
    """A case plan or follow-up note (encrypted)."""

    kind = EnumField(NoteKind.values)
    text = serializers.CharField(
        max_length=10_000, error_messages={"max_length": "is longer than 10000 characters"}
    )
    due_on = _optional_date()


class GbvCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")


class GbvClosureRequestSerializer(StrictInput):
    """Why the case may be closed."""

    reason = serializers.CharField(
        max_length=200, error_messages={"max_length": "is longer than 200 characters"}
    )


class GbvClosureDecisionSerializer(StrictInput):
    """A supervisor's decision on a closure request."""

    approve = StrictBooleanField(help_text="true closes the case, false reopens it")


class GbvCaseStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    status = EnumField(CaseStatus.values)
    version = serializers.IntegerField()


class GbvAccessEventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    user = serializers.CharField()
    action = serializers.CharField()
    what = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)


class GbvAccessLogSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    results = GbvAccessEventSerializer(many=True)


# ---------------------------------------------------------------------------------------------------------
# Statistics


class GbvStatisticsQuerySerializer(StrictInput):
    """The query parameters of the statistics."""

    period = serializers.CharField(
        max_length=20,
        help_text="A DHIS2 period code: 2026, 202601, 2026Q1 (at most 36 months). Shorter than "
        "GBV_STATS_MIN_PERIOD (a month) only for case roles in their own area: otherwise 400 (field period)",
        error_messages={"required": "is required (a DHIS2 period code: 2026, 202601, 2026Q1)"},
    )
    org_unit = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Only cases in this org unit's subtree. Below GBV_STATS_MIN_ORG_LEVEL (a district) only "
        "for case roles in their own area: otherwise 400 (field org_unit)",
    )


class GbvStatisticsRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    values = serializers.ListField(
        child=SuppressedCountField(), help_text="A count per column, '<5' or '*' when suppressed"
    )


class GbvStatisticsTableSerializer(serializers.Serializer):  # type: ignore[type-arg]
    columns = serializers.ListField(child=serializers.CharField(), help_text="Months (YYYY-MM), then total")
    rows = GbvStatisticsRowSerializer(many=True)


class GbvSuppressionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    primary = serializers.CharField()
    complementary = serializers.CharField()
    suppressed = serializers.CharField(help_text="'x': a whole table or month about too few incidents")


class GbvAccountabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
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


class GbvStatisticsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    org_unit = serializers.CharField(allow_null=True)
    incidents = SuppressedCountField()
    suppression = GbvSuppressionSerializer()
    tables = serializers.DictField(
        child=GbvStatisticsTableSerializer(),
        help_text="gbv_type, context, age_group, sex, district, perpetrator_relationship, services, "
        "time_to_report (days from incident to report: 0-3, 4-5, 6-14, 15-30, 31+, unknown), referrals "
        "(services referred to another organisation, by type), pep (rape incidents: PEP within the PEP "
        "window of 72 h, after it, or not recorded)",
    )
    accountability = GbvAccountabilitySerializer(many=True)
