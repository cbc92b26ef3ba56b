"""The contracts of the funding REST endpoints (api.py): one input serializer per body or query string, one
output serializer per answer; the same classes parse, render and feed the OpenAPI document."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amahoro.core.rest import StrictInput

from .models import IatiActivity

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _text(**kw: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, **kw)


def _date(name: str, **kw: Any) -> serializers.DateField:
    message = f"{name} must be a date (YYYY-MM-DD)"
    return serializers.DateField(error_messages={"invalid": message, "datetime": message}, **kw)


# ---------------------------------------------------------------------------------------------------------
# IATI


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent as a multipart field (documented as binary)."""


class IatiImportInput(StrictInput):
    file = UploadField(
        allow_empty_file=True,
        use_url=False,
        error_messages=dict.fromkeys(
            ("required", "invalid", "no_name", "null"), "attach the file as multipart field 'file'"
        ),
    )
    organisation = _text(help_text="Code of the organisation the activities are recorded for")

    def validate_file(self, upload: Any) -> Any:
        limit = self.context.get("max_bytes", MAX_UPLOAD_BYTES)
        if upload.size and upload.size > limit:
            raise serializers.ValidationError(f"the file is larger than {limit // (1024 * 1024)} MB")
        return upload


class IatiCountsOut(serializers.Serializer):  # type: ignore[type-arg]
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    removed = serializers.IntegerField()


class IatiSkipOut(serializers.Serializer):  # type: ignore[type-arg]
    activity = serializers.CharField()
    item = serializers.CharField()
    reason = serializers.CharField()


class IatiImportOut(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField()
    iati_version = serializers.CharField()
    activities = IatiCountsOut()
    transactions = IatiCountsOut()
    budgets = IatiCountsOut()
    skipped = IatiSkipOut(many=True)
    unmapped = serializers.ListField(child=serializers.CharField())
    organisation = serializers.CharField()


class IatiActivitiesQuery(StrictInput):
    unmapped = serializers.CharField(required=False, allow_blank=True, help_text="true: only unmapped ones")


class FundingNodeRefOut(serializers.Serializer):  # type: ignore[type-arg]
    framework = serializers.CharField()
    code = serializers.CharField()


class IatiActivityOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(source="uuid")
    iati_identifier = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField(source="organisation.code")
    reporting_org = serializers.SerializerMethodField()
    iati_version = serializers.CharField()
    sectors = serializers.JSONField()
    tags = serializers.JSONField()
    recipient_countries = serializers.JSONField()
    recipient_regions = serializers.JSONField()
    participating_orgs = serializers.JSONField()
    node = serializers.SerializerMethodField()
    mapping = serializers.SerializerMethodField()
    mapping_note = serializers.CharField()

    def get_reporting_org(self, a: IatiActivity) -> str:
        return a.reporting_org_name or a.reporting_org_ref

    @extend_schema_field(FundingNodeRefOut(allow_null=True))
    def get_node(self, a: IatiActivity) -> dict[str, str] | None:
        return {"framework": a.node.framework.code, "code": a.node.code} if a.node_id and a.node else None

    def get_mapping(self, a: IatiActivity) -> str:
        return a.mapping_method or "unmapped"


class IatiActivityListOut(serializers.Serializer):  # type: ignore[type-arg]
    activities = IatiActivityOut(many=True)


class IatiActivityMapInput(StrictInput):
    framework = _text(help_text="Results framework code")
    node = _text(help_text="Node code (null or blank: unmap)")


# ---------------------------------------------------------------------------------------------------------
# Summary


class FundingSummaryQuery(StrictInput):
    framework = serializers.CharField(error_messages={"required": "framework is required"})
    currency = serializers.CharField(required=False, allow_blank=True, help_text="ISO 4217, default RWF")
    fiscal_year = serializers.CharField(
        required=False, allow_blank=True, help_text="a period code, e.g. 2024July"
    )


class FundingTotalsOut(serializers.Serializer):  # type: ignore[type-arg]
    planned = serializers.FloatField()
    committed = serializers.FloatField()
    disbursed = serializers.FloatField()
    spent = serializers.FloatField()
    gap = serializers.FloatField(help_text="planned - committed")
    burn_rate = serializers.FloatField(allow_null=True, help_text="spent / disbursed")
    currency = serializers.CharField()


class FundingNodeTotalsOut(FundingTotalsOut):
    node_code = serializers.CharField()
    node_name = serializers.CharField()
    kind = serializers.CharField()
    depth = serializers.IntegerField()


class FundingAgencyTotalsOut(FundingTotalsOut):
    organisation = serializers.CharField()
    name = serializers.CharField()


class FundingFrameworkRefOut(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()


class FundingUnconvertedOut(serializers.Serializer):  # type: ignore[type-arg]
    record = serializers.CharField()
    error = serializers.CharField()


class FundingCostPerResultOut(serializers.Serializer):  # type: ignore[type-arg]
    node_code = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    achieved = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    spent = serializers.FloatField()
    cost_per_result = serializers.FloatField(allow_null=True)
    currency = serializers.CharField()


class FundingSummaryOut(serializers.Serializer):  # type: ignore[type-arg]
    framework = FundingFrameworkRefOut()
    currency = serializers.CharField()
    total = FundingTotalsOut()
    nodes = FundingNodeTotalsOut(many=True)
    agencies = FundingAgencyTotalsOut(many=True)
    unconverted = FundingUnconvertedOut(many=True)
    definitions = serializers.DictField(child=serializers.CharField())
    cost_per_result = FundingCostPerResultOut(many=True)


# ---------------------------------------------------------------------------------------------------------
# Exchange rates


class ExchangeRateInput(StrictInput):
    currency = serializers.CharField(allow_blank=True, help_text="ISO 4217 code")
    quote = serializers.CharField(required=False, allow_blank=True, default="RWF")
    rate = serializers.CharField(help_text="Units of `quote` per unit of `currency`, e.g. 1300.5")
    valid_from = _date("valid_from")
    source = serializers.CharField(required=False, allow_blank=True, default="")  # type: ignore[assignment]


class ExchangeRateOut(serializers.Serializer):  # type: ignore[type-arg]
    currency = serializers.CharField()
    quote = serializers.CharField()
    rate = serializers.CharField()
    valid_from = serializers.DateField()
    source = serializers.CharField()  # type: ignore[assignment]


class ExchangeRateListOut(serializers.Serializer):  # type: ignore[type-arg]
    rates = ExchangeRateOut(many=True)


# ---------------------------------------------------------------------------------------------------------
# Budget lines, transactions, mapping rules


class FundingRecordFilters(StrictInput):
    framework = serializers.CharField(required=False, allow_blank=True)
    node = serializers.CharField(required=False, allow_blank=True)
    organisation = serializers.CharField(required=False, allow_blank=True)


class FundingRecordInput(StrictInput):
    organisation = serializers.CharField(help_text="Code of the responsible agency")
    framework = _text()
    node = _text(help_text="Results-framework node code")
    amount = serializers.CharField(help_text="Plain decimal, e.g. 1250000.50")
    currency = serializers.CharField(allow_blank=True, help_text="ISO 4217 code")
    org_unit = _text(help_text="Org unit code (none: national)")
    implementing_partner = _text(help_text="Organisation code")
    funder = _text(help_text="Organisation code")
    funder_name = _text()
    description = _text()
    published = serializers.BooleanField(required=False, default=False)
    sensitive = serializers.BooleanField(required=False, default=False)


class FundingBudgetLineInput(FundingRecordInput):
    fiscal_year = serializers.CharField(allow_blank=True, help_text="A period code, e.g. 2024July")


class FundingTransactionInput(FundingRecordInput):
    kind = serializers.CharField(allow_blank=True, help_text="commitment, disbursement or expenditure")
    date = _date("date")


class FundingRecordOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(source="uuid")
    framework = serializers.CharField(source="node.framework.code", allow_null=True, default=None)
    node = serializers.CharField(source="node.code", allow_null=True, default=None)
    organisation = serializers.CharField(source="organisation.code")
    implementing_partner = serializers.CharField(
        source="implementing_partner.code", allow_null=True, default=None
    )
    funder = serializers.CharField(source="funder.code", allow_null=True, default=None)
    funder_name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField()
    description = serializers.CharField()
    published = serializers.BooleanField(source="is_published")
    sensitive = serializers.BooleanField(source="is_sensitive")
    source = serializers.CharField()  # type: ignore[assignment]


class FundingBudgetLineOut(FundingRecordOut):
    fiscal_year = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class FundingTransactionOut(FundingRecordOut):
    kind = serializers.CharField()
    date = serializers.DateField()


class FundingBudgetLineListOut(serializers.Serializer):  # type: ignore[type-arg]
    budget_lines = FundingBudgetLineOut(many=True)


class FundingTransactionListOut(serializers.Serializer):  # type: ignore[type-arg]
    transactions = FundingTransactionOut(many=True)


class FundingMappingRuleInput(StrictInput):
    framework = _text()
    node = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        help_text="Node code",
        error_messages={"required": "node is required"},
    )
    kind = serializers.CharField(allow_blank=True, help_text="sector, tag or keyword")
    value = serializers.CharField(allow_blank=True)
    priority = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=100,
        error_messages={"invalid": "priority must be a whole number"},
    )
    organisation = _text(help_text="Owner (none: a shared rule, system administrators only)")


class FundingMappingRuleOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(source="uuid")
    framework = serializers.CharField(source="framework.code")
    node = serializers.CharField(source="node.code")
    kind = serializers.CharField()
    value = serializers.CharField()
    priority = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.code", allow_null=True, default=None)


class FundingMappingRuleListOut(serializers.Serializer):  # type: ignore[type-arg]
    rules = FundingMappingRuleOut(many=True)
