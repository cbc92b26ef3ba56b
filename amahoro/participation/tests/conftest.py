from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amahoro import policy

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "un_peacekeeping_rwanda_sample.csv"


@pytest.fixture
def sample_csv() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def setup(db: Any) -> None:
    from amahoro.participation.services import participation_setup

    participation_setup(actor=policy.SYSTEM)


@pytest.fixture
def stats_officer(db: Any) -> Any:
    from conftest import make_org, make_user

    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    return make_user("stats_officer", ("me_officer", ministry, "RW"))
