"""The demo step: a couples' curriculum with fictional participants, attendance and GEM rounds; reach
pushed to data values; idempotent."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.data.models import DataValue
from amahoro.programmes import selectors
from amahoro.programmes.demo import PROGRAMME_CODE, programmes_demo_step
from amahoro.programmes.models import Participant, Programme
from amahoro.site.demo import DemoResult
from conftest import make_org, make_user

pytestmark = pytest.mark.django_db


def test_demo_step_creates_a_curriculum_and_is_idempotent() -> None:
    from amahoro.frameworks.demo import SEX_METADATA
    from amahoro.metadata.importer import metadata_import

    ngo = make_org("RWAMREC", "ngo", areas=("12", "24", "43"))
    me = make_user("me_officer", ("me_officer", ngo, "RW"))
    metadata_import(actor=policy.SYSTEM, payload=SEX_METADATA)
    result = DemoResult(password="x")
    programmes_demo_step(result, policy.SYSTEM)
    programme = Programme.objects.get(code=PROGRAMME_CODE)
    assert Participant.objects.filter(organisation=ngo).count() == 3 * 24 + 16 + 1
    reach = selectors.programme_reach(user=me, programme=programme)
    assert 60 < reach["total"] <= 73 and set(reach["by_sex"]) == {"F", "M"}
    results = selectors.programme_scale_results(user=me, programme=programme)
    gem = results[0]
    assert gem["scale"].code == "GEM-24" and gem["paired"]["n"] == 72
    assert gem["paired"]["mean_difference"] > 3 and gem["did"]["did"] > 2
    assert any(p["a"].code != p["b"].code for p in selectors.duplicate_candidates(user=me))
    assert DataValue.objects.filter(data_element__code="BANDEBEREHO_REACH", period__code="2026").exists()
    respondents = DataValue.objects.filter(data_element__code="BANDEBEREHO_GEM_RESPONDENTS")
    assert sum(int(v.value) for v in respondents) == 72
    assert "fictional participants" in result.notes[-1]
    programmes_demo_step(result, policy.SYSTEM)
    assert Programme.objects.filter(code=PROGRAMME_CODE).count() == 1
    assert "unchanged" in result.notes[-1]
