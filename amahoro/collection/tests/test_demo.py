"""The demo step: RWAMREC's dialogue form, sessions from Musanze, a token and a mapping rule; twice = once."""

from __future__ import annotations

from pathlib import Path

import pytest

from amahoro.collection.demo import FORM_ID, SESSIONS, collection_demo_step
from amahoro.collection.models import CollectorToken, MappedValue, MappingRule, Submission, XForm
from amahoro.data.models import DataValue
from amahoro.frameworks.demo import frameworks_demo_step
from amahoro.site import demo as core_demo

pytestmark = pytest.mark.django_db


def test_demo_step_is_realistic_and_idempotent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(core_demo, "DEMO_STEPS", [frameworks_demo_step, collection_demo_step])
    first = core_demo.demo_load()
    form = XForm.objects.get(form_id=FORM_ID)
    assert form.organisation.code == "RWAMREC" and form.org_unit_field == "village"
    subs = Submission.objects.filter(form=form)
    assert subs.count() == SESSIONS
    assert all(s.org_unit is not None and s.org_unit.path.startswith("/RW/4/43/") for s in subs)
    assert subs.filter(review_state="approved").exists() and subs.filter(review_state="has_issues").exists()
    rule = MappingRule.objects.get(form=form)
    mapped = DataValue.objects.filter(
        data_element__code="RWAMREC_PARTICIPANTS", period__code__startswith="2026"
    )
    assert mapped.count() == MappedValue.objects.filter(rule=rule).count() > 0
    assert any("collector token URL" in n for n in first.notes)
    before = (
        subs.count(),
        mapped.count(),
        CollectorToken.objects.count(),
        sorted(mapped.values_list("value", flat=True)),
    )
    core_demo.demo_load()
    after = (
        subs.count(),
        mapped.count(),
        CollectorToken.objects.count(),
        sorted(mapped.values_list("value", flat=True)),
    )
    assert before == after
