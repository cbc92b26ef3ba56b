"""The funding demo step: rates, NAP and RWAMREC budgets and transactions, mapping rules and the fictional
IATI file; RWAMREC's money shows under NAP P2 through the plan's node links; a second run adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from amahoro.frameworks.demo import frameworks_demo_step
from amahoro.funding import selectors
from amahoro.funding.demo import funding_demo_step
from amahoro.funding.models import BudgetLine, ExchangeRate, IatiActivity, MappingRule, Transaction
from amahoro.site import demo as core_demo

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (ExchangeRate, MappingRule, BudgetLine, Transaction, IatiActivity)
    )


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> core_demo.DemoResult:
    # Only the steps this app depends on: other apps' demo content is not under test here.
    monkeypatch.setattr(core_demo, "DEMO_STEPS", [frameworks_demo_step, funding_demo_step])
    return core_demo.demo_load()


def test_registered_once() -> None:
    assert core_demo.DEMO_STEPS.count(funding_demo_step) == 1


def test_demo_funding_and_idempotent(loaded: core_demo.DemoResult) -> None:
    assert any(n.startswith("funding: ") for n in loaded.notes)
    assert IatiActivity.objects.count() == 3
    assert IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-GBV-2024").node.code == "P2.O1"
    # tag 5.5 is not in the file; WPS maps by sector 15170 to P1.O1; the peace-building one waits in the queue
    assert IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-WPS-2025").node.code == "P1.O1"
    assert IatiActivity.objects.get(iati_identifier="XM-DAC-99999-RW-PB-2025").node is None
    rows = {
        r["node_code"]: r
        for r in selectors.pillar_funding_summary(framework_code="RW-NAP1325-2018", public=True)
    }
    assert set(rows) == {"P1", "P2", "P3", "P4", "P5"}
    assert all(r["planned"] > 0 for r in rows.values())
    # RWAMREC's published plan money (OP1.1 + OP1.2 -> O1 -> NAP P2.O1) counts under P2
    from amahoro.frameworks.models import Framework

    nap = Framework.objects.get(code="RW-NAP1325-2018")
    result = selectors.framework_funding(framework=nap, public=True)
    agencies = {a.code for a in result.agencies}
    assert {"RWAMREC", "MIGEPROF", "RNP", "DEMO-DONOR"} <= agencies
    assert result.unconverted == []
    before = counts()
    core_demo.demo_load()
    assert counts() == before
