from __future__ import annotations

from typing import Any

import pytest

from .factories import Meta, make_meta


@pytest.fixture
def meta(db: Any) -> Meta:
    return make_meta()
