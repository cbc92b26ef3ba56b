"""The demo steps of consultations and participation, run through `load_demo` twice (idempotent)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_demo_creates_a_published_round_and_participation_figures_once(db: Any) -> None:
    from amahoro.consultations.models import Assessment, ConsultationRound
    from amahoro.data.models import DataValue
    from amahoro.participation import selectors
    from amahoro.portal.reader import public_reader
    from amahoro.site import demo

    first = demo.demo_load()
    assert any("consultations:" in n and "published" in n for n in first.notes), first.notes
    rnd = ConsultationRound.objects.get(title="NAP 1325 civil-society review 2024")
    assert rnd.is_published
    assert Assessment.objects.filter(round=rnd, anonymous=True, organisation__isnull=True).count() == 2
    assert Assessment.objects.filter(round=rnd).exclude(responses=None).count() == 4
    values = DataValue.objects.count()
    latest = {r["code"]: r for r in selectors.representation_latest(user=public_reader())}
    assert latest["WPS_PARLIAMENT_DEPUTIES"]["share"] == 63.8  # 51 of 80 after the 2024 election
    again = demo.demo_load()
    assert ConsultationRound.objects.count() == 1 and DataValue.objects.count() == values
    assert any("already there" in n for n in again.notes)
