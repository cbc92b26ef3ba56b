from __future__ import annotations

from typing import Any

import pytest

from amahoro.geo.models import OrgUnit


@pytest.fixture
def village(db: Any) -> OrgUnit:
    """A village inside sector 1101 (district 11 Nyarugenge)."""
    return (
        OrgUnit.objects.filter(path__startswith="/RW/1/11/1101/", level__code="village")
        .order_by("code")
        .first()
    )  # type: ignore[return-value]


@pytest.fixture
def gasabo_village(db: Any) -> OrgUnit:
    return OrgUnit.objects.filter(path__contains="/12/", level__code="village").order_by("code").first()  # type: ignore[return-value]
