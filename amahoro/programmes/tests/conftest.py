from __future__ import annotations

from typing import Any

import pytest

from .factories import World, make_world


@pytest.fixture
def world(cast: Any) -> World:
    return make_world(cast)
