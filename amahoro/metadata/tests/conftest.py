from __future__ import annotations

from typing import Any

import pytest

from .factories import load_sex_age


@pytest.fixture
def sex_age(db: Any) -> None:
    load_sex_age()
