"""The contracts of the org-unit endpoints (geo/api.py): output serializers for units and GeoJSON, and the
query parameters each endpoint takes."""

from __future__ import annotations

from rest_framework import serializers

from amahoro.core.rest import QUERY_TEXT_MAX, PageQuery, StrictInput, flag_param, text_param

from .models import OrgUnit, OrgUnitLevel

# ---------------------------------------------------------------------------------------------------------
# Answers


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    level: serializers.SlugRelatedField[OrgUnitLevel] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Level code, e.g. `district`"
    )
    # `parent` shadows Field.parent for the type checker only; DRF moves declared fields into _declared_fields.
    parent: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True, help_text="Parent's code"
    )
    has_geometry = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "name_en",
            "name_fr",
            "name_rw",
            "level",
            "parent",
            "path",
            "iso_code",
            "opened_on",
            "closed_on",
            "latitude",
            "longitude",
            "has_geometry",
        ]

    def get_has_geometry(self, obj: OrgUnit) -> bool:
        flag = getattr(obj, "has_geometry", None)  # annotated on lists, so the geometry itself is not loaded
        return bool(flag) if flag is not None else obj.geometry is not None


class OrgUnitChildSerializer(OrgUnitSerializer):
    child_count = serializers.IntegerField(read_only=True, help_text="How many units sit directly below")

    class Meta(OrgUnitSerializer.Meta):
        fields = [*OrgUnitSerializer.Meta.fields, "child_count"]


class OrgUnitDetailSerializer(OrgUnitSerializer):
    geometry = serializers.JSONField(
        read_only=True, help_text="GeoJSON geometry (WGS 84); only with ?geometry=true"
    )

    class Meta(OrgUnitSerializer.Meta):
        fields = [*OrgUnitSerializer.Meta.fields, "geometry"]


class FeaturePropertiesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField(help_text="The name in the reader's language")
    path = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="Parent's code")  # type: ignore[assignment]


class FeatureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField(default="Feature")
    geometry = serializers.JSONField(help_text="GeoJSON geometry (WGS 84)")
    properties = FeaturePropertiesSerializer()


class FeatureCollectionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A GeoJSON FeatureCollection."""

    type = serializers.CharField(default="FeatureCollection")
    attribution = serializers.CharField(
        allow_blank=True,
        help_text='The credit a map of these shapes must show, e.g. "© WASAC Ltd., CC BY 4.0" for the '
        "boundaries shipped with Amahoro; empty when unknown (shapes imported by the administrators)",
    )
    features = FeatureSerializer(many=True)


# ---------------------------------------------------------------------------------------------------------
# Query parameters: a misspelt one (`levle`) is a 400 naming it, never a silently unfiltered answer.


class OrgUnitListQuery(PageQuery, StrictInput):
    level = text_param("Level code: country, province, district, sector, cell, village")
    parent = text_param("Code of the parent unit")  # type: ignore[assignment]  # shadows Field.parent
    q = text_param(f"Search text (at most {QUERY_TEXT_MAX} characters)")
    include_closed = flag_param("Include units closed by a restructuring", default=True)


class OrgUnitDetailQuery(StrictInput):
    geometry = flag_param("Include the GeoJSON geometry", default=False)


class OrgUnitGeoJSONQuery(StrictInput):
    level = text_param("Level code (default district)")
