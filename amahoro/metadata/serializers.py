"""The contracts of `/api/v1/metadata` (DHIS2's metadata shape): query parameters, the payload's envelope and
the import report. Objects inside the collections are checked by the importer, which reports each problem
in DHIS2's import-report shape (409, nothing written) rather than stopping at the first."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from amahoro.core import rest

from .importer import IMPORT_STRATEGIES, collection_names

# DHIS2 metadata import parameters accepted without effect, and why (answered as notes, never refused).
METADATA_IGNORED_PARAMS = {
    "atomicMode": "atomicMode: the import is always all-or-nothing (atomicMode=ALL)",
    "async": "async: the import ran at once; this answer is its report (there is no job to poll)",
    "skipAudit": "skipAudit is ignored: every change keeps its audit row",
    "identifier": "identifier: objects are matched by code, then by uid",
    "importReportMode": "importReportMode is ignored: the report always lists every error",
    "preheatMode": "preheatMode is ignored",
    "flushMode": "flushMode is ignored",
    "mergeMode": "mergeMode is ignored: fields given replace the stored ones",
    "skipSharing": "skipSharing is ignored: ownership comes from organisation=",
    "skipTranslation": "skipTranslation is ignored",
    "skipValidation": "skipValidation is ignored: every object is validated",
    "userOverrideMode": "userOverrideMode is ignored",
    "inclusionStrategy": "inclusionStrategy is ignored",
    "atomic": "atomic: the import is always all-or-nothing",
}
# DHIS2 metadata export parameters (fields=, filter=, per-type switches): the export is always complete.
METADATA_EXPORT_PARAMS = frozenset(
    {"fields", "filter", "defaults", "download", "skipSharing", "translate", "locale", "paging", "order"}
    | {"categoryOptions", "categories", "categoryCombos", "categoryOptionCombos", "dataElements"}
    | {"indicators", "dataSets", "organisationUnits", "assumeTrue"}
)


def _ignored(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, max_length=rest.QUERY_TEXT_MAX, help_text=help_text
    )


class MetadataImportQuery(serializers.Serializer):  # type: ignore[type-arg]
    importStrategy = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=rest.QUERY_TEXT_MAX,
        help_text=f"One of {', '.join(IMPORT_STRATEGIES)} (default CREATE_AND_UPDATE)",
    )
    dryRun = rest.flag_param("Check everything, write nothing", default=False)
    importMode = serializers.CharField(
        required=False, allow_blank=True, max_length=rest.QUERY_TEXT_MAX, help_text="VALIDATE = dryRun=true"
    )
    organisation = rest.text_param("Code of the organisation that will own new objects")

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        for name, note in METADATA_IGNORED_PARAMS.items():
            fields[name] = _ignored(note)
        return fields


class MetadataExportQuery(serializers.Serializer):  # type: ignore[type-arg]
    """DHIS2's export switches are accepted and change nothing: the export is always complete."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {
            name: _ignored("Accepted for DHIS2 clients; the export is always complete")
            for name in sorted(METADATA_EXPORT_PARAMS)
        }


class MetadataPayload(serializers.Serializer):  # type: ignore[type-arg]
    """The envelope: each collection is a list of objects (DHIS2's JSON). Other keys DHIS2 exports carry
    (`system`, `date`) are allowed and ignored."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {
            name: serializers.ListField(
                child=serializers.DictField(),
                required=False,
                help_text=f"DHIS2 {name} (objects with at least a code or an id)",
                error_messages={"not_a_list": "must be a list of objects"},
            )
            for name in collection_names()
        }


class ImportStatsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    ignored = serializers.IntegerField()
    total = serializers.IntegerField()


class TypeReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField()
    stats = serializers.DictField(child=serializers.IntegerField())


class ImportErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    object = serializers.CharField(help_text="collection[index] of the object at fault")
    code = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    errorCode = serializers.CharField()


class MetadataImportReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """DHIS2's ImportReport (on /api/v1/ the fields sit at the top level beside the web-message ones)."""

    status = serializers.ChoiceField(choices=["OK", "WARNING", "ERROR"])
    stats = ImportStatsSerializer()
    typeReports = TypeReportSerializer(many=True)
    dryRun = serializers.BooleanField()
    notes = serializers.ListField(child=serializers.CharField(), required=False)
    responseType = serializers.CharField(required=False)
    httpStatus = serializers.CharField(required=False)
    httpStatusCode = serializers.IntegerField(required=False)
    message = serializers.CharField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        # `errors` is the name of Serializer's own property: declared here rather than as an attribute.
        fields["errors"] = ImportErrorSerializer(many=True, help_text="Errors, then warnings (W_*)")
        return fields


class MetadataExportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Every collection the user may see, in the shape the import takes."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {
            name: serializers.ListField(child=serializers.DictField(), required=False)
            for name in collection_names()
        }


def query_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "")}
