"""Indicators in the DHIS2 metadata import and export (`/api/v1/metadata`): the `indicators` collection,
registered with amahoro.metadata.importer from FrameworksConfig.ready."""

from __future__ import annotations

from typing import Any

from amahoro import policy
from amahoro.core.errors import ValidationFailed
from amahoro.metadata.importer import (
    Collection,
    MetadataImporter,
    plain,
    ref_code,
    register_collection,
    translations,
)
from amahoro.metadata.selectors import named
from amahoro.metadata.services import check_code
from amahoro.roles import Perm

from . import services
from .models import Framework, Indicator
from .selectors import indicators_visible_to

# camelCase metadata key -> Indicator field
INDICATOR_KEYS = {
    "name": "name",
    "shortName": "short_name",
    "description": "definition",
    "type": "type",
    "unit": "unit",
    "direction": "direction",
    "timeAggregation": "aggregation_time",
    "placeAggregation": "aggregation_place",
    "numerator": "numerator",
    "numeratorDescription": "numerator_description",
    "denominator": "denominator",
    "denominatorDescription": "denominator_description",
    "missingValueStrategy": "missing_value_strategy",
    "factor": "factor",
    "decimals": "decimals",
    "meansOfVerification": "means_of_verification",
    "dataSource": "data_source",
    "onTrackThreshold": "on_track_threshold",
    "atRiskThreshold": "at_risk_threshold",
}


def import_indicators(importer: MetadataImporter, payload: dict[str, Any]) -> None:
    entries = importer.entries(payload, "indicators")
    existing = {o.code: o for o in Indicator.objects.filter(code__in=[c for _, _, c in entries])}
    for i, entry, code in entries:
        importer.run("indicators", i, code, _indicator, importer, i, entry, code, existing.get(code))


def _indicator(
    importer: MetadataImporter, i: int, entry: dict[str, Any], code: str, obj: Indicator | None
) -> None:
    check_code(code)
    if importer.strategy_skips("indicators", i, code, obj is not None):
        importer.report.count("indicators", "ignored")
        return
    fields: dict[str, Any] = {INDICATOR_KEYS[k]: v for k, v in entry.items() if k in INDICATOR_KEYS}
    fields.update(translations(entry))
    if (
        "factor" not in fields
        and isinstance(entry.get("indicatorType"), dict)
        and "factor" in entry["indicatorType"]
    ):
        fields["factor"] = entry["indicatorType"]["factor"]
    baseline = entry.get("baseline")
    if isinstance(baseline, dict):
        fields["baseline_value"] = baseline.get("value")
        fields["baseline_date"] = baseline.get("date")
    if "id" in entry:
        fields["uid"] = importer.uid(Indicator, entry, obj)
    framework = None
    fw_code = ref_code(entry.get("framework"))
    if fw_code:
        qs = Framework.objects.filter(code=fw_code)
        if importer.actor is not None:
            qs = policy.visible(importer.actor, Perm.FRAMEWORK_VIEW, qs)
        framework = qs.first()
        if framework is None:
            raise ValidationFailed(f"unknown framework '{fw_code}'", field="framework")
    cleaned = services.clean_indicator_fields(fields)
    if obj is None:
        if framework is None:
            importer.may_create("indicator")
    else:
        importer.may_change(obj, "indicator")
        cleaned = {k: v for k, v in cleaned.items() if plain(getattr(obj, k)) != plain(v)}
        moved = framework is not None and obj.framework_id != framework.pk
        if not cleaned and not moved:
            importer.report.count("indicators", "ignored")
            return
    _, created = services.indicator_save(
        actor=importer.actor,
        code=code,
        framework=framework,
        organisation=importer.owner if obj is None else obj.organisation,
        **cleaned,
    )
    importer.report.count("indicators", "created" if created else "updated")


def indicator_metadata(ind: Indicator) -> dict[str, Any]:
    out = named(ind)
    for key, attr in INDICATOR_KEYS.items():
        if key == "name":
            continue
        value = getattr(ind, attr)
        if value not in (None, ""):
            out[key] = value
    if ind.baseline_value is not None or ind.baseline_date is not None:
        out["baseline"] = {
            "value": ind.baseline_value,
            "date": ind.baseline_date.isoformat() if ind.baseline_date else None,
        }
    if ind.framework_id and ind.framework:
        out["framework"] = {"code": ind.framework.code}
    return out


def export_indicators(*, user: Any) -> list[dict[str, Any]]:
    return [indicator_metadata(i) for i in indicators_visible_to(user=user).order_by("code")]


def register() -> None:
    register_collection(
        Collection(
            name="indicators", order=10, model=Indicator, run=import_indicators, export=export_indicators
        )
    )
