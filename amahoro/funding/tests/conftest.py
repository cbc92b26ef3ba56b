from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy


@pytest.fixture
def nap(db: Any) -> Any:
    from amahoro.frameworks.models import Framework
    from amahoro.frameworks.reference import load_nap_rw_2018

    load_nap_rw_2018()
    return Framework.objects.get(code="RW-NAP1325-2018")


@pytest.fixture
def rates(db: Any) -> None:
    """USD: 1,300 RWF from 2024-01-01, 1,400 RWF from 2025-01-01; EUR: 1,500 RWF from 2024-01-01."""
    from datetime import date

    from amahoro.funding.services import exchange_rate_set

    exchange_rate_set(actor=policy.SYSTEM, currency="USD", rate="1300", valid_from=date(2024, 1, 1))
    exchange_rate_set(actor=policy.SYSTEM, currency="USD", rate="1400", valid_from=date(2025, 1, 1))
    exchange_rate_set(actor=policy.SYSTEM, currency="EUR", rate="1500", valid_from=date(2024, 1, 1))
