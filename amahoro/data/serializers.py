"""The contracts of the data app's REST endpoints: one input serializer (parsing) and one output serializer
(rendering) per endpoint, the same classes that describe the endpoint in the OpenAPI document.

dataValueSets keeps DHIS2's exact shapes (`{"dataSet"?, "period"?, "orgUnit"?, "dataValues": [...]}` in,
an ImportSummary out). Its body is parsed through `DataValueSetInput`, which checks the envelope only: the
rows go to the import engine, which answers a bad row with a conflict naming it (as DHIS2 does) rather than
refusing the whole body, and reads 100,000 rows far faster than a field-by-field DRF pass would (see
docs/performance.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from amahoro.core.rest import StrictInput, UploadField

# ---------------------------------------------------------------------------------------------------------
# dataValueSets


class DataValueInput(serializers.Serializer):  # type: ignore[type-arg]
    """One value of a DHIS2 dataValueSet (documentation of a row; rows are read by the import engine)."""

    dataElement = serializers.CharField(help_text="Data element (by the dataElementIdScheme)")
    period = serializers.CharField(required=False, help_text="DHIS2 period code (else the set's)")
    orgUnit = serializers.CharField(required=False, help_text="Org unit (else the set's)")
    categoryOptionCombo = serializers.CharField(required=False, help_text="Default: the default combo")
    attributeOptionCombo = serializers.CharField(required=False, help_text="Default: the set's, or default")
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    deleted = serializers.BooleanField(required=False, help_text="true: delete the value")


class DataValueRows(serializers.ListField):
    """`dataValues`: a list of objects. Only the list is checked here; each row is checked by the import
    engine, which turns a bad row into a conflict naming its index (DHIS2's behaviour)."""

    child = DataValueInput()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The values (DHIS2 dataValueSet rows)")
        kwargs.setdefault(
            "error_messages", {"required": "'dataValues' is required", "null": "'dataValues' is required"}
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if data is None:
            raise serializers.ValidationError("'dataValues' is required")
        if not isinstance(data, list):
            raise serializers.ValidationError("'dataValues' must be a list")
        return data  # rows: see the class docstring


class DataValueSetInput(serializers.Serializer):  # type: ignore[type-arg]
    """DHIS2's dataValueSet. Top-level period, orgUnit and attributeOptionCombo apply to rows without them.
    `completeDate` registers the data set's report as complete (docs/completeness.md); other top-level fields
    DHIS2 clients send are accepted and ignored, as DHIS2 does."""

    dataSet = serializers.JSONField(required=False, help_text="Data set uid or code")
    completeDate = serializers.JSONField(
        required=False, help_text="With dataSet, period and orgUnit: the report is registered as complete"
    )
    period = serializers.JSONField(required=False, help_text="DHIS2 period code for every row")
    orgUnit = serializers.JSONField(required=False, help_text="Org unit for every row")
    attributeOptionCombo = serializers.JSONField(required=False)
    dataValues = DataValueRows()

    def to_internal_value(self, data: Any) -> Any:
        validated = super().to_internal_value(data)
        # The whole envelope goes on to the import engine (it reads the top-level defaults itself).
        return {**data, **validated}


class ImportCountSerializer(serializers.Serializer):  # type: ignore[type-arg]
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    ignored = serializers.IntegerField()
    deleted = serializers.IntegerField()


class ImportConflictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    object = serializers.CharField(help_text="The offending identifier or value")
    value = serializers.CharField(help_text="Why it was refused")
    errorCode = serializers.CharField(required=False, help_text="DHIS2's error code (E7600...)")
    property = serializers.CharField(required=False)
    indexes = serializers.ListField(child=serializers.IntegerField(), help_text="Rows (0-based) concerned")


class ImportSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """DHIS2's ImportSummary."""

    responseType = serializers.CharField()
    status = serializers.ChoiceField(choices=["SUCCESS", "WARNING", "ERROR"])
    description = serializers.CharField()
    importCount = ImportCountSerializer()
    conflicts = ImportConflictSerializer(many=True)
    rejectedIndexes = serializers.ListField(child=serializers.IntegerField())
    dryRun = serializers.BooleanField()
    notes = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="DHIS2 parameters accepted without effect"
    )


class WebMessageFields(serializers.Serializer):  # type: ignore[type-arg]
    httpStatus = serializers.CharField()
    httpStatusCode = serializers.IntegerField()
    message = serializers.CharField()


class ImportSummaryMessageSerializer(ImportSummarySerializer, WebMessageFields):
    """/api/v1/dataValueSets: the ImportSummary's fields with DHIS2's WebMessage fields beside them
    (`status` is the summary's; `response` repeats the summary)."""

    response = ImportSummarySerializer()


class DHIS2ImportSummaryMessageSerializer(WebMessageFields):
    """/api/dataValueSets (DHIS2 2.38+): the WebMessage wrapping the ImportSummary."""

    status = serializers.ChoiceField(choices=["OK", "WARNING", "ERROR"])
    response = ImportSummarySerializer()


class DataValueOut(serializers.Serializer):  # type: ignore[type-arg]
    dataElement = serializers.CharField()
    period = serializers.CharField()
    orgUnit = serializers.CharField()
    categoryOptionCombo = serializers.CharField()
    attributeOptionCombo = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    storedBy = serializers.CharField()
    created = serializers.CharField()
    lastUpdated = serializers.CharField()
    followup = serializers.BooleanField()
    comment = serializers.CharField(required=False)
    deleted = serializers.BooleanField(required=False, help_text="With includeDeleted=true")


class DataValueSetOut(serializers.Serializer):  # type: ignore[type-arg]
    dataValues = DataValueOut(many=True)


# ---------------------------------------------------------------------------------------------------------
# Template upload


class FileImportInput(StrictInput):
    file = UploadField(
        help_text="The filled-in template (.csv or .xlsx)",
        error_messages={"required": "attach the filled-in template as 'file'"},
    )
    import_valid_rows = serializers.BooleanField(required=False, default=False)
    dry_run = serializers.BooleanField(required=False, default=False)


class RowErrorOut(serializers.Serializer):  # type: ignore[type-arg]
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class FileImportOut(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=["SUCCESS", "WARNING", "ERROR"])
    rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    ignored = serializers.IntegerField()
    deleted = serializers.IntegerField()
    errors = RowErrorOut(many=True)  # type: ignore[assignment]  # a field named like Serializer.errors
    errorCount = serializers.IntegerField()
    moreErrors = serializers.IntegerField()
    dryRun = serializers.BooleanField()
    saved = serializers.BooleanField()


# ---------------------------------------------------------------------------------------------------------
# Validation, approvals, locks, outliers


class ViolationOut(serializers.Serializer):  # type: ignore[type-arg]
    validationRule = serializers.CharField()
    name = serializers.CharField()
    leftSideValue = serializers.FloatField(allow_null=True)
    operator = serializers.CharField()
    rightSideValue = serializers.FloatField(allow_null=True)
    orgUnit = serializers.CharField()
    period = serializers.CharField()
    attributeOptionCombo = serializers.CharField()
    message = serializers.CharField()


class ValidationResultsOut(serializers.Serializer):  # type: ignore[type-arg]
    validationRuleViolations = ViolationOut(many=True)


class ApprovalStateOut(serializers.Serializer):  # type: ignore[type-arg]
    orgUnit = serializers.CharField()
    period = serializers.CharField()
    attributeOptionCombo = serializers.CharField()
    state = serializers.CharField(help_text="open, submitted, approved or accepted")
    locked = serializers.JSONField(help_text="false, or why entry is closed (a lock or an approval)")
    mayEnter = serializers.BooleanField()
    mayApprove = serializers.BooleanField()


class ApprovalActionInput(StrictInput):
    orgUnit = serializers.CharField(
        error_messages={"required": "orgUnit is required", "blank": "orgUnit is required"}
    )
    period = serializers.CharField(
        error_messages={"required": "period is required", "blank": "period is required"}
    )
    attributeOptionCombo = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class ApprovalActionOut(serializers.Serializer):  # type: ignore[type-arg]
    orgUnit = serializers.CharField()
    period = serializers.CharField()
    state = serializers.CharField()


class LockInput(StrictInput):
    period = serializers.CharField(
        error_messages={"required": "period is required", "blank": "period is required"}
    )
    orgUnit = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    organisation = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=500)


class LockOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    period = serializers.CharField()
    orgUnit = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    at = serializers.CharField()


class LockListOut(serializers.Serializer):  # type: ignore[type-arg]
    dataLocks = LockOut(many=True)


class OutlierInput(StrictInput):
    dataElement = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=False,
        error_messages={
            "required": "unknown or missing dataElement: ",
            "empty": "unknown or missing dataElement: ",
        },
    )
    orgUnit = serializers.CharField(
        error_messages={"required": "orgUnit is required", "blank": "orgUnit is required"}
    )
    startDate = serializers.DateField(required=False, allow_null=True)
    endDate = serializers.DateField(required=False, allow_null=True)
    sdFactor = serializers.FloatField(required=False, allow_null=True, default=3.0)

    def to_internal_value(self, data: Any) -> Any:
        # One data element may be given as a plain string.
        if hasattr(data, "get") and isinstance(data.get("dataElement"), str):
            data = {**data, "dataElement": [data["dataElement"]]}
        return super().to_internal_value(data)

    def validate_sdFactor(self, value: float | None) -> float:
        if not value:  # absent, null or 0: the default
            return 3.0
        if value <= 0:
            raise serializers.ValidationError("sdFactor must be positive")
        return value


class OutlierOut(serializers.Serializer):  # type: ignore[type-arg]
    flagged = serializers.IntegerField(help_text="How many values were marked for follow-up")


class RegistrationRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One completeDataSetRegistration as DHIS2 writes it (identifiers: uid or code)."""

    dataSet = serializers.CharField()
    period = serializers.CharField()
    organisationUnit = serializers.CharField()
    attributeOptionCombo = serializers.CharField(required=False)
    organisation = serializers.CharField(required=False, help_text="Ours: whose report, by code")
    completed = serializers.BooleanField(required=False, default=True)
    date = serializers.CharField(required=False, help_text="When it was completed (default: now)")


class RegistrationsInput(serializers.Serializer):  # type: ignore[type-arg]
    """DHIS2's completeDataSetRegistrations payload. Each row is checked on its own by the service (a refused
    row is a conflict naming its index and field), so rows are taken as objects here."""

    completeDataSetRegistrations = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{dataSet, period, organisationUnit, attributeOptionCombo?, organisation?, completed?, date?}]",
    )


class RegistrationOut(serializers.Serializer):  # type: ignore[type-arg]
    dataSet = serializers.CharField()
    period = serializers.CharField()
    organisationUnit = serializers.CharField()
    attributeOptionCombo = serializers.CharField()
    organisation = serializers.CharField(allow_null=True)
    completed = serializers.BooleanField()
    date = serializers.CharField()
    storedBy = serializers.CharField(allow_blank=True)
    onTime = serializers.BooleanField(help_text="Ours: completed on or before the due date")


class RegistrationListOut(serializers.Serializer):  # type: ignore[type-arg]
    completeDataSetRegistrations = RegistrationOut(many=True)
