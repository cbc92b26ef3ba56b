"""The contracts of the collection REST endpoints (api.py): one input serializer per body or query string,
one output serializer per answer; the same classes parse, render and feed the OpenAPI document.

The OpenRosa endpoints (openrosa.py: formList, submission, manifest) speak XML and multipart as ODK Collect
sends them and are not described here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.parsing import query_datetime
from amahoro.core.rest import StrictInput, UploadField

from . import services
from .models import CollectorToken, MappingRule, ReviewState, XForm

MAX_XLSFORM_BYTES = 10 * 1024 * 1024


def _upload(name: str, message: str, **kw: Any) -> serializers.FileField:
    """A multipart file field; a missing or non-file value is a 400 naming it with our message."""
    return UploadField(
        allow_empty_file=True,
        use_url=False,
        error_messages={"required": message, "invalid": message, "no_name": message, "null": message},
        **kw,
    )


class IsoDateTimeField(serializers.DateTimeField):
    """Python's isoformat() (…+00:00), as the API has always answered, not DRF's …Z."""

    def to_representation(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)


class CommaListField(serializers.ListField):
    """A list of codes, given as a JSON array, repeated form fields, or one comma-separated string."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            data = [part for item in data for part in item.split(",") if part]
        return super().to_internal_value(data)


# ---------------------------------------------------------------------------------------------------------
# Forms


class FormUploadInput(StrictInput):
    xlsform = _upload("xlsform", "attach the XLSForm as 'xlsform'")  # .xlsx, .xls or .csv
    organisation = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of the organisation the form belongs to"
    )
    form_id = serializers.CharField(
        required=False, allow_blank=True, help_text="An existing form: the upload is a new version of it"
    )

    def validate_xlsform(self, upload: Any) -> Any:
        if upload.size and upload.size > MAX_XLSFORM_BYTES:
            raise serializers.ValidationError("the XLSForm is larger than 10 MB")
        return upload


class FormOut(serializers.Serializer):  # type: ignore[type-arg]
    form_id = serializers.CharField()
    title = serializers.CharField()
    version = serializers.CharField()
    md5 = serializers.CharField()
    organisation = serializers.CharField(source="organisation.code")
    encrypted = serializers.BooleanField()
    is_active = serializers.BooleanField()
    org_unit_field = serializers.CharField()
    versions = serializers.SerializerMethodField()
    created_at = IsoDateTimeField()

    def get_versions(self, form: XForm) -> list[str]:
        return [v.version for v in form.versions.all()]


class FormDetailOut(FormOut):
    """A form with `media` (the attached file names) and `missing_media` (files its current version refers
    to that are not attached)."""

    media = serializers.SerializerMethodField()
    missing_media = serializers.SerializerMethodField()

    def get_media(self, form: XForm) -> list[str]:
        return list(form.media.values_list("filename", flat=True))

    def get_missing_media(self, form: XForm) -> list[str]:
        return services.form_missing_media(form)


class FormListOut(serializers.Serializer):  # type: ignore[type-arg]
    results = FormOut(many=True)


class FormPrivateKeyInput(StrictInput):
    private_key = _upload("private_key", "attach the PEM private key as 'private_key'")


class FormMediaInput(StrictInput):
    file = _upload("file", "attach the media file as 'file'")


class FormMediaOut(serializers.Serializer):  # type: ignore[type-arg]
    filename = serializers.CharField()
    md5 = serializers.CharField()
    missing_media = serializers.ListField(child=serializers.CharField())


# ---------------------------------------------------------------------------------------------------------
# Submissions


class SubmissionFilters(StrictInput):
    review_state = serializers.CharField(
        required=False, allow_blank=True, help_text="Only submissions in this review state"
    )
    org_unit = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Only submissions from this place and below (org unit code)",
    )
    since = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Received on or after this date (YYYY-MM-DD) or ISO 8601 time",
    )

    def validate_review_state(self, value: str) -> str:
        if value and value not in ReviewState.values:
            raise serializers.ValidationError(f"review_state must be one of {', '.join(ReviewState.values)}")
        return value

    def validate_since(self, value: str) -> dt.datetime | None:
        return query_datetime({"since": value}, "since")


class SubmissionListQuery(SubmissionFilters):
    page = serializers.CharField(required=False, help_text="Page number (1, 2, ... or 'last')")
    page_size = serializers.CharField(required=False, help_text="Submissions per page (at most 20000)")


class SubmissionExportQuery(SubmissionFilters):
    hxl = serializers.CharField(required=False, allow_blank=True, help_text="1: add an HXL hashtag row")
    repeat = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Export this repeat group's rows instead of the submissions",
    )


class SubmissionOut(serializers.Serializer):  # type: ignore[type-arg]
    """A submission as exports.submission_json shapes it."""

    instance_id = serializers.CharField()
    form_id = serializers.CharField()
    version = serializers.CharField()
    submitted_at = serializers.CharField(help_text="ISO 8601 time")
    submitted_by = serializers.CharField()
    org_unit = serializers.CharField(allow_null=True)
    review_state = serializers.CharField()
    encrypted = serializers.BooleanField()
    deprecated_id = serializers.CharField(allow_null=True)
    attachments = serializers.ListField(child=serializers.CharField())
    data = serializers.DictField(help_text="The answers, repeats as lists of objects")  # type: ignore[assignment]


class SubmissionPageOut(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SubmissionOut(many=True)


class SubmissionReviewInput(StrictInput):
    review_state = serializers.CharField(help_text=f"One of {', '.join(ReviewState.values)}")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SubmissionImportReportOut(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="OK, or ERROR (nothing stored)")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    error_count = serializers.IntegerField()
    more_errors = serializers.IntegerField()


class SubmissionImportInput(StrictInput):
    file = _upload("file", "attach the records as 'file' (.csv or .xlsx)")


# ---------------------------------------------------------------------------------------------------------
# Collector tokens


class CollectorTokenInput(StrictInput):
    organisation = serializers.CharField(allow_blank=True, help_text="Organisation code")
    name = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Who or which device holds it"
    )
    forms = CommaListField(
        child=serializers.CharField(), required=False, default=list, help_text="form_id of each form"
    )
    org_unit = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Place the submissions belong to"
    )


class CollectorTokenOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    prefix = serializers.CharField()
    organisation = serializers.CharField(source="organisation.code")
    forms = serializers.SerializerMethodField()
    org_unit = serializers.CharField(source="org_unit.code", allow_null=True, default=None)
    revoked = serializers.SerializerMethodField()

    def get_forms(self, token: CollectorToken) -> list[str]:
        return [f.form_id for f in token.forms.all()]

    def get_revoked(self, token: CollectorToken) -> bool:
        return token.revoked_at is not None


class CollectorTokenCreatedOut(CollectorTokenOut):
    token = serializers.SerializerMethodField(help_text="Shown once")
    url = serializers.SerializerMethodField(help_text="The OpenRosa server URL for ODK Collect")

    def get_token(self, token: CollectorToken) -> str:
        return str(self.context["raw"])

    def get_url(self, token: CollectorToken) -> str:
        return str(self.context["url"])


class CollectorTokenListOut(serializers.Serializer):  # type: ignore[type-arg]
    results = CollectorTokenOut(many=True)


# ---------------------------------------------------------------------------------------------------------
# Mapping rules


class FormMappingRuleInput(StrictInput):
    """A rule turning submissions into data values; on PATCH every field is optional."""

    data_element = serializers.CharField(
        help_text="Data element code", error_messages={"required": "data_element is required"}
    )
    name = serializers.CharField(required=False, allow_blank=True)
    aggregation = serializers.CharField(required=False, help_text="count, sum or average")
    value_field = serializers.CharField(required=False, allow_blank=True)
    repeat = serializers.CharField(required=False, allow_blank=True)
    condition = serializers.DictField(required=False, help_text="{field: value or [values]}")
    disaggregate_by = serializers.ListField(child=serializers.CharField(), required=False)
    option_map = serializers.DictField(required=False)
    org_unit_field = serializers.CharField(required=False, allow_blank=True)
    period_field = serializers.CharField(required=False, allow_blank=True)
    period_type = serializers.CharField(required=False, allow_blank=True)
    approved_only = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class MappingRunOut(serializers.Serializer):  # type: ignore[type-arg]
    rule = serializers.CharField()
    values = serializers.IntegerField()
    deleted = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.CharField())
    # "import" is a Python keyword: the field is added below.


MappingRunOut._declared_fields["import"] = serializers.DictField(help_text="The data value import's summary")


class FormMappingRuleOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    form_id = serializers.CharField(source="form.form_id")
    data_element = serializers.CharField(source="data_element.code")
    aggregation = serializers.CharField()
    value_field = serializers.CharField()
    repeat = serializers.CharField()
    condition = serializers.JSONField()
    disaggregate_by = serializers.JSONField()
    option_map = serializers.JSONField()
    org_unit_field = serializers.CharField()
    period_field = serializers.CharField()
    period_type = serializers.CharField()
    approved_only = serializers.BooleanField()
    is_active = serializers.BooleanField()
    last_run_at = IsoDateTimeField(allow_null=True)
    values = serializers.SerializerMethodField()

    def get_values(self, rule: MappingRule) -> int:
        return rule.values.count()


class FormMappingRuleSavedOut(FormMappingRuleOut):
    run = serializers.SerializerMethodField()

    @extend_schema_field(MappingRunOut)
    def get_run(self, rule: MappingRule) -> Any:
        return self.context["run"]


class FormMappingRuleListOut(serializers.Serializer):  # type: ignore[type-arg]
    results = FormMappingRuleOut(many=True)
