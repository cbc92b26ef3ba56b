"""`amahoro load_demo` also loads the NAP 1325, an RWAMREC strategic plan linked to it, and monthly values
that make the framework pages show progress; a second run changes nothing."""

from __future__ import annotations

import pytest

from amahoro.accounts.models import User
from amahoro.audit.models import AuditEvent
from amahoro.data.models import DataValue
from amahoro.frameworks import demo, selectors
from amahoro.frameworks.models import Framework, Indicator, Node, NodeLink, Target
from amahoro.frameworks.progress import Status
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement
from amahoro.site import demo as core_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo_once: core_demo.DemoResult) -> core_demo.DemoResult:
    return demo_once  # the test database holds Rwanda without shapes unless a test attaches them


def counts() -> tuple[int, ...]:
    return (
        Framework.objects.count(),
        Node.objects.count(),
        NodeLink.objects.count(),
        DataElement.objects.count(),
        Indicator.objects.count(),
        Target.objects.count(),
        DataValue.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_step_is_registered_once() -> None:
    assert core_demo.DEMO_STEPS.count(demo.frameworks_demo_step) == 1


class TestLoadedDemo:
    """The tests that read one load of the demo (loaded once for the class: conftest.demo_once)."""

    def test_demo_loads_the_nap_and_the_rwamrec_plan_linked_to_it(self, loaded: core_demo.DemoResult) -> None:
        nap = Framework.objects.get(code="RW-NAP1325-2018")
        assert Node.objects.filter(framework=nap, kind="pillar").count() == 5
        fw = Framework.objects.get(code=demo.FRAMEWORK_CODE)
        assert fw.organisation is not None and fw.organisation.code == "RWAMREC"
        kinds = list(Node.objects.filter(framework=fw).values_list("kind", flat=True))
        assert sorted(kinds) == ["goal", "outcome", "outcome", "output", "output", "output"]
        link = NodeLink.objects.get(source__framework=fw, target__code="P2.O1")
        assert link.source.name == "Men and boys adopt gender-equitable attitudes and non-violent behaviour"
        assert link.target.framework == nap
        assert DataElement.objects.get(code="RWAMREC_PARTICIPANTS").category_combo.code == "SEX"
        assert Indicator.objects.filter(framework=fw, baseline_value__isnull=False).count() == 4
        assert Target.objects.filter(indicator__framework=fw, org_unit__code="RW", period="2024").count() == 4
        assert Target.objects.filter(indicator__framework=fw, org_unit__code="43").exists()
        assert any("data values: 4320 imported" in note for note in loaded.notes)

    def test_values_are_monthly_in_the_ngo_districts_entered_by_the_me_officer(
        self,
        loaded: core_demo.DemoResult,
    ) -> None:
        # Values of 2023-2025 are the ones this step enters; other demo steps add later ones (e.g. the
        # collection step maps 2026 form submissions into RWAMREC_PARTICIPANTS).
        values = DataValue.objects.filter(
            data_element__code__startswith="RWAMREC_", period__start__year__lt=2026
        )
        assert values.count() == 24 * 36 * 5  # districts x months x (2 + 1 + 2 cells)
        assert not values.filter(org_unit__code__in=core_demo.RWAMREC_ABSENT).exists()
        assert set(values.values_list("period__code", flat=True)) == {
            f"{y}{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)
        }
        assert set(values.values_list("stored_by__username", flat=True)) == {"me_officer"}
        assert set(values.values_list("organisation__code", flat=True)) == {"RWAMREC"}

    def test_framework_progress_shows_a_status(self, loaded: core_demo.DemoResult) -> None:
        user = User.objects.get(username="me_officer")
        fw = selectors.framework_get(user=user, code=demo.FRAMEWORK_CODE)
        rw = OrgUnit.objects.get(code="RW")
        for period in (None, "2024"):
            progress = selectors.framework_progress(
                user=user, framework=fw, org_unit=rw, span=selectors.span_of(period=period, framework=fw)
            )
            statuses = {p.status for n in progress.flat for p in n.indicators}
            assert statuses & {Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK}
            reached = next(
                p for n in progress.flat for p in n.indicators if p.indicator.code == "RWAMREC_IND_REACHED"
            )
            assert reached.actual and reached.actual > 0 and reached.target is not None

    def test_a_second_run_changes_nothing(self, loaded: core_demo.DemoResult) -> None:
        before = counts()
        values = dict(DataValue.objects.values_list("pk", "value"))
        again = core_demo.demo_load()
        assert counts() == before
        assert dict(DataValue.objects.values_list("pk", "value")) == values
        assert any("0 imported, 0 updated, 4320 unchanged" in note for note in again.notes)


def test_values_are_the_same_on_every_call() -> None:
    districts = ["11", "12"]
    assert demo.demo_values(districts) == demo.demo_values(districts)
    assert len(demo.demo_values(districts)) == 2 * 36 * 5
