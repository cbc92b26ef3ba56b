"""Metadata for tests, made through the metadata import (the path users take)."""

from __future__ import annotations

from typing import Any

from amahoro import policy
from amahoro.metadata.importer import metadata_import

SEX_AGE_PAYLOAD: dict[str, Any] = {
    "categoryOptions": [
        {
            "code": "F",
            "name": "Female",
            "translations": [{"property": "NAME", "locale": "fr", "value": "Femme"}],
        },
        {"code": "M", "name": "Male"},
        {"code": "15_24", "name": "15-24"},
        {"code": "25_49", "name": "25-49"},
    ],
    "categories": [
        {"code": "SEX", "name": "Sex", "categoryOptions": [{"code": "F"}, {"code": "M"}]},
        {"code": "AGE", "name": "Age band", "categoryOptions": [{"code": "15_24"}, {"code": "25_49"}]},
    ],
    "categoryCombos": [
        {"code": "SEX_AGE", "name": "Sex and age", "categories": [{"code": "SEX"}, {"code": "AGE"}]},
        {"code": "SEX_ONLY", "name": "Sex", "categories": [{"code": "SEX"}]},
    ],
    "dataElements": [
        {
            "code": "GBV_AWARE",
            "name": "People reached by GBV awareness sessions",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX_AGE"},
        },
        {
            "code": "PARTICIPANTS",
            "name": "Participants",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
        },
        {
            "code": "COMMITTEES",
            "name": "Functional anti-GBV committees",
            "valueType": "INTEGER",
            "aggregationType": "LAST",
        },
    ],
}


def load_sex_age() -> None:
    report = metadata_import(actor=policy.SYSTEM, payload=SEX_AGE_PAYLOAD)
    assert report.status == "OK", report.as_dict()
