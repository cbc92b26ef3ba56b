from __future__ import annotations

from typing import Any

import pytest

from .factories import load_sex_age


@pytest.fixture
def sex_age(db: Any) -> None:
    load_sex_age()


@pytest.fixture
def nap(db: Any) -> Any:
    from amahoro.frameworks.models import Framework
    from amahoro.frameworks.reference import load_nap_rw_2018

    load_nap_rw_2018()
    return Framework.objects.get(code="RW-NAP1325-2018")
