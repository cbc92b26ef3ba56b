from __future__ import annotations

from typing import Any

import pytest

from amahoro.metadata.tests.factories import load_sex_age

# A view of the test metadata (metadata/tests/factories.py): people reached by sex, per month of 2024.
QUERY = (
    "dimension=dx:GBV_AWARE&dimension=pe:2024&dimension=SEX:F;M&filter=ou:11&type=column&rows=pe&columns=SEX"
)


@pytest.fixture
def meta(cast: Any) -> Any:
    load_sex_age()
    return cast
